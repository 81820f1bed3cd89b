// A deadline's date with what it rests on in a tooltip (hover or keyboard focus; the words are
// also the date's accessible description). The rule's dates are asked of the workflow service
// when the tooltip first opens (eagerly on an item's or a task's own page), once per urgency and
// assignment day.
import { Tooltip } from "antd";
import { useEffect, useId, useState } from "react";
import type { Api } from "../api";
import { useAuth } from "../auth";
import { deadlineText, needsRule, type DeadlineFacts, type RuleDates } from "../deadlines";
import { formatDate } from "../format";

const asked = new Map<string, Promise<RuleDates | null>>();

function ruleDates(api: Api, urgency: string, start: string | null): Promise<RuleDates | null> {
  const path = `/api/workflow/deadlines/preview?urgency=${encodeURIComponent(urgency)}` +
    (start ? `&start=${encodeURIComponent(start)}` : ""); // no start: today
  if (!asked.has(path)) {
    const answer = api<RuleDates>(path).catch(() => {
      asked.delete(path); // asked again next time
      return null;
    });
    asked.set(path, answer);
  }
  return asked.get(path)!;
}

export function DeadlineTip({ facts, eager = false }: { facts: DeadlineFacts; eager?: boolean }) {
  const { api } = useAuth();
  const id = useId();
  const [wanted, setWanted] = useState(eager);
  const [rule, setRule] = useState<RuleDates | null>(null);
  const needed = needsRule(facts);
  const { urgency, assignedOn } = facts;

  useEffect(() => {
    if (!wanted || !needed || !urgency) return;
    let alive = true;
    ruleDates(api, urgency, assignedOn ? assignedOn.slice(0, 10) : null).then((found) => alive && setRule(found));
    return () => {
      alive = false;
    };
  }, [api, wanted, needed, urgency, assignedOn]);

  const text = deadlineText(facts, rule);
  return (
    <>
      <Tooltip title={text} trigger={["hover", "focus"]} onOpenChange={(open) => open && setWanted(true)}>
        <span
          tabIndex={0}
          aria-describedby={id}
          data-testid="deadline"
          style={{ borderBottom: "1px dashed currentColor", cursor: "help", whiteSpace: "nowrap" }}
        >
          {formatDate(facts.due)}
        </span>
      </Tooltip>
      <span id={id} hidden>
        {text}
      </span>
    </>
  );
}
