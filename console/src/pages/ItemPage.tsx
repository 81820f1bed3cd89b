// One item: the ledger's record, its timeline, and the live diagram of its process.
import { Card, Col, Descriptions, Row, Space, Tag, Typography } from "antd";
import { lazy, Suspense } from "react";
import { useParams } from "react-router-dom";
import { LightTag } from "../components/LightTag";
import { Loaded, Loading } from "../components/Status";
import { ItemTimeline } from "../components/Timeline";
import { Attachments } from "../components/Attachments";
import { formatDate, formatDateTime } from "../format";
import { DeadlineTip } from "../components/DeadlineTip";
import { itemDeadline } from "../deadlines";
import type { LedgerItem } from "../types";
import { useResource } from "../useResource";

const LiveDiagram = lazy(() => import("../components/LiveDiagram"));

export function ItemPage() {
  const { id } = useParams();
  const item = useResource<LedgerItem>(`/api/ledger/items/${id}`);
  return (
    <Loaded resource={item}>
      {(found) => (
        <>
          <Typography.Title level={3}>
            {found.code} {found.title}
          </Typography.Title>
          <Row gutter={24}>
            <Col xs={24} lg={10}>
              <Descriptions column={1} size="small" bordered data-testid="item-facts">
                <Descriptions.Item label="状态">
                  <Space>
                    {found.status_label}
                    <LightTag light={found.light} label={found.light_label} />
                  </Space>
                </Descriptions.Item>
                {found.status_reason && <Descriptions.Item label="说明">{found.status_reason}</Descriptions.Item>}
                <Descriptions.Item label="来源">{found.source_label}</Descriptions.Item>
                <Descriptions.Item label="紧急程度">{found.urgency_label}</Descriptions.Item>
                <Descriptions.Item label="牵头单位">{found.lead_unit_name}</Descriptions.Item>
                <Descriptions.Item label="协办单位">{found.co_unit_names.join("、") || "—"}</Descriptions.Item>
                <Descriptions.Item label="责任领导">{found.leader_name}</Descriptions.Item>
                <Descriptions.Item label="交办日期">{formatDate(found.assigned_on)}</Descriptions.Item>
                <Descriptions.Item label="办理期限">
                  <DeadlineTip facts={itemDeadline(found)} eager />
                  {found.due_date_estimated && <Tag style={{ marginLeft: 8 }}>预估</Tag>}
                </Descriptions.Item>
                <Descriptions.Item label="标记">
                  {found.flags.major && <Tag color="volcano">重大</Tag>}
                  {found.flags.public && <Tag color="blue">公开</Tag>}
                  {found.flags.livelihood && <Tag color="cyan">民生</Tag>}
                </Descriptions.Item>
                <Descriptions.Item label="更新时间">{formatDateTime(found.updated_at)}</Descriptions.Item>
              </Descriptions>
            </Col>
            <Col xs={24} lg={14}>
              <Card size="small" title="办理过程">
                <ItemTimeline entries={found.timeline} />
              </Card>
              <Card size="small" title="附件" style={{ marginTop: 16 }}>
                <Attachments itemId={found.id} />
              </Card>
            </Col>
          </Row>
          <Card size="small" title="流程图" style={{ marginTop: 16 }}>
            <Suspense fallback={<Loading />}>
              <LiveDiagram itemId={found.id} />
            </Suspense>
          </Card>
        </>
      )}
    </Loaded>
  );
}

