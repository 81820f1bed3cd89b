// The item's process drawn with bpmn-js: its definition version's diagrams (the process and
// those it calls, one at a time, ● on those it is at), the completed elements and the active
// ones marked in different colours, the next timer noted on its element and every waiting one listed.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import { Alert, Segmented, Space, Tag } from "antd";
import { useEffect, useRef, useState } from "react";
import { formatDateTime } from "../format";
import type { ItemState } from "../types";
import { useResource } from "../useResource";
import { ErrorView, Loading } from "./Status";

type Diagram = { process_id: string; name: string; bpmn: string };
type Diagrams = { version: number; process_id: string; diagrams: Diagram[] };

/** Whether the diagram draws any of the element ``ids`` (to mark the processes the item is at). */
export function drawsAny(bpmn: string, ids: string[]): boolean {
  return ids.some((id) => bpmn.includes(`id="${id}"`));
}

/** The name the diagrams give the element ``id`` (its id when unnamed or not drawn). */
export function elementName(files: string[], id: string): string {
  const pattern = new RegExp(`id="${id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"[^>]*?name="([^"]*)"`);
  for (const bpmn of files) {
    const found = bpmn.match(pattern);
    if (found) return found[1];
  }
  return id;
}

type Timer = NonNullable<ItemState["timers"]>[number];

/** The waiting timers, the earliest first. */
export function byDue(timers: Timer[] | undefined): Timer[] {
  return [...(timers ?? [])].sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
}

type Canvas = { zoom: (mode: string) => void; addMarker: (id: string, marker: string) => void };
type Overlay = { position: { bottom: number; left: number }; scale: boolean; html: HTMLElement };
type Overlays = { add: (id: string, overlay: Overlay) => void };

export default function LiveDiagram({ itemId }: { itemId: string }) {
  const state = useResource<ItemState>(`/api/workflow/items/${itemId}/state`);
  const drawn = useResource<Diagrams>(`/api/workflow/items/${itemId}/diagram`);
  const container = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const diagrams = drawn.data?.diagrams ?? [];
  const shown = diagrams.find((d) => d.process_id === chosen) ?? diagrams[0];
  const xml = shown?.bpmn ?? null;
  const files = diagrams.map((d) => d.bpmn);

  useEffect(() => {
    if (!container.current || !xml || !state.data) return;
    const viewer = new NavigatedViewer({ container: container.current });
    const found = state.data;
    setProblem(null);
    viewer
      .importXML(xml)
      .then(() => {
        const canvas = viewer.get("canvas") as Canvas;
        const registry = viewer.get("elementRegistry") as { get: (id: string) => unknown };
        const overlays = viewer.get("overlays") as Overlays;
        canvas.zoom("fit-viewport");
        for (const id of found.completed_elements) if (registry.get(id)) canvas.addMarker(id, "duban-completed");
        for (const id of found.active) if (registry.get(id)) canvas.addMarker(id, "duban-active");
        // the next timer on its element (the others are listed above the diagram)
        const next = byDue(found.timers).find((t) => registry.get(t.element_id));
        if (next) {
          const note = document.createElement("div");
          note.className = "duban-timer";
          note.dataset.timerFor = next.element_id;
          note.textContent = `计时 ${formatDateTime(next.due_at)}`;
          overlays.add(next.element_id, { position: { bottom: -2, left: 18 }, scale: false, html: note });
        }
      })
      .catch((error: Error) => setProblem(`流程图无法显示：${error.message}`));
    return () => viewer.destroy();
  }, [xml, state.data]);

  if (state.error) return <ErrorView error={state.error} onRetry={state.reload} />;
  if (drawn.error) return <ErrorView error={drawn.error} onRetry={drawn.reload} />;
  if (state.loading || drawn.loading || !state.data) return <Loading />;
  const active = state.data.active;
  return (
    <>
      <style>{`
        .duban-completed .djs-visual > :nth-child(1) { fill: #d9f7be !important; stroke: #389e0d !important; }
        .duban-active .djs-visual > :nth-child(1) { fill: #fff1b8 !important; stroke: #d4380d !important; stroke-width: 3px !important; }
        .duban-timer { white-space: nowrap; font-size: 12px; background: #fff7e6; border: 1px solid #ffa940; border-radius: 4px; padding: 0 4px; }
      `}</style>
      <Space wrap style={{ marginBottom: 8 }}>
        <Tag color="green">已完成</Tag>
        <Tag color="orange">进行中</Tag>
        <span>流程版本 {state.data.version}</span>
        {state.data.ready_tasks.length > 0 && (
          <span data-testid="active-tasks">当前：{state.data.ready_tasks.map((task) => task.name).join("、")}</span>
        )}
        {state.data.next_timer_at && <span>下一个计时：{formatDateTime(state.data.next_timer_at)}</span>}
        {(state.data.timers ?? []).length > 1 && (
          <span data-testid="timers">
            计时：{byDue(state.data.timers).map((t) => `${elementName(files, t.element_id)} ${formatDateTime(t.due_at)}`).join("；")}
          </span>
        )}
        {state.data.completed && <span>流程已结束</span>}
      </Space>
      {problem && <Alert type="warning" message={problem} />}
      {diagrams.length > 1 && (
        <div style={{ overflowX: "auto", marginBottom: 8 }}>
          <Segmented
            aria-label="选择流程图"
            value={shown?.process_id}
            onChange={(value) => setChosen(String(value))}
            options={diagrams.map((d) => ({
              value: d.process_id,
              label: drawsAny(d.bpmn, active) ? `${d.name} ●` : d.name,
            }))}
          />
        </div>
      )}
      {!xml && <Alert type="info" message="没有找到该流程的图" />}
      <div ref={container} className="duban-diagram" style={{ height: 420, border: "1px solid #f0f0f0" }} data-testid="diagram" />
    </>
  );
}
