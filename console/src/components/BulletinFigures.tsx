// A bulletin's figures: the praised and criticised units with their reasons, every unit's
// counts (assigned, closed, on time, overdue, returned), the overdue items. On the bulletin's page
// and on its approval tasks.
import { Card, Space, Table, Tag, Typography } from "antd";
import { Link } from "react-router-dom";
import { UNIT_FIGURE_COLUMNS } from "./unitColumns";
import type { Bulletin, Listed, OverdueItem, UnitRow } from "../bulletins";
import { DeadlineTip } from "./DeadlineTip";

function ListedTable({ title, rows, color }: { title: string; rows: Listed[]; color: string }) {
  return (
    <Card size="small" title={title} style={{ flex: 1, minWidth: 300 }}>
      {rows.length === 0 ? "无" : (
        <ul style={{ margin: 0, paddingLeft: 20 }}>
          {rows.map((r) => (
            <li key={r.unit}><Tag color={color}>{r.unit_name}</Tag>{r.reasons.join("；")}</li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export function BulletinFigures({ figures }: { figures: Bulletin["figures"] }) {
  return (
    <div data-testid="bulletin-figures">
      <Space wrap align="start" style={{ width: "100%", marginBottom: 16 }}>
        <ListedTable title="通报表扬" rows={figures.praised} color="green" />
        <ListedTable title="通报批评" rows={figures.criticised} color="red" />
      </Space>
      <Typography.Title level={5}>各单位办理情况</Typography.Title>
      <Table<UnitRow> rowKey="unit" size="small" pagination={false} dataSource={figures.units} scroll={{ x: 720 }}
        style={{ marginBottom: 16 }}
        columns={[
          { title: "排名", dataIndex: "rank", render: (r: number | null | undefined) => r ?? "—" },
          ...UNIT_FIGURE_COLUMNS,
        ]} />
      <Typography.Title level={5}>逾期事项</Typography.Title>
      <Table<OverdueItem> rowKey="item_id" size="small" pagination={false} dataSource={figures.overdue_items}
        locale={{ emptyText: "本期无逾期事项" }} style={{ marginBottom: 16 }}
        columns={[
          { title: "编号", dataIndex: "code", render: (code: string, i) => <Link to={`/items/${i.item_id}`}>{code}</Link> },
          { title: "事项", dataIndex: "title" },
          { title: "牵头单位", dataIndex: "lead_unit_name", render: (n: string | null) => n ?? "—" },
          { title: "办理时限", dataIndex: "due_date", render: (d: string | null) => <DeadlineTip facts={{ due: d, overdue: true }} /> },
        ]} />
    </div>
  );
}
