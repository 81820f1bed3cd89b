// What a deadline shown in the console rests on, in words: counted in official working days
// from the assignment (as many as the workflow's preview says the urgency gives), the leader's date, or changed since (an
// extension, a report asked for again). Only what the services answered is said: the rule is
// claimed for a date only when the workflow's /deadlines/preview gives that date for the item's
// urgency and assignment day.
import { formatDate } from "./format";

export const SKIPPED = "跳过周末和法定节假日，调休上班日计入";

export type DeadlineFacts = {
  due: string | null | undefined;
  /** The item's urgency and assignment day (the ledger's). */
  urgency?: string | null;
  assignedOn?: string | null;
  /** The year's official holidays are not published yet: a weekends-only estimate. */
  estimated?: boolean;
  overdue?: boolean;
  /** For a task's deadline: its kind, and its item's deadline (a report task's is the item's). */
  task?: string | null;
  itemDue?: string | null;
};

/** A ledger item's deadline facts. */
export function itemDeadline(item: {
  due_date: string | null;
  urgency?: string | null;
  assigned_on?: string | null;
  due_date_estimated?: boolean;
  overdue?: boolean;
}): DeadlineFacts {
  return {
    due: item.due_date,
    urgency: item.urgency,
    assignedOn: item.assigned_on,
    estimated: item.due_date_estimated,
    overdue: item.overdue,
  };
}

/** A task's deadline facts, with its item's (from the ledger) when known. */
export function taskDeadline(
  task: { kind: string; due_date: string | null },
  item?: Parameters<typeof itemDeadline>[0] | null,
): DeadlineFacts {
  const facts = item ? itemDeadline(item) : { due: null };
  const same = !!item && item.due_date === task.due_date;
  return {
    ...facts,
    due: task.due_date,
    task: task.kind,
    itemDue: item?.due_date ?? null,
    estimated: same && !!facts.estimated,
    overdue: same && !!facts.overdue,
  };
}

/** GET /deadlines/preview for the urgency and the assignment day: the dates the rule gives. */
export type RuleDates = { working_days: number | null; due_date: string | null; sign_due_date: string | null };

/** Whether the rule's dates are needed to explain these facts: an urgency counted in working days,
 * and the assignment day (or, for an item not assigned yet, the number of days it will be). */
export function needsRule(facts: DeadlineFacts): boolean {
  if (!facts.urgency || facts.urgency === "special") return false; // special: the leader's date
  return facts.due ? !!facts.assignedOn : !facts.task; // not assigned yet: how many days it will be
}

function counted(facts: DeadlineFacts, rule: RuleDates | null | undefined): string {
  const due = facts.due as string;
  const days = rule?.working_days;
  const from = facts.assignedOn ? `自交办之日（${formatDate(facts.assignedOn)}）起` : "";
  if (facts.task === "sign") {
    return rule?.sign_due_date === due && from ? `按工作日计算：签收期限为${from}次一工作日，${SKIPPED}` : `按工作日计算，${SKIPPED}`;
  }
  const itsItems = !facts.task || (facts.task === "report" && facts.itemDue === due);
  if (!itsItems) return `按工作日计算，${SKIPPED}`;
  if (facts.urgency === "special") return "特殊情况：办理期限由责任领导确定";
  if (!days || !from || !rule?.due_date) return `按工作日计算，${SKIPPED}`;
  if (rule.due_date === due) return `按工作日计算：${from}${days}个工作日，${SKIPPED}`;
  return (
    `按工作日计算，${SKIPPED}；期限已另行调整（如批准延期、退回重报或新一期报告），` +
    `原${from}${days}个工作日为${formatDate(rule.due_date)}`
  );
}

/** The tooltip's words for a deadline (rule: the preview's dates, when asked). */
export function deadlineText(facts: DeadlineFacts, rule?: RuleDates | null): string {
  if (!facts.due) {
    if (facts.task) return "此任务未设办理期限";
    if (facts.urgency === "special") return "特殊情况：办理期限由责任领导确定，尚未确定";
    const days = rule?.working_days;
    return `尚无期限：自领导批准交办之日起按工作日计算${days ? `${days}个工作日` : ""}，${SKIPPED}`;
  }
  const parts = [counted(facts, rule)];
  if (facts.estimated) parts.push("该年度法定节假日安排尚未发布，暂按只跳过周末预估，发布后以官方安排为准");
  const text = parts.join("；");
  return facts.overdue ? `已逾期（期限${formatDate(facts.due)}）。${text}` : text;
}
