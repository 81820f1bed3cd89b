// The designers' pages without the drawing: a refused deployment's problems by element, Chinese
// hints for the check's messages, and a summary of bpmn-js-differ's comparison of two files.

/** One entry of a refused deployment's 422 detail (services/workflow/domain/refusals.py). */
export type DeployProblem = { file: string; element: string | null; msg: string };

/** A problem for people: where, the element's name when the diagram knows it, the message. */
export type ShownProblem = DeployProblem & { name: string | null; hint: string | null };

/** The 422 detail as problems; FastAPI's own [{loc, msg}] (a malformed request) under "(请求)". */
export function deployProblems(detail: unknown): DeployProblem[] {
  if (typeof detail === "string") return [{ file: "(部署)", element: null, msg: detail }];
  if (!Array.isArray(detail)) return [];
  return detail
    .filter((entry): entry is Record<string, unknown> => !!entry && typeof entry === "object")
    .map((entry) => ({
      file: typeof entry.file === "string" ? entry.file : Array.isArray(entry.loc) ? entry.loc.map(String).join(".") : "(请求)",
      element: typeof entry.element === "string" && entry.element ? entry.element : null,
      msg: typeof entry.msg === "string" ? entry.msg : String(entry.msg ?? ""),
    }));
}

const HINTS: [RegExp, string][] = [
  [/user task names no form/, "用户任务没有指定表单"],
  [/user task names form '([^']+)', which is not among the forms/, "用户任务引用的表单 $1 不存在"],
  [/formUiSchemaFilename '([^']+)' is not among the forms/, "用户任务引用的界面配置 $1 不存在"],
  [/formUiSchemaFilename '([^']+)' is not its form's UI schema/, "界面配置 $1 与表单不匹配"],
  [/condition reads ([^,]+), a field form '([^']+)' does not define/, "条件读取了表单 $2 中不存在的字段 $1"],
  [/call activity calls process '([^']+)', which none of the checked files defines/, "调用的子流程 $1 不存在（没有文件定义它）"],
  [/call activity calls process '([^']+)', which is not executable/, "调用的子流程 $1 未设为可执行"],
  [/condition compares ([^,]+) with (.+), which form '([^']+)' never gives/, "条件把 $1 与表单 $3 不会给出的值 $2 比较"],
  [/id '([^']+)' is reserved/, "元素编号 $1 是引擎保留的，请改名"],
  [/sequence flow (sourceRef|targetRef) '([^']+)' is not an element/, "连线的起点或终点 $2 不在本流程中"],
  [/timer has no timeDate expression/, "计时事件没有设置时间表达式"],
  [/timer timeDate .* has no UTC offset/, "计时时间缺少时区（写 +08:00）"],
  [/timer uses .*: only timeDate timers are allowed/, "只允许按日期计时（期限按工作日算出日期）"],
  [/user task due '([^']+)' is not a variable name/, "任务期限 $1 不是变量名"],
  [/no bpmndi:BPMNDiagram/, "缺少图形部分，建模工具无法打开"],
  [/not valid JSON/, "JSON 格式错误"],
  [/not a valid JSON Schema/, "不是合法的 JSON Schema（2020-12）"],
  [/the files have \d+ bytes together/, "文件总大小超过部署上限"],
  [/not well-formed XML/, "XML 格式错误"],
  [/is not a file of the active version/, "当前版本中没有这个文件"],
  [/a version needs at least one file/, "版本至少要有一个文件"],
  [/script|expression/i, "脚本或表达式未通过检查"],
  [/assignee/, "办理人设置有误"],
  [/is not a valid value of the atomic type 'xs:ID'/, "元素编号不合法"],
];

/** A Chinese hint for the check's (English) message, if it is one the console knows. */
export function hintOf(message: string): string | null {
  for (const [pattern, hint] of HINTS) {
    const found = message.match(pattern);
    if (found) return hint.replace(/\$(\d)/g, (_, n: string) => found[Number(n)] ?? "");
  }
  return null;
}

