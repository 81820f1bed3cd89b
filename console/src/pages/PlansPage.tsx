// 督查计划: a month's plan (focus, planned days, teams with 联合督查组), its visits, the on-site days against the minimum;
// the office makes or replaces the plan and records visits.
import { Alert, Button, Card, DatePicker, Descriptions, Form, Input, InputNumber, Progress, Select, Space, Table, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { Navigate, useNavigate, useParams } from "react-router-dom";
import { ApiError } from "../api";
import { hasRole, useAuth } from "../auth";
import { ErrorView, Loading } from "../components/Status";
import { ItemPicker } from "../components/ItemPicker";
import { formatDate, formatDateTime } from "../format";
import { MONTH, detailLines, jointGroup, monthLabel, monthOf, onSiteProgress, planBody, planValues, splitNames, type PlanValues } from "../plans";
import { useResource } from "../useResource";
import { useSubmit } from "../useSubmit";
import { useUnitOptions } from "../useUnits";

type Group = { lead: string; lead_name: string; members: string[]; member_names: string[] } | null;
type Team = { name: string; members: string[]; member_names: string[]; joint_group: Group };
type Visit = {
  id: string;
  date: string;
  place: string;
  items: { id: string; code: string; title: string }[];
  team: string[];
  team_names: string[];
  joint_group: Group;
  findings: string;
};
type Plan = {
  month: string;
  label: string;
  focus: string[];
  planned_on_site_days: number;
  teams: Team[];
  created_by: string;
  created_by_name?: string;
  updated_by_name?: string | null;
  created_at: string;
  updated_at: string | null;
  visits: Visit[];
  on_site_days: number;
  minimum_on_site_days: number;
  days_left: number;
  warning: string | null;
};

function groupText(group: Group): string {
  return group ? `牵头：${group.lead_name}；协办：${group.member_names.join("、")}` : "—";
}

function Refusal({ error }: { error: ApiError | null }) {
  if (!error) return null;
  const lines = Array.isArray(error.detail) ? detailLines(error.detail) : []; // a text detail is the message itself
  return (
    <Alert
      type="error"
      showIcon
      style={{ marginBottom: 16 }}
      message={error.message}
      description={lines.length ? <ul style={{ margin: 0 }}>{lines.map((l, i) => <li key={i}>{l}</li>)}</ul> : undefined}
      data-testid="refusal"
    />
  );
}

function PlanForm({ month, plan, onDone }: { month: string; plan: Plan | null; onDone: () => void }) {
  const { api } = useAuth();
  const units = useUnitOptions();
  const initial: PlanValues = plan ? planValues(plan) : { planned_on_site_days: 15, teams: [{}] };
  const submission = useSubmit(
    (values: PlanValues) => plan
      ? api(`/api/reporting/plans/${month}`, { method: "PUT", json: planBody(values) })
      : api("/api/reporting/plans", { method: "POST", json: planBody(values, month) }),
    { success: plan ? "计划已修改" : "计划已制定", onSuccess: onDone },
  );

  return (
    <Card title={plan ? `修改${monthLabel(month)}督查计划` : `制定${monthLabel(month)}督查计划`} style={{ marginBottom: 16 }}>
      <Refusal error={submission.failure} />
      <Form<PlanValues> layout="vertical" onFinish={submission.run} initialValues={initial} style={{ maxWidth: 760 }}>
        <Form.Item name="focus" label="督查重点（每行一项）" rules={[{ required: true, whitespace: true, message: "请填写督查重点" }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
        <Form.Item name="planned_on_site_days" label="计划现场督查天数" rules={[{ required: true, message: "请填写天数" }]}>
          <InputNumber min={1} max={31} precision={0} />
        </Form.Item>
        <Form.List name="teams">
          {(fields, { add, remove }) => (
            <>
              {fields.map((field, index) => (
                <Card key={field.key} size="small" title={`督查组 ${index + 1}`} style={{ marginBottom: 12 }}
                  extra={fields.length > 1 ? <Button size="small" onClick={() => remove(field.name)}>删除</Button> : null}>
                  <Form.Item name={[field.name, "name"]} label="组名" rules={[{ required: true, whitespace: true, message: "请填写组名" }]}>
                    <Input placeholder="第一督查组" />
                  </Form.Item>
                  <Form.Item name={[field.name, "members"]} label="成员（用户名或姓名，以“、”分隔）"
                    rules={[{ required: true, whitespace: true, message: "请填写成员" }]}>
                    <Input placeholder="office、李强" />
                  </Form.Item>
                  <Space wrap align="start">
                    <Form.Item name={[field.name, "lead"]} label="联合督查组牵头单位">
                      <Select allowClear showSearch optionFilterProp="label" options={units} style={{ width: 260 }} />
                    </Form.Item>
                    <Form.Item name={[field.name, "co_units"]} label="联合督查组协办单位">
                      <Select mode="multiple" allowClear optionFilterProp="label" options={units} style={{ width: 360 }} />
                    </Form.Item>
                  </Space>
                </Card>
              ))}
              <Button onClick={() => add({})} style={{ marginBottom: 16 }}>添加督查组</Button>
            </>
          )}
        </Form.List>
        <Form.Item>
          <Button type="primary" htmlType="submit" loading={submission.busy}>{plan ? "保存修改" : "制定计划"}</Button>
        </Form.Item>
      </Form>
    </Card>
  );
}

type VisitValues = { date?: Dayjs; place?: string; items?: string[]; team?: string; lead?: string; co_units?: string[]; findings?: string };

function visitBody(values: VisitValues) {
  return {
    date: values.date?.format("YYYY-MM-DD"),
    place: (values.place ?? "").trim(),
    items: values.items ?? [],
    team: splitNames(values.team),
    joint_group: jointGroup(values.lead, values.co_units),
    findings: (values.findings ?? "").trim(),
  };
}

function VisitForm({ month, onDone }: { month: string; onDone: () => void }) {
  const { api } = useAuth();
  const units = useUnitOptions();
  const [form] = Form.useForm<VisitValues>();
  const submission = useSubmit(
    (values: VisitValues) => api(`/api/reporting/plans/${month}/visits`, { method: "POST", json: visitBody(values) }),
    { success: "现场督查已记录", onSuccess: () => { form.resetFields(); onDone(); } },
  );

  return (
    <Card title="记录现场督查" style={{ marginTop: 16 }}>
      <Refusal error={submission.failure} />
      <Form<VisitValues> form={form} layout="vertical" onFinish={submission.run} style={{ maxWidth: 760 }}>
        <Form.Item name="date" label="督查日期" rules={[{ required: true, message: "请选择日期" }]}>
          <DatePicker format="YYYY-MM-DD" defaultPickerValue={dayjs(`${month}-01`)} />
        </Form.Item>
        <Form.Item name="place" label="督查地点" rules={[{ required: true, whitespace: true, message: "请填写地点" }]}>
          <Input />
        </Form.Item>
        <Form.Item name="items" label="督查事项" extra="可不选；输入督办编号或事项名称中的文字查找台帐中的事项">
          <ItemPicker />
        </Form.Item>
        <Form.Item name="team" label="督查人员（以“、”分隔）" rules={[{ required: true, whitespace: true, message: "请填写督查人员" }]}>
          <Input />
        </Form.Item>
        <Space wrap align="start">
          <Form.Item name="lead" label="联合督查组牵头单位">
            <Select allowClear showSearch optionFilterProp="label" options={units} style={{ width: 260 }} />
          </Form.Item>
          <Form.Item name="co_units" label="联合督查组协办单位">
            <Select mode="multiple" allowClear optionFilterProp="label" options={units} style={{ width: 360 }} />
          </Form.Item>
        </Space>
        <Form.Item name="findings" label="督查发现" rules={[{ required: true, whitespace: true, message: "请填写督查发现" }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit" loading={submission.busy}>记录</Button>
        </Form.Item>
      </Form>
    </Card>
  );
}

function PlanView({ plan }: { plan: Plan }) {
  const progress = onSiteProgress(plan.on_site_days, plan.minimum_on_site_days, plan.warning);
  return (
    <>
      <Card title="现场督查天数" size="small" style={{ marginBottom: 16 }}>
        <Space direction="vertical" style={{ width: "100%" }}>
          <span data-testid="on-site-days">
            已现场督查 {plan.on_site_days} 天，最低要求 {plan.minimum_on_site_days} 天，本月尚余 {plan.days_left} 天
          </span>
          <Progress percent={progress.percent} status={progress.status}
            format={() => `${plan.on_site_days}/${plan.minimum_on_site_days}天`} />
          {plan.warning && <Alert type="warning" showIcon message={plan.warning} data-testid="plan-warning" />}
        </Space>
      </Card>
      <Descriptions bordered size="small" column={1} style={{ marginBottom: 16 }}>
        <Descriptions.Item label="督查重点">
          <ol style={{ margin: 0, paddingLeft: 20 }}>{plan.focus.map((f, i) => <li key={i}>{f}</li>)}</ol>
        </Descriptions.Item>
        <Descriptions.Item label="计划现场督查天数">{plan.planned_on_site_days} 天</Descriptions.Item>
        <Descriptions.Item label="制定">{plan.created_by_name ?? plan.created_by}，{formatDateTime(plan.created_at)}
          {plan.updated_at ? `（${plan.updated_by_name ?? ""}${formatDateTime(plan.updated_at)}修改）` : ""}</Descriptions.Item>
      </Descriptions>
      <Typography.Title level={5}>督查组</Typography.Title>
      <Table<Team> rowKey="name" size="small" pagination={false} dataSource={plan.teams} style={{ marginBottom: 16 }}
        columns={[
          { title: "组名", dataIndex: "name" },
          { title: "成员", dataIndex: "member_names", render: (names: string[]) => names.join("、") },
          { title: "联合督查组", dataIndex: "joint_group", render: (g: Group) => groupText(g) },
        ]} />
      <Typography.Title level={5}>现场督查记录</Typography.Title>
      <Table<Visit> rowKey="id" size="small" pagination={false} dataSource={plan.visits} scroll={{ x: 720 }}
        locale={{ emptyText: "本月尚无现场督查记录" }}
        columns={[
          { title: "日期", dataIndex: "date", render: (d: string) => formatDate(d) },
          { title: "地点", dataIndex: "place" },
          { title: "督查人员", dataIndex: "team_names", render: (names: string[]) => names.join("、") },
          { title: "联合督查组", dataIndex: "joint_group", render: (g: Group) => groupText(g) },
          { title: "事项", dataIndex: "items", render: (items: Visit["items"]) => items.length ? items.map((i) => <Tag key={i.id} title={i.title}>{i.code || i.id}</Tag>) : "—" },
          { title: "督查发现", dataIndex: "findings" },
        ]} />
    </>
  );
}

export function PlansPage() {
  const { month: asked } = useParams();
  const { user } = useAuth();
  const navigate = useNavigate();
  const month = asked ?? monthOf(new Date());
  const valid = MONTH.test(month);
  const plan = useResource<Plan>(valid ? `/api/reporting/plans/${month}` : null);
  const [editing, setEditing] = useState(false);
  const office = hasRole(user, "office");
  if (!valid) return <Navigate to="/plans" replace />;
  const missing = plan.error?.status === 404;
  const done = () => { setEditing(false); plan.reload(); };

  return (
    <>
      <Space wrap style={{ marginBottom: 16, justifyContent: "space-between", width: "100%" }}>
        <Typography.Title level={3} style={{ margin: 0 }}>{monthLabel(month)}督查计划</Typography.Title>
        <Space>
          <DatePicker picker="month" allowClear={false} value={dayjs(`${month}-01`)} format="YYYY年M月"
            aria-label="月份" onChange={(value) => value && navigate(`/plans/${value.format("YYYY-MM")}`)} />
          {office && plan.data && !editing && <Button onClick={() => setEditing(true)}>修改计划</Button>}
          {editing && <Button onClick={() => setEditing(false)}>取消修改</Button>}
        </Space>
      </Space>
      {plan.error && !missing ? (
        <ErrorView error={plan.error} onRetry={plan.reload} />
      ) : missing ? (
        <>
          <Alert type="info" showIcon message={`${monthLabel(month)}尚无督查计划`} style={{ marginBottom: 16 }} />
          {office && <PlanForm key={month} month={month} plan={null} onDone={done} />}
        </>
      ) : plan.loading || !plan.data ? (
        <Loading />
      ) : (
        <>
          {editing && office && <PlanForm key={`${month}-edit`} month={month} plan={plan.data} onDone={done} />}
          <PlanView plan={plan.data} />
          {office && <VisitForm month={month} onDone={plan.reload} />}
        </>
      )}
    </>
  );
}
