// 立项登记 (the office): a new item, sent to its leader for approval.
import { Button, Checkbox, DatePicker, Form, Input, Select, Space, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useNavigate } from "react-router-dom";
import { ApiError } from "../api";
import { hasRole, useAuth } from "../auth";
import { ErrorBanner } from "../components/Status";
import { SOURCES, URGENCIES } from "../format";
import { useResource } from "../useResource";
import { useSubmit } from "../useSubmit";
import { useLeaderOptions, useUnitOptions } from "../useUnits";

type Values = {
  title: string;
  description?: string;
  source: string;
  urgency: string;
  due_date?: Dayjs;
  lead_unit: string;
  co_units?: string[];
  leader: string;
  flags?: string[];
};

interface DeadlinePreview {
  due_date: string | null;
  sign_due_date: string | null;
  working_days: number | null;
  explanation: string;
}

const FIELDS = new Set(["title", "description", "source", "urgency", "due_date", "lead_unit", "co_units", "leader", "flags"]);
const FIELD_OF: Record<string, string> = { major: "flags", public: "flags", livelihood: "flags" };

const options = (labels: Record<string, string>) => Object.entries(labels).map(([value, label]) => ({ value, label }));

/** The body of POST /items from the form's values. */
export function itemBody(values: Values): Record<string, unknown> {
  const flags = values.flags ?? [];
  return {
    title: values.title.trim(),
    description: values.description ?? "",
    source: values.source,
    urgency: values.urgency,
    ...(values.urgency === "special" && values.due_date ? { due_date: values.due_date.format("YYYY-MM-DD") } : {}),
    lead_unit: values.lead_unit,
    co_units: values.co_units ?? [],
    leader: values.leader,
    major: flags.includes("major"),
    public: flags.includes("public"),
    livelihood: flags.includes("livelihood"),
  };
}

export function RegisterItemPage() {
  const { api, user } = useAuth();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const units = useUnitOptions();
  const { options: leaders } = useLeaderOptions();
  const urgency = Form.useWatch("urgency", form);
  // the deadline this urgency gives if the item is assigned today (working days, holidays skipped)
  const preview = useResource<DeadlinePreview>(urgency ? `/api/workflow/deadlines/preview?urgency=${urgency}` : null);
  const submission = useSubmit((values: Values) => api<{ id: string; code: string }>("/api/workflow/items", {
    method: "POST",
    json: itemBody(values),
  }), {
    success: (item) => `已立项：${item.code}，待领导审批`,
    onSuccess: (item) => navigate(`/items/${item.id}`),
    onFieldErrors: (found) => {
      const known = Object.entries(found)
        .map(([name, errors]) => [FIELD_OF[name] ?? name, errors] as const)
        .filter(([name]) => FIELDS.has(name));
      form.setFields(known.map(([name, errors]) => ({ name: name as never, errors })));
      return known.length > 0;
    },
  });

  if (!hasRole(user, "office")) return <ErrorBanner error={new ApiError(403, null)} />;

  return (
    <>
      <Typography.Title level={3}>立项登记</Typography.Title>
      <ErrorBanner error={submission.failure} />
      <Form<Values> form={form} layout="vertical" onFinish={submission.run} style={{ maxWidth: 720 }} initialValues={{ urgency: "normal" }}>
        <Form.Item name="title" label="事项名称" rules={[{ required: true, whitespace: true, message: "请填写事项名称" }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="description" label="事项内容">
          <Input.TextArea rows={3} />
        </Form.Item>
        <Form.Item name="source" label="来源" rules={[{ required: true, message: "请选择来源" }]}>
          <Select showSearch optionFilterProp="label" options={options(SOURCES)} />
        </Form.Item>
        <Form.Item
          name="urgency"
          label="紧急程度"
          rules={[{ required: true }]}
          extra={
            <span data-testid="deadline-preview">
              {preview.data?.explanation ?? "办理期限自领导批准交办之日起按工作日计算（节假日顺延）"}
              {preview.data?.due_date ? "（以实际交办日为准）" : ""}
            </span>
          }
        >
          <Select showSearch optionFilterProp="label" options={options(URGENCIES)} />
        </Form.Item>
        {urgency === "special" && (
          <Form.Item name="due_date" label="办理期限（领导确定）" rules={[{ required: true, message: "请选择期限" }]}>
            <DatePicker />
          </Form.Item>
        )}
        <Form.Item name="lead_unit" label="牵头单位" rules={[{ required: true, message: "请选择牵头单位" }]}>
          <Select showSearch optionFilterProp="label" options={units} />
        </Form.Item>
        <Form.Item name="co_units" label="协办单位">
          <Select mode="multiple" showSearch optionFilterProp="label" options={units} />
        </Form.Item>
        <Form.Item name="leader" label="责任领导" rules={[{ required: true, message: "请选择责任领导" }]}>
          {leaders.length ? <Select showSearch optionFilterProp="label" options={leaders} /> : <Input placeholder="领导的用户名" />}
        </Form.Item>
        <Form.Item name="flags" label="标记">
          <Checkbox.Group
            options={[
              { value: "major", label: "重大事项" },
              { value: "public", label: "向社会公开" },
              { value: "livelihood", label: "民生事项" },
            ]}
          />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit" loading={submission.busy}>
            提交立项
          </Button>
          <Button onClick={() => navigate(-1)}>取消</Button>
        </Space>
      </Form>
    </>
  );
}
