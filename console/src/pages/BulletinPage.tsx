// 通报 one: its figures (units, praised and criticised with reasons, overdue items), the document; for a draft the
// office's adjustments and submit to approval.
import { Alert, Button, Card, Descriptions, Form, Input, Popconfirm, Select, Space, Tag, Typography } from "antd";
import { Link, useParams } from "react-router-dom";
import { ApiError } from "../api";
import { hasRole, useAuth } from "../auth";
import { Loaded } from "../components/Status";
import { KINDS, STATES, adjustmentBody, adjustmentText, type AdjustmentValues, type Bulletin } from "../bulletins";
import { BulletinFigures } from "../components/BulletinFigures";
import { formatDate, formatDateTime } from "../format";
import { detailLines } from "../plans";
import { useBulletinDownload } from "../useBulletinDownload";
import { useResource } from "../useResource";
import { useSubmit } from "../useSubmit";
import { useUnitOptions } from "../useUnits";

function Refusal({ error }: { error: ApiError | null }) {
  if (!error) return null;
  const lines = Array.isArray(error.detail) ? detailLines(error.detail) : [];
  return <Alert type="error" showIcon style={{ marginBottom: 16 }} message={error.message} data-testid="refusal"
    description={lines.length ? lines.join("；") : undefined} />;
}

function Adjust({ bulletin, onDone }: { bulletin: Bulletin; onDone: () => void }) {
  const { api } = useAuth();
  const units = useUnitOptions();
  const [form] = Form.useForm<AdjustmentValues>();
  // one submission for both (the adjustment, the submit to approval): one refusal shown at a time
  const submission = useSubmit((step: () => Promise<string>) => step(), { success: (done) => done, onSuccess: onDone });
  const adjust = (values: AdjustmentValues) => submission.run(async () => {
    await api(`/api/reporting/bulletins/${bulletin.id}/adjustments`, { method: "POST", json: adjustmentBody(values) });
    form.resetFields();
    return "名单已调整";
  });
  const send = () => submission.run(async () => {
    await api(`/api/reporting/bulletins/${bulletin.id}/submit`, { method: "POST" });
    return "已提交审批";
  });

  return (
    <Card title="调整名单并提交审批" style={{ marginTop: 16 }}>
      <Refusal error={submission.failure} />
      <Form<AdjustmentValues> form={form} layout="vertical" onFinish={adjust} initialValues={{ list: "praised", action: "add" }}
        style={{ maxWidth: 760 }}>
        <Space wrap align="start">
          <Form.Item name="list" label="名单">
            <Select style={{ width: 140 }} options={[{ value: "praised", label: "表扬" }, { value: "criticised", label: "批评" }]} />
          </Form.Item>
          <Form.Item name="action" label="操作">
            <Select style={{ width: 120 }} options={[{ value: "add", label: "加入" }, { value: "remove", label: "移出" }]} />
          </Form.Item>
          <Form.Item name="unit" label="单位" rules={[{ required: true, message: "请选择单位" }]}>
            <Select showSearch optionFilterProp="label" options={units} style={{ width: 280 }} />
          </Form.Item>
        </Space>
        <Form.Item name="reason" label="理由" rules={[{ required: true, whitespace: true, message: "请填写理由" }]}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Space>
          <Button htmlType="submit" loading={submission.busy}>调整</Button>
          <Popconfirm title="提交后将进入通报审批，确定提交？" okText="提交" cancelText="取消" onConfirm={send}>
            <Button type="primary">提交审批</Button>
          </Popconfirm>
        </Space>
      </Form>
    </Card>
  );
}

export function BulletinPage() {
  const { id } = useParams();
  const { user } = useAuth();
  const bulletin = useResource<Bulletin>(`/api/reporting/bulletins/${id}`);
  const download = useBulletinDownload();

  return (
    <Loaded resource={bulletin}>
      {(b) => (
        <>
          <Typography.Title level={3}>{b.title ?? KINDS[b.kind]} {b.number ?? "（未编号）"}</Typography.Title>
          <p><Link to="/bulletins">返回通报列表</Link></p>
          <Descriptions bordered size="small" column={{ xs: 1, md: 2 }} style={{ marginBottom: 16 }}>
            <Descriptions.Item label="类型">{KINDS[b.kind] ?? b.kind}</Descriptions.Item>
            <Descriptions.Item label="状态"><Tag data-testid="bulletin-status">{STATES[b.status] ?? b.status}</Tag></Descriptions.Item>
            <Descriptions.Item label="期间">{formatDate(b.period_from)}至{formatDate(b.period_to)}</Descriptions.Item>
            <Descriptions.Item label="拟稿">{formatDateTime(b.created_at)}</Descriptions.Item>
            {b.published_at && <Descriptions.Item label="发布">{formatDateTime(b.published_at)}</Descriptions.Item>}
            {b.remarks && <Descriptions.Item label="按语">{b.remarks}</Descriptions.Item>}
            {b.leader_comment && <Descriptions.Item label="领导意见">{b.leader_comment}</Descriptions.Item>}
            <Descriptions.Item label="文档">
              <Space>
                <Button size="small" onClick={() => download(b, "docx")}>Word</Button>
                <Button size="small" onClick={() => download(b, "pdf")}>PDF</Button>
              </Space>
            </Descriptions.Item>
          </Descriptions>
          <BulletinFigures figures={b.figures} />
          {b.adjustments.length > 0 && (
            <>
              <Typography.Title level={5}>名单调整记录</Typography.Title>
              <ul>
                {b.adjustments.map((a, i) => (
                  <li key={i}>{adjustmentText({ ...a, unit_name: b.figures.units.find((u) => u.unit === a.unit)?.unit_name })}，理由：{a.reason}（{a.made_by_name ?? a.made_by}，{formatDateTime(a.made_at)}）</li>
                ))}
              </ul>
            </>
          )}
          {b.status === "draft" && hasRole(user, "office") && <Adjust bulletin={b} onDone={bulletin.reload} />}
        </>
      )}
    </Loaded>
  );
}
