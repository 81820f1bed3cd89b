// What a decision rests on (the workflow's task context), with Chinese labels.
import { Alert, Card, Descriptions } from "antd";
import { KINDS } from "../bulletins";
import { formatDate } from "../format";

const LABELS: Record<string, string> = {
  unit: "被问责单位",
  trigger: "问责原因类别",
  reason: "原因",
  prior_offences: "本年度此前被问责次数",
  offence_count: "本年度第几次",
  escalated: "措施升档",
  requested_due_date: "申请延期至",
  current_due_date: "现办理期限",
  number: "文号",
  title: "标题",
  bulletin_kind: "类型",
  period_start: "期间起",
  period_end: "期间止",
  returned_comment: "上次退回意见",
  remarks: "通报按语",
};
const TRIGGERS: Record<string, string> = { overdue: "逾期未报", revisit_failed: "回访复核未通过", bulletin: "通报批评" };
const HIDDEN = new Set(["bulletin_id", "escalation_reason"]);

export function contextRows(context: Record<string, unknown>): { label: string; value: string }[] {
  return Object.entries(context)
    .filter(([key, value]) => !HIDDEN.has(key) && value !== null && value !== undefined && value !== "")
    .map(([key, value]) => {
      let text = String(value);
      if (typeof value === "boolean") text = value ? "是" : "否";
      else if (key === "trigger") text = TRIGGERS[text] ?? text;
      else if (key === "bulletin_kind") text = KINDS[text] ?? text;
      else if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) text = formatDate(value);
      return { label: LABELS[key] ?? key, value: text };
    });
}

export function TaskContext({ context }: { context: Record<string, unknown> | null }) {
  if (!context || Object.keys(context).length === 0) return null;
  const escalation = typeof context.escalation_reason === "string" ? context.escalation_reason : null;
  return (
    <Card size="small" title="决策依据" style={{ marginBottom: 16 }} data-testid="task-context">
      {escalation && <Alert type="warning" showIcon message={escalation} style={{ marginBottom: 12 }} />}
      <Descriptions column={1} size="small" bordered>
        {contextRows(context).map((row) => (
          <Descriptions.Item key={row.label} label={row.label}>
            {row.value}
          </Descriptions.Item>
        ))}
      </Descriptions>
    </Card>
  );
}
