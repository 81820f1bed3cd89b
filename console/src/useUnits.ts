import type { Page, Unit } from "./types";
import { useResource } from "./useResource";

/** The organisation's units (workflow GET /units) as select options. */
export function useUnitOptions(): { label: string; value: string }[] {
  const units = useResource<Page<Unit>>("/api/workflow/units");
  return (units.data?.items ?? []).map((unit) => ({ label: unit.name, value: unit.id }));
}

type Leader = { username: string; name: string; title: string | null };

/** The leaders an item may name as its 责任领导 (workflow GET /leaders, from the org directory) as
 * select options; ``loaded`` is false until they are known (then a form may fall back to typing). */
export function useLeaderOptions(): { options: { label: string; value: string }[]; loaded: boolean } {
  const leaders = useResource<{ items: Leader[] }>("/api/workflow/leaders");
  const options = (leaders.data?.items ?? []).map((person) => ({
    value: person.username,
    label: `${person.name}（${person.title ?? "领导"}）`,
  }));
  return { options, loaded: options.length > 0 };
}
