// 通报: kinds and states in Chinese, a new draft's period, an adjustment's body, the document's download.
import type { Api } from "./api";

/** GET /bulletins/{id} (the fields the console shows). */
export type UnitRow = {
  unit: string;
  unit_name: string;
  rank?: number | null;
  assigned: number;
  closed: number;
  on_time: number;
  overdue: number;
  returned: number;
  on_time_rate: number | null;
};
export type Listed = { unit: string; unit_name: string; reasons: string[] };
export type OverdueItem = { item_id: string; code: string; title: string; lead_unit_name: string | null; due_date: string | null; status: string };
export type Adjustment = { list: string; action: string; unit: string; reason: string; made_by: string; made_by_name?: string; made_at: string };
export type Bulletin = {
  id: string;
  kind: string;
  number: string | null;
  status: string;
  title: string;
  period_from: string;
  period_to: string;
  created_at: string;
  published_at: string | null;
  remarks: string | null;
  leader_comment: string | null;
  figures: { units: UnitRow[]; praised: Listed[]; criticised: Listed[]; overdue_items: OverdueItem[] };
  adjustments: Adjustment[];
};

export const KINDS: Record<string, string> = { bulletin: "督查通报", brief: "督查工作简报", briefing: "督查工作简报" };
export const STATES: Record<string, string> = { draft: "草稿", submitted: "审批中", approved: "已批准", published: "已发布" };

/** The month before ``today``'s as a period (the usual monthly bulletin): first and last day, ISO. */
export function lastMonthPeriod(today: Date): { from: string; to: string } {
  const first = new Date(today.getFullYear(), today.getMonth() - 1, 1);
  const last = new Date(today.getFullYear(), today.getMonth(), 0);
  const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  return { from: iso(first), to: iso(last) };
}

export type AdjustmentValues = { list?: "praised" | "criticised"; action?: "add" | "remove"; unit?: string; reason?: string };

/** The adjustment form as POST /bulletins/{id}/adjustments's body. */
export function adjustmentBody(values: AdjustmentValues) {
  return { list: values.list, action: values.action, unit: values.unit, reason: (values.reason ?? "").trim() };
}

/** "住建局 被加入表扬名单" and the like, for an adjustment made. */
export function adjustmentText(adjustment: { list: string; action: string; unit_name?: string; unit: string }): string {
  const list = adjustment.list === "praised" ? "表扬" : "批评";
  const verb = adjustment.action === "add" ? "加入" : "移出";
  return `${adjustment.unit_name ?? adjustment.unit}：${verb}${list}名单`;
}

/** The bulletin a task is about (通报审批's tasks: their context's bulletin_id), if it is one. */
export function bulletinOf(task: { context: Record<string, unknown> | null }): string | null {
  const id = task.context?.bulletin_id;
  return typeof id === "string" && id ? id : null;
}

export async function downloadDocument(api: Api, bulletin: { id: string; number: string | null }, kind: "docx" | "pdf") {
  const blob = await api.blob(`/api/reporting/bulletins/${bulletin.id}/document.${kind}`);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${bulletin.number ?? "通报"}.${kind}`;
  link.click();
  URL.revokeObjectURL(link.href);
}
