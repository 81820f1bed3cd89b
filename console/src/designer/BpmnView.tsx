// One BPMN file drawn with bpmn-js (NavigatedViewer): elements marked with CSS classes, a red
// badge with the number of problems on each element that has some.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import { Alert } from "antd";
import { useEffect, useRef, useState } from "react";

export type Marks = Record<string, string>; // element id → marker class
type Canvas = { zoom: (m: string) => void; addMarker: (id: string, m: string) => void };
type Registry = { get: (id: string) => { businessObject?: { name?: string } } | undefined };
type Overlays = { add: (id: string, o: { position: Record<string, number>; html: string }) => void };

export const MARK_STYLE = `
  .duban-problem .djs-visual > :nth-child(1) { fill: #fff1f0 !important; stroke: #cf1322 !important; stroke-width: 3px !important; }
  .duban-added .djs-visual > :nth-child(1) { fill: #d9f7be !important; stroke: #389e0d !important; stroke-width: 2px !important; }
  .duban-removed .djs-visual > :nth-child(1) { fill: #ffccc7 !important; stroke: #a8071a !important; stroke-dasharray: 4 2 !important; }
  .duban-changed .djs-visual > :nth-child(1) { fill: #fff7e6 !important; stroke: #d46b08 !important; stroke-width: 2px !important; }
  .duban-moved .djs-visual > :nth-child(1) { stroke: #1677ff !important; }
  .djs-connection.duban-added .djs-visual > path, .djs-connection.duban-removed .djs-visual > path,
  .djs-connection.duban-changed .djs-visual > path { fill: none !important; stroke-width: 3px !important; }
  .duban-badge { background: #cf1322; color: #fff; border-radius: 10px; padding: 0 6px; font-size: 12px; line-height: 18px; white-space: nowrap; }
`;

export function BpmnView({
  xml,
  marks = {},
  badges = {},
  onNames,
  height = 420,
  testId = "diagram",
}: {
  xml: string;
  marks?: Marks;
  badges?: Record<string, string>;
  onNames?: (nameOf: (id: string) => string | null) => void;
  height?: number;
  testId?: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const key = JSON.stringify([marks, badges]);

  useEffect(() => {
    if (!container.current) return;
    const viewer = new NavigatedViewer({ container: container.current });
    setProblem(null);
    viewer
      .importXML(xml)
      .then(() => {
        const canvas = viewer.get("canvas") as Canvas;
        const registry = viewer.get("elementRegistry") as Registry;
        const overlays = viewer.get("overlays") as Overlays;
        canvas.zoom("fit-viewport");
        for (const [id, marker] of Object.entries(marks)) if (registry.get(id)) canvas.addMarker(id, marker);
        for (const [id, text] of Object.entries(badges)) {
          if (!registry.get(id)) continue;
          const badge = document.createElement("span");
          badge.className = "duban-badge";
          badge.dataset.problemFor = id;
          badge.textContent = text;
          overlays.add(id, { position: { top: -10, right: 10 }, html: badge.outerHTML });
        }
        onNames?.((id) => registry.get(id)?.businessObject?.name ?? null);
      })
      .catch((error: Error) => setProblem(`流程图无法显示：${error.message}`));
    return () => viewer.destroy();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [xml, key]);

  return (
    <>
      <style>{MARK_STYLE}</style>
      {problem && <Alert type="warning" message={problem} />}
      <div ref={container} className="duban-diagram" style={{ height, border: "1px solid #f0f0f0" }} data-testid={testId} />
    </>
  );
}
