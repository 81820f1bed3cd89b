// 通报: the bulletins and briefs the caller may see, with their documents.
import { App, Button, Space, Table, Typography } from "antd";
import { ApiError } from "../api";
import { useAuth } from "../auth";
import { Loaded, Nothing } from "../components/Status";
import { formatDate } from "../format";
import { useResource } from "../useResource";

type Bulletin = {
  id: string;
  kind: string;
  number: string | null;
  status: string;
  status_label?: string;
  period_from: string;
  period_to: string;
};

const KINDS: Record<string, string> = { bulletin: "督查通报", brief: "督查工作简报", briefing: "督查工作简报" };
const STATES: Record<string, string> = { draft: "草稿", submitted: "审批中", approved: "已批准", published: "已发布" };

export function BulletinsPage() {
  const { api } = useAuth();
  const { message } = App.useApp();
  const bulletins = useResource<{ bulletins: Bulletin[] }>("/api/reporting/bulletins");

  async function download(bulletin: Bulletin, kind: "docx" | "pdf") {
    try {
      const blob = await api.blob(`/api/reporting/bulletins/${bulletin.id}/document.${kind}`);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `${bulletin.number ?? "通报"}.${kind}`;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (e) {
      message.error((e as ApiError).message);
    }
  }

  return (
    <>
      <Typography.Title level={3}>通报</Typography.Title>
      <Loaded resource={bulletins}>
        {(found) =>
          found.bulletins.length === 0 ? (
            <Nothing text="暂无通报" />
          ) : (
            <Table<Bulletin>
              rowKey="id"
              dataSource={found.bulletins}
              scroll={{ x: 720 }}
              columns={[
                { title: "文号", dataIndex: "number", render: (n: string | null) => n ?? "（未编号）" },
                { title: "类型", dataIndex: "kind", render: (kind: string) => KINDS[kind] ?? kind },
                {
                  title: "期间",
                  key: "period",
                  render: (_: unknown, b) => `${formatDate(b.period_from)}至${formatDate(b.period_to)}`,
                },
                { title: "状态", dataIndex: "status", render: (s: string, b) => b.status_label ?? STATES[s] ?? s },
                {
                  title: "文档",
                  key: "document",
                  render: (_: unknown, b) => (
                    <Space>
                      <Button size="small" onClick={() => download(b, "docx")}>Word</Button>
                      <Button size="small" onClick={() => download(b, "pdf")}>PDF</Button>
                    </Space>
                  ),
                },
              ]}
            />
          )
        }
      </Loaded>
    </>
  );
}
