// 通报: the bulletins and briefs the caller may see, with their documents; the office drafts one for a period.
import { Button, Card, Form, Input, Select, Space, Table, Typography } from "antd";
import { Link, useNavigate } from "react-router-dom";
import { hasRole, useAuth } from "../auth";
import { ErrorBanner, Loaded, Nothing } from "../components/Status";
import { KINDS, STATES, lastMonthPeriod } from "../bulletins";
import { formatDate } from "../format";
import { useBulletinDownload } from "../useBulletinDownload";
import { useResource } from "../useResource";
import { useSubmit } from "../useSubmit";

type Bulletin = {
  id: string;
  kind: string;
  number: string | null;
  status: string;
  status_label?: string;
  period_from: string;
  period_to: string;
};

type DraftValues = { kind: string; period_from: string; period_to: string };

function NewDraft() {
  const { api } = useAuth();
  const navigate = useNavigate();
  const period = lastMonthPeriod(new Date());
  const submission = useSubmit(
    (values: DraftValues) => api<{ id: string }>("/api/reporting/bulletins", { method: "POST", json: values }),
    { onSuccess: (made) => navigate(`/bulletins/${made.id}`) },
  );

  return (
    <Card size="small" title="拟制通报草稿" style={{ marginBottom: 16 }}>
      <ErrorBanner error={submission.failure} />
      <Form<DraftValues> layout="inline" onFinish={submission.run}
        initialValues={{ kind: "bulletin", period_from: period.from, period_to: period.to }}>
        <Form.Item name="kind" label="类型">
          <Select style={{ width: 160 }} options={[{ value: "bulletin", label: "督查通报" }, { value: "brief", label: "督查工作简报" }]} />
        </Form.Item>
        <Form.Item name="period_from" label="起始日期" rules={[{ required: true, message: "请填写" }]}>
          <Input type="date" />
        </Form.Item>
        <Form.Item name="period_to" label="截止日期" rules={[{ required: true, message: "请填写" }]}>
          <Input type="date" />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit" loading={submission.busy}>拟制草稿</Button>
        </Form.Item>
      </Form>
    </Card>
  );
}

export function BulletinsPage() {
  const { user } = useAuth();
  const bulletins = useResource<{ bulletins: Bulletin[] }>("/api/reporting/bulletins");
  const download = useBulletinDownload();

  return (
    <>
      <Typography.Title level={3}>通报</Typography.Title>
      {hasRole(user, "office") && <NewDraft />}
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
                {
                  title: "文号",
                  dataIndex: "number",
                  render: (n: string | null, b) => <Link to={`/bulletins/${b.id}`}>{n ?? "（未编号）"}</Link>,
                },
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
