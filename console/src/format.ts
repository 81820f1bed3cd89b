// Dates as Chinese officials write them (2026年12月1日), lights as colours.
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import utc from "dayjs/plugin/utc";

dayjs.locale("zh-cn");
dayjs.extend(utc);

// The platform's times are Beijing's (UTC+8, no summer time), whatever zone the browser is in;
// a date without a time is that day.
function beijing(value: string): dayjs.Dayjs {
  return value.includes("T") ? dayjs(value).utcOffset(480) : dayjs(value);
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  const day = beijing(value);
  return day.isValid() ? `${day.year()}年${day.month() + 1}月${day.date()}日` : value;
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "—";
  const day = beijing(value);
  return day.isValid() ? `${formatDate(value)} ${day.format("HH:mm")}` : value;
}

export const LIGHTS: Record<string, { color: string; label: string }> = {
  red: { color: "red", label: "红灯" },
  yellow: { color: "gold", label: "黄灯" },
  green: { color: "green", label: "绿灯" },
};

export function lightOf(light: string | null | undefined): { color: string; label: string } | null {
  return light ? LIGHTS[light] ?? { color: "default", label: light } : null;
}

export const ROLE_LABELS: Record<string, string> = {
  office: "督察室",
  leader: "领导",
  liaison: "联络员",
  head: "单位主要负责人",
  admin: "系统管理员",
};

export const SOURCES: Record<string, string> = {
  superior_decision: "上级重大决策部署",
  work_report_target: "政府工作报告目标任务",
  meeting_decision: "会议议定事项",
  quarterly_progress: "季度工作进展",
  media_issue: "媒体/内参反映问题",
  leader_instruction: "领导批示/交办事项",
};

export const URGENCIES: Record<string, string> = {
  urgent: "急件（3个工作日）",
  normal: "非急件（5个工作日）",
  difficult: "难度较大（10个工作日）",
  special: "特殊情况（领导确定时限）",
};

export const STATUSES: Record<string, string> = {
  registered: "已立项",
  assigned: "已交办",
  in_progress: "办理中",
  reported: "已反馈",
  revisiting: "复核中",
  closed: "已办结",
  rejected: "不予立项",
};

/** A link from a notification (http://host:8080/items/…) as a path of this application. */
export function localPath(link: string | null | undefined): string | null {
  if (!link) return null;
  try {
    const url = new URL(link, window.location.origin);
    return url.pathname + url.search;
  } catch {
    return null;
  }
}
