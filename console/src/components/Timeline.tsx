import { Timeline } from "antd";
import { formatDateTime } from "../format";
import type { TimelineEntry } from "../types";
import { Nothing } from "./Status";

export function ItemTimeline({ entries }: { entries: TimelineEntry[] | undefined }) {
  if (!entries?.length) return <Nothing text="暂无办理记录" />;
  return (
    <Timeline
      data-testid="timeline"
      items={entries.map((entry, index) => ({
        key: index,
        children: (
          <>
            <div>{entry.text}</div>
            <div style={{ color: "#888", fontSize: 12 }}>
              {formatDateTime(entry.time)}
              {entry.actor_name ? ` · ${entry.actor_name}` : ""}
            </div>
          </>
        ),
      }))}
    />
  );
}
