// The per-unit figures' columns, as the statistics and a bulletin's figures show them.
/** An on-time rate as a percentage with one decimal; "—" where nothing was due. */
export function formatRate(rate: number | null): string {
  return rate === null ? "—" : `${(rate * 100).toFixed(1)}%`;
}

export const UNIT_FIGURE_COLUMNS = [
  { title: "单位", dataIndex: "unit_name" },
  { title: "交办", dataIndex: "assigned" },
  { title: "办结", dataIndex: "closed" },
  { title: "按时办结", dataIndex: "on_time" },
  { title: "逾期", dataIndex: "overdue" },
  { title: "退回", dataIndex: "returned" },
  { title: "按时办结率", dataIndex: "on_time_rate", render: (rate: number | null) => formatRate(rate) },
];
