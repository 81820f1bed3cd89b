import { describe, expect, it } from "vitest";
import { adjustmentBody, adjustmentText, lastMonthPeriod } from "./bulletins";

describe("lastMonthPeriod", () => {
  it("is the whole month before, across the year", () => {
    expect(lastMonthPeriod(new Date(2026, 11, 3))).toEqual({ from: "2026-11-01", to: "2026-11-30" });
    expect(lastMonthPeriod(new Date(2027, 0, 15))).toEqual({ from: "2026-12-01", to: "2026-12-31" });
  });
});

describe("adjustments", () => {
  it("send the form as the service's body and read back in Chinese", () => {
    expect(adjustmentBody({ list: "praised", action: "add", unit: "zjj", reason: " 提前完成 " })).toEqual({
      list: "praised", action: "add", unit: "zjj", reason: "提前完成",
    });
    expect(adjustmentText({ list: "criticised", action: "remove", unit: "zjj", unit_name: "市住建局" })).toBe("市住建局：移出批评名单");
    expect(adjustmentText({ list: "praised", action: "add", unit: "fgw" })).toBe("fgw：加入表扬名单");
  });
});
