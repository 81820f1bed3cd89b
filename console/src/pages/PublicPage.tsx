// 公开: the public board, without sign-in; an item's page takes the public's feedback.
import { Button, Card, Descriptions, Form, Input, Layout, List, Rate, Table, Typography } from "antd";
import { useCallback, useEffect, useMemo, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { ApiError, makeApi } from "../api";
import { LightTag } from "../components/LightTag";
import { ErrorBanner, ErrorView, Loading, Nothing } from "../components/Status";
import { formatDate, formatDateTime } from "../format";
import { useSubmit } from "../useSubmit";

type PublicItem = {
  id: string;
  code: string;
  title: string;
  unit_name: string;
  due_date: string | null;
  status_label: string;
  light: string | null;
  light_label: string;
  progress: string;
  progress_at: string | null;
  updated_at: string | null;
  average_rating: number | null;
  feedback_count: number;
};
type PublicFeedback = { id: string; rating: number; text: string; created_at: string; answer: string | null };
type PublicDetail = PublicItem & { feedback: PublicFeedback[] };

/** A page's anonymous load (the board needs no token). */
function usePublic<T>(path: string): { data: T | null; error: ApiError | null; reload: () => void } {
  const api = useMemo(() => makeApi(null), []);
  const [state, setState] = useState<{ data: T | null; error: ApiError | null }>({ data: null, error: null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    api<T>(path) // a reload keeps what is shown until the new answer is there
      .then((data) => setState({ data, error: null }))
      .catch((error) => setState({ data: null, error }));
  }, [api, path, round]);
  return { ...state, reload: useCallback(() => setRound((n) => n + 1), []) };
}

function PublicShell({ children }: { children: React.ReactNode }) {
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Header style={{ display: "flex", alignItems: "center", justifyContent: "space-between", padding: "0 16px" }}>
        <Link to="/public" style={{ color: "#fff", fontSize: 18, fontWeight: 600 }}>
          公开督办事项
        </Link>
        <Link to="/login" style={{ color: "#fff" }}>
          工作人员登录
        </Link>
      </Layout.Header>
      <Layout.Content style={{ padding: 16 }}>
        <div style={{ background: "#fff", padding: 16, borderRadius: 8, maxWidth: 1100, margin: "0 auto" }}>{children}</div>
      </Layout.Content>
    </Layout>
  );
}

export function PublicPage() {
  const [page, setPage] = useState(1);
  const board = usePublic<{ items: PublicItem[]; total: number }>(`/api/reporting/public/items?page=${page}&page_size=20`);
  return (
    <PublicShell>
      <Typography.Title level={3}>挂牌督办事项</Typography.Title>
      {board.error ? (
        <ErrorView error={board.error} onRetry={board.reload} />
      ) : !board.data ? (
        <Loading />
      ) : board.data.total === 0 ? (
        <Nothing text="暂无公开的督办事项" />
      ) : (
        <Table<PublicItem>
          rowKey="id"
          dataSource={board.data.items}
          scroll={{ x: 720 }}
          pagination={{ current: page, pageSize: 20, total: board.data.total, onChange: setPage }}
          columns={[
            { title: "编号", dataIndex: "code" },
            { title: "事项", dataIndex: "title", render: (title: string, item) => <Link to={`/public/items/${item.id}`}>{title}</Link> },
            { title: "牵头单位", dataIndex: "unit_name" },
            { title: "办理期限", dataIndex: "due_date", render: formatDate },
            { title: "状态", dataIndex: "status_label" },
            { title: "灯", dataIndex: "light", render: (light: string | null, item) => <LightTag light={light} label={item.light_label} /> },
            {
              title: "群众评价",
              dataIndex: "average_rating",
              render: (rating: number | null, item) => (rating ? `${rating.toFixed(1)}分（${item.feedback_count}条）` : "暂无"),
            },
          ]}
        />
      )}
    </PublicShell>
  );
}

type FeedbackValues = { rating: number; text: string; contact?: string };

export function PublicItemPage() {
  const { id } = useParams();
  const item = usePublic<PublicDetail>(`/api/reporting/public/items/${id}`);
  const api = useMemo(() => makeApi(null), []);
  const [form] = Form.useForm<FeedbackValues>();
  const submission = useSubmit(
    (values: FeedbackValues) => api(`/api/reporting/public/items/${id}/feedback`, {
      method: "POST",
      json: { rating: values.rating, text: values.text ?? "", ...(values.contact ? { contact: values.contact } : {}) },
    }),
    {
      success: "感谢您的评价",
      onSuccess: () => { form.resetFields(); item.reload(); },
      onFieldErrors: (found) => {
        const known = Object.entries(found).filter(([name]) => ["rating", "text", "contact"].includes(name));
        form.setFields(known.map(([name, errors]) => ({ name: name as keyof FeedbackValues, errors })));
        return known.length > 0;
      },
    },
  );
  const failure = submission.failure?.status === 429 ? new ApiError(429, "提交过于频繁，请稍后再试") : submission.failure;

  return (
    <PublicShell>
      {item.error ? (
        <ErrorView error={item.error} onRetry={item.reload} />
      ) : !item.data ? (
        <Loading />
      ) : (
        <>
          <Typography.Title level={3}>
            {item.data.code} {item.data.title}
          </Typography.Title>
          <Descriptions column={1} bordered size="small" data-testid="public-facts">
            <Descriptions.Item label="牵头单位">{item.data.unit_name}</Descriptions.Item>
            <Descriptions.Item label="办理期限">{formatDate(item.data.due_date)}</Descriptions.Item>
            <Descriptions.Item label="状态">
              {item.data.status_label} <LightTag light={item.data.light} label={item.data.light_label} />
            </Descriptions.Item>
            <Descriptions.Item label="办理进展">{item.data.progress || "暂无公开进展"}</Descriptions.Item>
            <Descriptions.Item label="更新时间">{formatDateTime(item.data.updated_at)}</Descriptions.Item>
          </Descriptions>
          <Card title="群众评价" size="small" style={{ marginTop: 16 }}>
            {item.data.feedback.length === 0 ? (
              <Nothing text="暂无评价" />
            ) : (
              <List
                dataSource={item.data.feedback}
                renderItem={(entry) => (
                  <List.Item>
                    <List.Item.Meta
                      title={<Rate disabled value={entry.rating} />}
                      description={
                        <>
                          <div>{entry.text}</div>
                          {entry.answer && <div style={{ color: "#b71c1c" }}>督察室回复：{entry.answer}</div>}
                          <div style={{ fontSize: 12 }}>{formatDateTime(entry.created_at)}</div>
                        </>
                      }
                    />
                  </List.Item>
                )}
              />
            )}
          </Card>
          <Card title="我要评价" size="small" style={{ marginTop: 16 }}>
            <ErrorBanner error={failure} />
            <Form<FeedbackValues> form={form} layout="vertical" onFinish={submission.run}>
              <Form.Item name="rating" label="满意度" rules={[{ required: true, message: "请打分" }]}>
                <Rate />
              </Form.Item>
              <Form.Item name="text" label="意见建议">
                <Input.TextArea maxLength={500} showCount rows={3} />
              </Form.Item>
              <Form.Item name="contact" label="联系方式（选填，不公开）">
                <Input maxLength={100} />
              </Form.Item>
              <Button type="primary" htmlType="submit" loading={submission.busy}>
                提交评价
              </Button>
            </Form>
          </Card>
        </>
      )}
    </PublicShell>
  );
}
