// 统计's trend by month: the last months as periods of the ledger's GET /stats (from, to), and their totals as series.

export type MonthPeriod = { month: string; label: string; from: string; to: string };

const iso = (year: number, month: number, day: number) =>
  `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;

/** The ``count`` months up to the month of ``today`` (oldest first), the current one cut at today. */
export function lastMonths(today: Date, count: number): MonthPeriod[] {
  const periods: MonthPeriod[] = [];
  for (let back = count - 1; back >= 0; back--) {
    const first = new Date(today.getFullYear(), today.getMonth() - back, 1);
    const year = first.getFullYear();
    const month = first.getMonth() + 1;
    const last = back === 0 ? today.getDate() : new Date(year, month, 0).getDate();
    periods.push({ month: iso(year, month, 1).slice(0, 7), label: `${year}年${month}月`, from: iso(year, month, 1), to: iso(year, month, last) });
  }
  return periods;
}

export type Totals = { assigned: number; closed: number; on_time: number; overdue: number; on_time_rate: number | null };

/** The months' totals as the chart's series: on-time rate in percent (null: nothing closed), overdue and assigned counts. */
export function trendSeries(totals: Totals[]) {
  return {
    rate: totals.map((t) => (t.on_time_rate === null ? null : Math.round(t.on_time_rate * 1000) / 10)),
    overdue: totals.map((t) => t.overdue),
    assigned: totals.map((t) => t.assigned),
  };
}
