// One task: its item's context (the ledger's record and timeline, what a decision rests on) and its form.
import type { ErrorSchema, RJSFSchema, UiSchema } from "@rjsf/utils";
import { Card, Col, Descriptions, Row, Typography } from "antd";
import { useMemo } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { errorSchema } from "../api";
import { useAuth } from "../auth";
import { LightTag } from "../components/LightTag";
import { ErrorBanner, Loaded, Nothing } from "../components/Status";
import { TaskForm } from "../components/TaskForm";
import { TaskContext } from "../components/TaskContext";
import { BulletinReview } from "../components/BulletinReview";
import { bulletinOf } from "../bulletins";
import { ItemTimeline } from "../components/Timeline";
import { DeadlineTip } from "../components/DeadlineTip";
import { itemDeadline, taskDeadline } from "../deadlines";
import type { LedgerItem, Task } from "../types";
import { useResource, type Resource } from "../useResource";
import { useSubmit } from "../useSubmit";

function ItemContext({ item }: { item: Resource<LedgerItem> }) {
  if (item.error?.status === 404) return <Nothing text="台帐中暂无该事项的记录" />;
  return (
    <Loaded resource={item}>
      {(found) => (
        <>
          <Descriptions column={1} size="small" bordered style={{ marginBottom: 16 }}>
            <Descriptions.Item label="事项">
              <Link to={`/items/${found.id}`}>
                {found.code} {found.title}
              </Link>
            </Descriptions.Item>
            <Descriptions.Item label="牵头单位">{found.lead_unit_name}</Descriptions.Item>
            <Descriptions.Item label="状态">{found.status_label}</Descriptions.Item>
            <Descriptions.Item label="办理期限">
              <DeadlineTip facts={itemDeadline(found)} eager /> <LightTag light={found.light} label={found.light_label} />
            </Descriptions.Item>
          </Descriptions>
          <ItemTimeline entries={found.timeline} />
        </>
      )}
    </Loaded>
  );
}

export function TaskPage() {
  const { id } = useParams();
  const { api } = useAuth();
  const navigate = useNavigate();
  const task = useResource<Task>(`/api/workflow/tasks/${id}`);
  const item = useResource<LedgerItem>(task.data?.item_id ? `/api/ledger/items/${task.data.item_id}` : null);
  const submission = useSubmit(
    (data: Record<string, unknown>) => api(`/api/workflow/tasks/${id}/complete`, { method: "POST", json: { data } }),
    {
      success: "已提交",
      onSuccess: () => navigate("/tasks"),
      onFieldErrors: (found) => !found[""], // on the form's fields, unless one names none
    },
  );
  const errors = useMemo(() => errorSchema(submission.errors) as ErrorSchema, [submission.errors]);

  return (
    <Loaded resource={task}>
      {(found) => (
        <>
          <Typography.Title level={3}>{found.name}</Typography.Title>
          {bulletinOf(found) && <BulletinReview id={bulletinOf(found)!} />}
          <Row gutter={24}>
            <Col xs={24} lg={12}>
              <TaskContext context={found.context} />
              {found.item_id && <ItemContext item={item} />}
            </Col>
            <Col xs={24} lg={12}>
              <Card title="办理" size="small">
                {found.due_date && (
                  <p style={{ color: "#888" }}>
                    期限：<DeadlineTip facts={taskDeadline(found, item.data)} eager />
                  </p>
                )}
                <ErrorBanner error={submission.failure} />
                {found.form ? (
                  <TaskForm
                    schema={found.form as RJSFSchema}
                    uiSchema={(found.form_ui ?? {}) as UiSchema}
                    serverErrors={errors}
                    submitting={submission.busy}
                    onSubmit={submission.run}
                  />
                ) : (
                  <Nothing text="此任务没有表单" />
                )}
              </Card>
            </Col>
          </Row>
        </>
      )}
    </Loaded>
  );
}
