// Two versions of a BPMN file compared with bpmn-js-differ (both parsed by bpmn-moddle).
// @ts-expect-error bpmn-moddle's types are not found under this resolution
import { BpmnModdle } from "bpmn-moddle";
// @ts-expect-error bpmn-js-differ ships no types
import { diff } from "bpmn-js-differ";
import { summarize, type DiffSummary, type DifferResult } from "./model";

export async function compare(before: string, after: string): Promise<DiffSummary> {
  const moddle = new BpmnModdle();
  const [a, b] = await Promise.all([moddle.fromXML(before), moddle.fromXML(after)]);
  return summarize(diff(a.rootElement, b.rootElement) as DifferResult);
}
