import type { Page, Unit } from "./types";
import { useResource } from "./useResource";

/** The organisation's units (workflow GET /units) as select options. */
export function useUnitOptions(): { label: string; value: string }[] {
  const units = useResource<Page<Unit>>("/api/workflow/units");
  return (units.data?.items ?? []).map((unit) => ({ label: unit.name, value: unit.id }));
}
