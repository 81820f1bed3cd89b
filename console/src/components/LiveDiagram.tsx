// The item's process drawn with bpmn-js: its definition version's BPMN file, the completed
// elements and the active ones marked in different colours, the next timer noted.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import { Alert, Space, Tag } from "antd";
import { useEffect, useRef, useState } from "react";
import { formatDateTime } from "../format";
import type { ItemState } from "../types";
import { useResource } from "../useResource";
import { ErrorView, Loading } from "./Status";

type Definition = { version: number; files: Record<string, string> };

/** The BPMN file of a version that defines the process ``processId``. */
export function fileOf(definition: Definition, processId: string): string | null {
  const pattern = new RegExp(`<(?:bpmn:)?process[^>]*\\bid="${processId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`);
  for (const [name, content] of Object.entries(definition.files)) {
    if (name.endsWith(".bpmn") && pattern.test(content)) return content;
  }
  return null;
}

export default function LiveDiagram({ itemId }: { itemId: string }) {
  const state = useResource<ItemState>(`/api/workflow/items/${itemId}/state`);
  const definition = useResource<Definition>(state.data ? `/api/workflow/definitions/${state.data.version}` : null);
  const container = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const xml = state.data && definition.data ? fileOf(definition.data, state.data.process_id) : null;

  useEffect(() => {
    if (!container.current || !xml || !state.data) return;
    const viewer = new NavigatedViewer({ container: container.current });
    const found = state.data;
    viewer
      .importXML(xml)
      .then(() => {
        const canvas = viewer.get("canvas") as { zoom: (m: string) => void; addMarker: (id: string, m: string) => void };
        const registry = viewer.get("elementRegistry") as { get: (id: string) => unknown };
        canvas.zoom("fit-viewport");
        for (const id of found.completed_elements) if (registry.get(id)) canvas.addMarker(id, "duban-completed");
        for (const id of found.active) if (registry.get(id)) canvas.addMarker(id, "duban-active");
      })
      .catch((error: Error) => setProblem(`流程图无法显示：${error.message}`));
    return () => viewer.destroy();
  }, [xml, state.data]);

  if (state.error) return <ErrorView error={state.error} onRetry={state.reload} />;
  if (definition.error?.status === 403) return <Alert type="info" message="流程定义仅督察室、领导和管理员可查看" />;
  if (definition.error) return <ErrorView error={definition.error} onRetry={definition.reload} />;
  if (state.loading || definition.loading || !state.data) return <Loading />;
  return (
    <>
      <style>{`
        .duban-completed .djs-visual > :nth-child(1) { fill: #d9f7be !important; stroke: #389e0d !important; }
        .duban-active .djs-visual > :nth-child(1) { fill: #fff1b8 !important; stroke: #d4380d !important; stroke-width: 3px !important; }
      `}</style>
      <Space wrap style={{ marginBottom: 8 }}>
        <Tag color="green">已完成</Tag>
        <Tag color="orange">进行中</Tag>
        <span>流程版本 {state.data.version}</span>
        {state.data.ready_tasks.length > 0 && (
          <span data-testid="active-tasks">当前：{state.data.ready_tasks.map((task) => task.name).join("、")}</span>
        )}
        {state.data.next_timer_at && <span>下一个计时：{formatDateTime(state.data.next_timer_at)}</span>}
        {state.data.completed && <span>流程已结束</span>}
      </Space>
      {problem && <Alert type="warning" message={problem} />}
      {!xml && <Alert type="info" message="没有找到该流程的图" />}
      <div ref={container} className="duban-diagram" style={{ height: 420, border: "1px solid #f0f0f0" }} data-testid="diagram" />
    </>
  );
}
