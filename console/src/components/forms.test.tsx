import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ApiError } from "../api";
import { LightTag } from "./LightTag";
import { menuFor } from "./Shell";
import { ErrorView } from "./Status";
import { validator, withAttachmentFields } from "./TaskForm";
import { byDue, drawsAny, elementName } from "./LiveDiagram";
import { MemoryRouter } from "react-router-dom";
import { contextRows } from "./TaskContext";
import { DeadlineTip } from "./DeadlineTip";
import { itemSearch } from "./ItemPicker";
import { AuthProvider } from "../auth";

const report = {
  type: "object",
  properties: {
    content: { type: "string", minLength: 1 },
    attachments: { type: "array", items: { type: "string", format: "attachment" } },
  },
  required: ["content"],
} as const;

describe("task forms", () => {
  it("give arrays of attachment ids the upload field", () => {
    expect(withAttachmentFields(report as never, { content: { "ui:widget": "textarea" } })).toEqual({
      content: { "ui:widget": "textarea" },
      attachments: { "ui:field": "attachments", "ui:description": "可上传PDF、图片、Office文档、OFD或文本文件" },
    });
  });
  it("validate 2020-12 schemas with the attachment format", () => {
    expect(validator.isValid(report as never, { content: "已完成", attachments: ["a1"] }, report as never)).toBe(true);
    expect(validator.isValid(report as never, { content: "" }, report as never)).toBe(false);
    const { errors } = validator.validateFormData({ content: "" }, report as never);
    expect(errors[0].message).toMatch(/[\u4e00-\u9fff]/); // in Chinese
  });
});

describe("the live diagram", () => {
  it("knows which diagrams draw the elements the item is at", () => {
    const bpmn = '<bpmn:process id="reporting"><bpmn:userTask id="Task_report" name="提交报告"/>';
    expect(drawsAny(bpmn, ["Task_sign", "Task_report"])).toBe(true);
    expect(drawsAny(bpmn, ["Task_rep"])).toBe(false);
    expect(drawsAny(bpmn, [])).toBe(false);
  });
  it("names the timers from the diagrams", () => {
    const files = ['<bpmn:process id="a">', '<bpmn:boundaryEvent id="Event_sign_overdue" name="签收逾期" cancelActivity="false">'];
    expect(elementName(files, "Event_sign_overdue")).toBe("签收逾期");
    expect(elementName(files, "Event_unnamed")).toBe("Event_unnamed");
    expect(elementName(files, "Event_sign")).toBe("Event_sign");
    const timers = [{ element_id: "Event_overdue", due_at: "2026-12-14T23:59:00+08:00" },
      { element_id: "Event_remind", due_at: "2026-12-11T09:00:00+08:00" }];
    expect(byDue(timers).map((t) => t.element_id)).toEqual(["Event_remind", "Event_overdue"]);
    expect(byDue(undefined)).toEqual([]);
  });
});

describe("components", () => {
  it("show a light as a coloured tag", () => {
    render(<LightTag light="red" label="红灯" />);
    expect(screen.getByText("红灯").getAttribute("data-light")).toBe("red");
  });
  it("say what a 404 means", () => {
    render(
      <MemoryRouter>
        <ErrorView error={new ApiError(404, "not found")} />
      </MemoryRouter>,
    );
    expect(screen.getByText("该内容不存在，或您无权查看")).toBeTruthy();
  });
  it("offer the office the registration and a unit's liaison not", () => {
    const office = menuFor({ username: "office", name: "王丽", roles: ["office"] }).map((m) => m.label);
    const liaison = menuFor({ username: "zjj-liaison", name: "潘磊", roles: ["liaison"], unit: "zjj" }).map((m) => m.label);
    expect(office).toContain("立项登记");
    expect(liaison).not.toContain("立项登记");
    expect(liaison).not.toContain("统计");
    expect(office).toContain("督查计划");
    expect(liaison).not.toContain("督查计划");
    expect(office).toContain("流程");
    expect(liaison).not.toContain("流程");
  });
});

describe("a decision's context", () => {
  it("reads in Chinese", () => {
    const rows = contextRows({ unit: "zjj", trigger: "overdue", prior_offences: 1, escalated: true,
      escalation_reason: "本年度第2次被问责", requested_due_date: "2026-12-30" });
    expect(rows).toEqual([
      { label: "被问责单位", value: "zjj" },
      { label: "问责原因类别", value: "逾期未报" },
      { label: "本年度此前被问责次数", value: "1" },
      { label: "措施升档", value: "是" },
      { label: "申请延期至", value: "2026年12月30日" },
    ]);
  });
});

describe("a deadline", () => {
  it("is reachable with Tab and described by its explanation", () => {
    render(
      <AuthProvider>
        <DeadlineTip facts={{ due: "2026-12-08", urgency: "special" }} />
      </AuthProvider>,
    );
    const date = screen.getByText("2026年12月8日");
    expect(date.tabIndex).toBe(0);
    const described = document.getElementById(date.getAttribute("aria-describedby") ?? "");
    expect(described?.textContent).toBe("特殊情况：办理期限由责任领导确定");
  });
});

describe("the item picker", () => {
  it("asks the ledger for one page of what was typed, the most recently changed first", () => {
    const url = new URL(itemSearch("  督办〔2026〕3号 "), "http://console");
    expect(url.pathname).toBe("/api/ledger/items");
    expect(Object.fromEntries(url.searchParams)).toEqual({ q: "督办〔2026〕3号", sort: "-updated", page: "1", page_size: "20" });
    expect(new URL(itemSearch(""), "http://console").searchParams.has("q")).toBe(false);
  });
});

describe("the per-unit figures", () => {
  it("show an on-time rate with one decimal, and none where nothing was due", async () => {
    const { formatRate, UNIT_FIGURE_COLUMNS } = await import("./unitColumns");
    expect(formatRate(0.8333)).toBe("83.3%");
    expect(formatRate(1)).toBe("100.0%");
    expect(formatRate(null)).toBe("—");
    expect(UNIT_FIGURE_COLUMNS.map((c) => c.title)).toEqual(["单位", "交办", "办结", "按时办结", "逾期", "退回", "按时办结率"]);
  });
});
