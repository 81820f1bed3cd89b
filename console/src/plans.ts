// 督查计划: the month in the path, the form's values as the reporting service's bodies, the on-site days' progress.

export const MONTH = /^20[0-9]{2}-(0[1-9]|1[0-2])$/;

/** The month of a date as YYYY-MM (the browser's local date). */
export function monthOf(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`;
}

/** 2026-12 → 2026年12月. */
export function monthLabel(month: string): string {
  const [year, number] = month.split("-");
  return `${year}年${Number(number)}月`;
}

/** Names typed in one field, split on 、，, ; or spaces, without blanks or repeats. */
export function splitNames(text: string | undefined | null): string[] {
  const names = (text ?? "").split(/[、，,;；\s]+/).map((n) => n.trim()).filter(Boolean);
  return [...new Set(names)];
}

/** The focus (督查重点) typed one a line. */
export function splitLines(text: string | undefined | null): string[] {
  const lines = (text ?? "").split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return [...new Set(lines)];
}

export type TeamValues = { name?: string; members?: string; lead?: string; co_units?: string[] };
export type PlanValues = { focus?: string; planned_on_site_days?: number; teams?: TeamValues[] };
export type JointGroup = { lead: string; members: string[] };

export function jointGroup(lead: string | undefined, members: string[] | undefined): JointGroup | null {
  return lead && members && members.length ? { lead, members } : null;
}

/** The plan form's values as the body of POST /plans (with the month) or PUT /plans/{month}. */
export function planBody(values: PlanValues, month?: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    focus: splitLines(values.focus),
    planned_on_site_days: values.planned_on_site_days,
    teams: (values.teams ?? []).map((team) => ({
      name: (team.name ?? "").trim(),
      members: splitNames(team.members),
      joint_group: jointGroup(team.lead, team.co_units),
    })),
  };
  return month ? { month, ...body } : body;
}

type Team = { name: string; members: string[]; joint_group: { lead: string; members: string[] } | null };

/** A plan as the form's values, to replace it. */
export function planValues(plan: { focus: string[]; planned_on_site_days: number; teams: Team[] }): PlanValues {
  return {
    focus: plan.focus.join("\n"),
    planned_on_site_days: plan.planned_on_site_days,
    teams: plan.teams.map((team) => ({
      name: team.name,
      members: team.members.join("、"),
      lead: team.joint_group?.lead,
      co_units: team.joint_group?.members ?? [],
    })),
  };
}

/** The on-site days against the minimum as a percentage (0..100) and the bar's status. */
export function onSiteProgress(days: number, minimum: number, warning: string | null | undefined) {
  const percent = minimum > 0 ? Math.min(100, Math.round((days / minimum) * 100)) : 100;
  const status: "success" | "exception" | "active" = days >= minimum ? "success" : warning ? "exception" : "active";
  return { percent, status };
}

/** A refusal's detail (a text, or FastAPI's [{loc, msg}]) as lines to show. */
export function detailLines(detail: unknown): string[] {
  if (typeof detail === "string") return [detail];
  if (!Array.isArray(detail)) return [];
  return detail.map((entry) => {
    const { loc, msg } = (entry ?? {}) as { loc?: unknown[]; msg?: string };
    const path = (Array.isArray(loc) ? loc.map(String) : []).filter((p) => p !== "body");
    return path.length ? `${path.join(".")}：${msg ?? "不合法"}` : msg ?? "不合法";
  });
}