/** The problems of one file (the uploaded one) with their elements' names; the rest after. */
export function problemsFor(
  problems: DeployProblem[],
  file: string,
  nameOf: (id: string) => string | null,
): { here: ShownProblem[]; elsewhere: ShownProblem[]; elements: string[] } {
  const shown = problems.map((p) => ({
    ...p,
    name: p.element && p.file === file ? nameOf(p.element) : null,
    hint: hintOf(p.msg),
  }));
  const here = shown.filter((p) => p.file === file);
  return {
    here,
    elsewhere: shown.filter((p) => p.file !== file),
    elements: [...new Set(here.map((p) => p.element).filter((id): id is string => !!id))],
  };
}

/** What bpmn-js-differ's diff() answers (maps by element id). */
export type DifferResult = {
  _added: Record<string, unknown>;
  _removed: Record<string, unknown>;
  _changed: Record<string, { attrs?: Record<string, unknown> }>;
  _layoutChanged: Record<string, unknown>;
};

export type DiffEntry = { id: string; name: string | null; type: string | null; attrs: string[] };
export type DiffSummary = { added: DiffEntry[]; removed: DiffEntry[]; changed: DiffEntry[]; moved: DiffEntry[] };

function entryOf(id: string, element: unknown, attrs: string[] = []): DiffEntry {
  const e = (element ?? {}) as { name?: unknown; $type?: unknown; model?: { name?: unknown; $type?: unknown } };
  const model = e.model ?? e;
  return {
    id,
    name: typeof model.name === "string" && model.name ? model.name : null,
    type: typeof model.$type === "string" ? model.$type.replace(/^bpmn:/, "") : null,
    attrs,
  };
}

/** Added, removed, changed (with the changed properties) and only moved elements, sorted by id. */
export function summarize(result: DifferResult): DiffSummary {
  const sorted = (entries: DiffEntry[]) => entries.sort((a, b) => a.id.localeCompare(b.id));
  const changed = Object.entries(result._changed ?? {}).map(([id, change]) =>
    entryOf(id, change, Object.keys(change.attrs ?? {}).sort()),
  );
  const changedIds = new Set([...changed.map((c) => c.id), ...Object.keys(result._added ?? {}), ...Object.keys(result._removed ?? {})]);
  return {
    added: sorted(Object.entries(result._added ?? {}).map(([id, e]) => entryOf(id, e))),
    removed: sorted(Object.entries(result._removed ?? {}).map(([id, e]) => entryOf(id, e))),
    changed: sorted(changed),
    moved: sorted(Object.entries(result._layoutChanged ?? {}).filter(([id]) => !changedIds.has(id)).map(([id, e]) => entryOf(id, e))),
  };
}

export const TYPE_LABELS: Record<string, string> = {
  UserTask: "用户任务", ScriptTask: "脚本任务", ServiceTask: "服务任务", SequenceFlow: "连线", StartEvent: "开始事件",
  EndEvent: "结束事件", ExclusiveGateway: "排他网关", ParallelGateway: "并行网关", BoundaryEvent: "边界事件",
  IntermediateCatchEvent: "中间事件", CallActivity: "调用活动", SubProcess: "子流程", Process: "流程", Lane: "泳道",
};

/** The active version's file of the same name (the uploaded file's name is that of the version's). */
export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** A chosen form file's name in the version: forms/<name>.schema.json (or .uischema.json). */
export function formFileName(path: string): string {
  return `forms/${fileName(path)}`;
}

/** Marker classes (BpmnView's MARK_STYLE) for the two diagrams of a comparison: the earlier
 * version with what was removed (red), changed (orange) and only moved (blue); the new one with
 * what was added (green), changed and moved. An element is marked once, the strongest first. */
export function diffMarks(summary: DiffSummary): { before: Record<string, string>; after: Record<string, string> } {
  const before: Record<string, string> = {};
  const after: Record<string, string> = {};
  const mark = (marks: Record<string, string>, entries: DiffEntry[], marker: string) => {
    for (const entry of entries) marks[entry.id] ??= marker;
  };
  mark(before, summary.removed, "duban-removed");
  mark(before, summary.changed, "duban-changed");
  mark(before, summary.moved, "duban-moved");
  mark(after, summary.added, "duban-added");
  mark(after, summary.changed, "duban-changed");
  mark(after, summary.moved, "duban-moved");
  return { before, after };
}
