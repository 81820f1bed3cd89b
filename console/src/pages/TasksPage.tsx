// 我的待办: the caller's ready tasks with their deadline, light and item.
import { Table, Typography } from "antd";
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { useAuth } from "../auth";
import { LightTag } from "../components/LightTag";
import { Loaded, Nothing } from "../components/Status";
import { formatDateTime } from "../format";
import { DeadlineTip } from "../components/DeadlineTip";
import { taskDeadline } from "../deadlines";
import { bulletinOf } from "../bulletins";
import type { LedgerItem, Page, Task, WorkflowItem } from "../types";
import { useResource } from "../useResource";

type ItemSummary = Pick<LedgerItem, "id" | "code" | "title"> & Partial<LedgerItem>;

/** Each task's item, from the ledger (with its light), else from the workflow (not yet in the ledger). */
function useItems(ids: string[]): Record<string, ItemSummary> {
  const { api } = useAuth();
  const [items, setItems] = useState<Record<string, ItemSummary>>({});
  const key = [...new Set(ids)].sort().join(",");
  useEffect(() => {
    let alive = true;
    for (const id of key ? key.split(",") : []) {
      api<LedgerItem>(`/api/ledger/items/${id}`)
        .catch(() => api<WorkflowItem>(`/api/workflow/items/${id}`))
        .then((item) => alive && setItems((found) => ({ ...found, [id]: item as ItemSummary })))
        .catch(() => {});
    }
    return () => {
      alive = false;
    };
  }, [api, key]);
  return items;
}

/** The ledger's record of the item (with urgency and assignment day), not the workflow's. */
function ledgerItem(item: ItemSummary | undefined): LedgerItem | null {
  return item && "urgency" in item ? (item as LedgerItem) : null;
}

export function TasksPage() {
  const tasks = useResource<Page<Task>>("/api/workflow/tasks");
  const items = useItems((tasks.data?.items ?? []).flatMap((task) => (task.item_id ? [task.item_id] : [])));
  return (
    <>
      <Typography.Title level={3}>我的待办</Typography.Title>
      <Loaded resource={tasks}>
        {(page) =>
          page.items.length === 0 ? (
            <Nothing text="暂无待办任务" />
          ) : (
            <Table<Task>
              rowKey="id"
              dataSource={page.items}
              pagination={false}
              scroll={{ x: 720 }}
              columns={[
                {
                  title: "任务",
                  dataIndex: "name",
                  render: (name: string, task) => <Link to={`/tasks/${task.id}`}>{name}</Link>,
                },
                {
                  title: "督办事项",
                  dataIndex: "item_id",
                  render: (id: string | null, task) => {
                    const bulletin = bulletinOf(task);
                    if (bulletin) return <Link to={`/bulletins/${bulletin}`}>{String(task.context?.number ?? "")} {String(task.context?.title ?? "通报")}</Link>;
                    const item = id ? items[id] : undefined;
                    return item ? <Link to={`/items/${id}`}>{item.code} {item.title}</Link> : id ? "…" : "—";
                  },
                },
                {
                  title: "办理期限",
                  dataIndex: "due_date",
                  render: (_: string | null, task) => <DeadlineTip facts={taskDeadline(task, task.item_id ? ledgerItem(items[task.item_id]) : null)} />,
                },
                {
                  title: "灯",
                  dataIndex: "item_id",
                  key: "light",
                  render: (id: string | null) => id && <LightTag light={items[id]?.light} label={items[id]?.light_label} />,
                },
                { title: "下达时间", dataIndex: "created_at", render: formatDateTime },
              ]}
            />
          )
        }
      </Loaded>
    </>
  );
}
