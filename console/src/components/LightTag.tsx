import { Tag } from "antd";
import { lightOf } from "../format";

export function LightTag({ light, label }: { light: string | null | undefined; label?: string | null }) {
  const found = lightOf(light);
  if (!found) return <span>—</span>;
  return (
    <Tag color={found.color} data-light={light}>
      {label || found.label}
    </Tag>
  );
}
