// Two versions of a BPMN file side by side: the earlier one with the removed elements (red), the
// new one with the added (green); changed (orange) and only moved (blue) on both; the list of
// differences above. Used before deploying a file and between two deployed versions.
import { Alert, Col, Descriptions, Row, Space, Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import { BpmnView, type Marks } from "./BpmnView";
import { compare } from "./diff";
import { TYPE_LABELS, diffMarks, type DiffEntry, type DiffSummary } from "./model";

/** bpmn-js-differ's comparison of two files (null before: none to compare with). */
export function useComparison(before: string | null, after: string): { summary: DiffSummary | null; error: string | null } {
  const [state, setState] = useState<{ summary: DiffSummary | null; error: string | null }>({ summary: null, error: null });
  useEffect(() => {
    setState({ summary: null, error: null });
    if (before === null) return;
    let alive = true;
    compare(before, after)
      .then((summary) => alive && setState({ summary, error: null }))
      .catch((e: Error) => alive && setState({ summary: null, error: `无法比较：${e.message}` }));
    return () => {
      alive = false;
    };
  }, [before, after]);
  return state;
}

export function same(summary: DiffSummary): boolean {
  return !summary.added.length && !summary.removed.length && !summary.changed.length && !summary.moved.length;
}

export function DiffView({ summary, against = "当前版本" }: { summary: DiffSummary; against?: string }) {
  if (same(summary)) return <Alert type="info" message={`与${against}中的同名文件相同`} />;
  const label = (e: DiffEntry) =>
    `${e.name ?? e.id}${e.type ? `（${TYPE_LABELS[e.type] ?? e.type}）` : ""}${e.attrs.length ? `：${e.attrs.join("、")}` : ""}`;
  return (
    <Descriptions size="small" column={1} bordered title={`与${against}的差异`} data-testid="diff">
      <Descriptions.Item label={`新增（${summary.added.length}）`}>{summary.added.map(label).join("；") || "—"}</Descriptions.Item>
      <Descriptions.Item label={`删除（${summary.removed.length}）`}>{summary.removed.map(label).join("；") || "—"}</Descriptions.Item>
      <Descriptions.Item label={`修改（${summary.changed.length}）`}>{summary.changed.map(label).join("；") || "—"}</Descriptions.Item>
      <Descriptions.Item label={`仅移动（${summary.moved.length}）`}>{summary.moved.map(label).join("；") || "—"}</Descriptions.Item>
    </Descriptions>
  );
}

export function Legend({ problems = false }: { problems?: boolean }) {
  return (
    <Space style={{ margin: "8px 0" }} wrap>
      {problems && <Tag color="red">有问题</Tag>}
      <Tag color="red">删除（左图）</Tag>
      <Tag color="green">新增（右图）</Tag>
      <Tag color="orange">修改</Tag>
      <Tag color="blue">仅移动</Tag>
    </Space>
  );
}

const SIDE_BY_SIDE = 340; // each diagram's height when two are drawn side by side

/** The earlier file beside the new one, both marked; only the new one where there is no earlier. */
export function Comparison({
  before,
  after,
  summary,
  titles,
  marks = {},
  badges,
  onNames,
  afterTestId,
}: {
  before: string | null;
  after: string;
  summary: DiffSummary | null;
  titles: [string, string];
  marks?: Marks; // more marks on the new file (a deployment's problems), over the diff's
  badges?: Record<string, string>;
  onNames?: (nameOf: (id: string) => string | null) => void;
  afterTestId: string;
}) {
  const diff = summary ? diffMarks(summary) : { before: {}, after: {} };
  const both = before !== null && !!summary && !same(summary);
  const newer = (
    <BpmnView xml={after} marks={{ ...diff.after, ...marks }} badges={badges} onNames={onNames} testId={afterTestId}
      height={both ? SIDE_BY_SIDE : undefined} />
  );
  if (!both) return newer;
  return (
    <Row gutter={12}>
      <Col xs={24} xl={12}>
        <Typography.Text strong>{titles[0]}</Typography.Text>
        <BpmnView xml={before} marks={diff.before} height={SIDE_BY_SIDE} testId="earlier-diagram" />
      </Col>
      <Col xs={24} xl={12}>
        <Typography.Text strong>{titles[1]}</Typography.Text>
        {newer}
      </Col>
    </Row>
  );
}
