import { describe, expect, it } from "vitest";
import { deadlineText, itemDeadline, needsRule, taskDeadline } from "./deadlines";

const item = { due_date: "2026-12-08", urgency: "normal", assigned_on: "2026-12-01", due_date_estimated: false, overdue: false };
const rule = { working_days: 5, due_date: "2026-12-08", sign_due_date: "2026-12-02" };

describe("a deadline's explanation", () => {
  it("says the working days from the assignment when the rule gives the item's date", () => {
    expect(deadlineText(itemDeadline(item), rule)).toBe(
      "按工作日计算：自交办之日（2026年12月1日）起5个工作日，跳过周末和法定节假日，调休上班日计入",
    );
    expect(deadlineText(itemDeadline({ ...item, urgency: "urgent" }), { ...rule, working_days: 3 })).toContain("起3个工作日");
  });

  it("claims no count before the rule is known, and says when the date was changed since", () => {
    expect(needsRule(itemDeadline(item))).toBe(true);
    expect(deadlineText(itemDeadline(item))).toBe("按工作日计算，跳过周末和法定节假日，调休上班日计入");
    expect(deadlineText(itemDeadline({ ...item, due_date: "2026-12-20" }), rule)).toBe(
      "按工作日计算，跳过周末和法定节假日，调休上班日计入；期限已另行调整（如批准延期、退回重报或新一期报告），" +
        "原自交办之日（2026年12月1日）起5个工作日为2026年12月8日",
    );
  });

  it("says a special item's date is the leader's, an estimate, an overdue item, an item not yet assigned", () => {
    const special = { ...item, urgency: "special" };
    expect(needsRule(itemDeadline(special))).toBe(false);
    expect(deadlineText(itemDeadline(special))).toBe("特殊情况：办理期限由责任领导确定");
    expect(deadlineText(itemDeadline({ ...item, due_date_estimated: true, overdue: true }), rule)).toBe(
      "已逾期（期限2026年12月8日）。按工作日计算：自交办之日（2026年12月1日）起5个工作日，跳过周末和法定节假日，调休上班日计入；" +
        "该年度法定节假日安排尚未发布，暂按只跳过周末预估，发布后以官方安排为准",
    );
    expect(needsRule(itemDeadline({ ...item, due_date: null, assigned_on: null }))).toBe(true); // the days it will be
    expect(deadlineText(itemDeadline({ ...item, due_date: null, assigned_on: null }), rule)).toBe(
      "尚无期限：自领导批准交办之日起按工作日计算5个工作日，跳过周末和法定节假日，调休上班日计入",
    );
  });

  it("explains a task's deadline: signing the next working day, a report the item's, others plainly", () => {
    expect(deadlineText(taskDeadline({ kind: "sign", due_date: "2026-12-02" }, item), rule)).toBe(
      "按工作日计算：签收期限为自交办之日（2026年12月1日）起次一工作日，跳过周末和法定节假日，调休上班日计入",
    );
    const report = taskDeadline({ kind: "report", due_date: "2026-12-08" }, { ...item, overdue: true });
    expect(deadlineText(report, rule)).toMatch(/^已逾期（期限2026年12月8日）。按工作日计算：自交办之日（2026年12月1日）起5个工作日/);
    const again = taskDeadline({ kind: "report", due_date: "2026-12-22" }, { ...item, overdue: true });
    expect(deadlineText(again, rule)).toBe("按工作日计算，跳过周末和法定节假日，调休上班日计入"); // not the item's deadline
    expect(deadlineText(taskDeadline({ kind: "revisit", due_date: "2026-12-10" }, null))).toBe(
      "按工作日计算，跳过周末和法定节假日，调休上班日计入",
    );
    expect(deadlineText(taskDeadline({ kind: "approve_bulletin", due_date: null }, null))).toBe("此任务未设办理期限");
  });
});
