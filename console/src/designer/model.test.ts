import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compare } from "./diff";
import { fileChanges } from "./VersionComparison";
import { deployProblems, diffMarks, formFileName, hintOf, problemsFor, summarize } from "./model";

const REFUSED = [
  { file: "revisit.bpmn", element: "Task_revisit", msg: "user task names form 'no_such_form', which is not among the forms (forms/no_such_form.schema.json; there are: report)" },
  { file: "revisit.bpmn", element: "Task_revisit", msg: "user task names no form: set its 'formJsonSchemaFilename' property (or 'kind')" },
  { file: "revisit.bpmn", element: null, msg: "not well-formed XML: mismatched tag" },
  { file: "forms/x.schema.json", element: null, msg: "not a JSON Schema" },
];

describe("a refused deployment's problems", () => {
  it("reads the 422 detail, a sentence, and FastAPI's own [{loc, msg}]", () => {
    expect(deployProblems(REFUSED)).toHaveLength(4);
    expect(deployProblems("too large")).toEqual([{ file: "(部署)", element: null, msg: "too large" }]);
    expect(deployProblems([{ loc: ["body", "files"], msg: "bad name" }])).toEqual([
      { file: "body.files", element: null, msg: "bad name" },
    ]);
    expect(deployProblems(null)).toEqual([]);
  });

  it("maps the uploaded file's problems to its elements with their names; other files apart", () => {
    const shown = problemsFor(deployProblems(REFUSED), "revisit.bpmn", (id) => (id === "Task_revisit" ? "回访复核" : null));
    expect(shown.elements).toEqual(["Task_revisit"]);
    expect(shown.here.map((p) => [p.element, p.name])).toEqual([
      ["Task_revisit", "回访复核"],
      ["Task_revisit", "回访复核"],
      [null, null],
    ]);
    expect(shown.elsewhere.map((p) => p.file)).toEqual(["forms/x.schema.json"]);
  });

  it("gives Chinese hints for the check's messages it knows", () => {
    expect(hintOf(REFUSED[0].msg)).toBe("用户任务引用的表单 no_such_form 不存在");
    expect(hintOf("call activity calls process 'revisit', which none of the checked files defines")).toBe(
      "调用的子流程 revisit 不存在（没有文件定义它）",
    );
    expect(hintOf("timer timeDate '2026-12-01T09:00' has no UTC offset (write +08:00)")).toBe("计时时间缺少时区（写 +08:00）");
    expect(hintOf("condition compares review['decision'] with 'ok', which form 'review' never gives (one of: accept, return)"))
      .toBe("条件把 review['decision'] 与表单 review 不会给出的值 'ok' 比较");
    expect(hintOf(REFUSED[1].msg)).toBe("用户任务没有指定表单");
    expect(hintOf("something new")).toBeNull();
  });

  it("names a chosen form file as the version does", () => {
    expect(formFileName("C:\\fakepath\\report.schema.json")).toBe("forms/report.schema.json");
  });
});

describe("the diff summary", () => {
  it("sorts bpmn-js-differ's maps into added, removed, changed (with attributes) and only moved", () => {
    const summary = summarize({
      _added: { B: { $type: "bpmn:UserTask", name: "新任务" } },
      _removed: { A: { $type: "bpmn:ScriptTask" } },
      _changed: { C: { model: { $type: "bpmn:UserTask", name: "审批" }, attrs: { name: {}, documentation: {} } } as never },
      _layoutChanged: { C: {}, D: { $type: "bpmn:EndEvent", name: "结束" }, B: {} },
    });
    expect(summary.added).toEqual([{ id: "B", name: "新任务", type: "UserTask", attrs: [] }]);
    expect(summary.removed).toEqual([{ id: "A", name: null, type: "ScriptTask", attrs: [] }]);
    expect(summary.changed).toEqual([{ id: "C", name: "审批", type: "UserTask", attrs: ["documentation", "name"] }]);
    expect(summary.moved.map((e) => e.id)).toEqual(["D"]);
  });

  it("compares two real files with bpmn-moddle and bpmn-js-differ", async () => {
    const before = readFileSync(resolve(process.cwd(), "../workflows/revisit.bpmn"), "utf-8");
    const after = before.replace('id="Task_revisit" name="回访复核"', 'id="Task_revisit" name="回访复核（改）"');
    const summary = await compare(before, after);
    expect(summary.changed.map((e) => [e.id, e.attrs])).toEqual([["Task_revisit", ["name"]]]);
    expect(summary.added).toEqual([]);
    expect(summary.removed).toEqual([]);
    expect((await compare(before, before)).changed).toEqual([]);
  });

  it("marks what was removed on the earlier version, what was added on the new one, changes on both", () => {
    const entry = (id: string) => ({ id, name: null, type: null, attrs: [] });
    const marks = diffMarks({ added: [entry("B")], removed: [entry("A")], changed: [entry("C")], moved: [entry("D")] });
    expect(marks.before).toEqual({ A: "duban-removed", C: "duban-changed", D: "duban-moved" });
    expect(marks.after).toEqual({ B: "duban-added", C: "duban-changed", D: "duban-moved" });
  });

  it("marks an element whose id was renamed as removed and its new id as added", async () => {
    const before = readFileSync(resolve(process.cwd(), "../workflows/revisit.bpmn"), "utf-8");
    const after = before.replaceAll('"Task_revisit"', '"Task_revisit_v2"').replaceAll(">Task_revisit<", ">Task_revisit_v2<");
    const marks = diffMarks(await compare(before, after));
    expect(marks.before.Task_revisit).toBe("duban-removed");
    expect(marks.after.Task_revisit_v2).toBe("duban-added");
    expect(marks.after.Task_revisit).toBeUndefined();
    expect(marks.before.Task_revisit_v2).toBeUndefined();
  });
});

describe("two deployed versions", () => {
  it("sort their BPMN files into changed, added, removed and the same", () => {
    const before = { "a.bpmn": "1", "b.bpmn": "1", "c.bpmn": "1", "forms/x.schema.json": "{}" };
    const after = { "a.bpmn": "2", "b.bpmn": "1", "d.bpmn": "1", "forms/x.schema.json": "{ }" };
    expect(fileChanges(before, after)).toEqual({ changed: ["a.bpmn"], added: ["d.bpmn"], removed: ["c.bpmn"], same: ["b.bpmn"] });
  });
});
