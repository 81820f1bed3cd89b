// 督办事项: the ledger, filtered, sorted and paged by the ledger service (never in the browser).
import { Button, DatePicker, Form, Input, Select, Space, Table, Typography, App } from "antd";
import type { Dayjs } from "dayjs";
import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { ApiError } from "../api";
import { useAuth } from "../auth";
import { LightTag } from "../components/LightTag";
import { ErrorView } from "../components/Status";
import { SOURCES, STATUSES } from "../format";
import { DeadlineTip } from "../components/DeadlineTip";
import { itemDeadline } from "../deadlines";
import type { LedgerItem, Page } from "../types";
import { useResource } from "../useResource";
import { useLeaderOptions, useUnitOptions } from "../useUnits";

type Filters = {
  q?: string;
  unit?: string;
  status?: string;
  light?: string;
  source?: string;
  leader?: string;
  due?: [Dayjs | null, Dayjs | null] | null;
};

export function query(filters: Filters, page: number, pageSize: number, sort?: string): string {
  const params = new URLSearchParams();
  for (const key of ["q", "unit", "status", "light", "source", "leader"] as const) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  if (filters.due?.[0]) params.set("due_from", filters.due[0].format("YYYY-MM-DD"));
  if (filters.due?.[1]) params.set("due_to", filters.due[1].format("YYYY-MM-DD"));
  if (sort) params.set("sort", sort);
  params.set("page", String(page));
  params.set("page_size", String(pageSize));
  return params.toString();
}

const options = (labels: Record<string, string>) => Object.entries(labels).map(([value, label]) => ({ value, label }));

export function ItemsPage() {
  const { api } = useAuth();
  const { message } = App.useApp();
  const units = useUnitOptions();
  const { options: leaders } = useLeaderOptions();
  const [filters, setFilters] = useState<Filters>({});
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [sort, setSort] = useState<string | undefined>();
  const search = useMemo(() => query(filters, page, pageSize, sort), [filters, page, pageSize, sort]);
  const items = useResource<Page<LedgerItem>>(`/api/ledger/items?${search}`);

  async function exportExcel() {
    try {
      const blob = await api.blob(`/api/ledger/items/export.xlsx?${query(filters, 1, pageSize, sort).replace(/&?page(_size)?=\d+/g, "")}`);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "督办台帐.xlsx";
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (e) {
      message.error((e as ApiError).message);
    }
  }

  return (
    <>
      <Typography.Title level={3}>督办事项</Typography.Title>
      <Form<Filters>
        layout="inline"
        onFinish={(values) => {
          setFilters(values);
          setPage(1);
        }}
        style={{ marginBottom: 16, rowGap: 8 }}
      >
        <Form.Item name="q">
          <Input placeholder="标题关键词" allowClear aria-label="标题关键词" />
        </Form.Item>
        <Form.Item name="unit">
          <Select placeholder="单位" allowClear showSearch optionFilterProp="label" options={units} style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="status">
          <Select placeholder="状态" allowClear options={options(STATUSES)} style={{ width: 120 }} />
        </Form.Item>
        <Form.Item name="light">
          <Select
            placeholder="灯"
            allowClear
            options={[
              { value: "red", label: "红灯" },
              { value: "yellow", label: "黄灯" },
              { value: "green", label: "绿灯" },
            ]}
            style={{ width: 100 }}
          />
        </Form.Item>
        <Form.Item name="source">
          <Select placeholder="来源" allowClear options={options(SOURCES)} style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="leader">
          <Select placeholder="责任领导" aria-label="责任领导" allowClear showSearch optionFilterProp="label" options={leaders}
            style={{ width: 180 }} />
        </Form.Item>
        <Form.Item name="due">
          <DatePicker.RangePicker placeholder={["期限从", "期限至"]} />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit">
            查询
          </Button>
          <Button onClick={exportExcel}>导出Excel</Button>
        </Space>
      </Form>
      {items.error ? (
        <ErrorView error={items.error} onRetry={items.reload} />
      ) : (
        <Table<LedgerItem>
          rowKey="id"
          loading={items.loading}
          dataSource={items.data?.items ?? []}
          locale={{ emptyText: "暂无督办事项" }}
          scroll={{ x: 900 }}
          onChange={(pagination, _filters, sorter) => {
            const one = Array.isArray(sorter) ? sorter[0] : sorter;
            setSort(one?.order ? `${one.order === "descend" ? "-" : ""}${String(one.field)}` : undefined);
            setPage(pagination.current ?? 1);
            setPageSize(pagination.pageSize ?? 20);
          }}
          pagination={{
            current: page,
            pageSize,
            total: items.data?.total ?? 0,
            showSizeChanger: true,
            showTotal: (total) => `共 ${total} 项`,
          }}
          columns={[
            { title: "编号", dataIndex: "code", width: 150, render: (code: string) => <span style={{ whiteSpace: "nowrap" }}>{code}</span> },
            {
              title: "事项",
              dataIndex: "title",
              render: (title: string, item) => <Link to={`/items/${item.id}`}>{title}</Link>,
            },
            { title: "牵头单位", dataIndex: "lead_unit_name" },
            { title: "状态", dataIndex: "status_label", width: 90 },
            {
              title: "办理期限",
              dataIndex: "due_date",
              sorter: true,
              render: (_: string | null, item) => <DeadlineTip facts={itemDeadline(item)} />,
            },
            {
              title: "灯",
              dataIndex: "light",
              sorter: true,
              width: 80,
              render: (light: string | null, item) => <LightTag light={light} label={item.light_label} />,
            },
          ]}
        />
      )}
    </>
  );
}
