import { describe, expect, it } from "vitest";
import { lastMonths, trendSeries } from "./trend";

describe("lastMonths", () => {
  it("gives whole months back across the year, the current one up to today", () => {
    const months = lastMonths(new Date(2026, 1, 10), 3);
    expect(months).toEqual([
      { month: "2025-12", label: "2025年12月", from: "2025-12-01", to: "2025-12-31" },
      { month: "2026-01", label: "2026年1月", from: "2026-01-01", to: "2026-01-31" },
      { month: "2026-02", label: "2026年2月", from: "2026-02-01", to: "2026-02-10" },
    ]);
    expect(lastMonths(new Date(2024, 2, 31), 2)[0].to).toBe("2024-02-29");
  });
});

describe("trendSeries", () => {
  it("puts the on-time rate in percent and leaves months with nothing closed empty", () => {
    const series = trendSeries([
      { assigned: 4, closed: 3, on_time: 2, overdue: 1, on_time_rate: 0.6667 },
      { assigned: 0, closed: 0, on_time: 0, overdue: 0, on_time_rate: null },
    ]);
    expect(series).toEqual({ rate: [66.7, null], overdue: [1, 0], assigned: [4, 0] });
  });
});
