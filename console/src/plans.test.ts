import { describe, expect, it } from "vitest";
import { detailLines, monthLabel, monthOf, onSiteProgress, planBody, planValues, splitNames, MONTH } from "./plans";

describe("months", () => {
  it("names the month of a date and writes it in Chinese", () => {
    expect(monthOf(new Date(2026, 11, 3))).toBe("2026-12");
    expect(monthOf(new Date(2027, 0, 31))).toBe("2027-01");
    expect(monthLabel("2026-03")).toBe("2026年3月");
    expect(MONTH.test("2026-12")).toBe(true);
    expect(MONTH.test("2026-13")).toBe(false);
  });
});

describe("planBody", () => {
  it("turns the form into the reporting service's plan, joint groups only when complete", () => {
    const values = {
      focus: "城区道路积水点\n\n 老旧小区改造 \n城区道路积水点",
      planned_on_site_days: 15,
      teams: [
        { name: " 第一督查组 ", members: "office、李强, 李强", lead: "fgw", co_units: ["zjj"] },
        { name: "第二督查组", members: "王芳", lead: "fgw", co_units: [] },
      ],
    };
    expect(planBody(values, "2026-12")).toEqual({
      month: "2026-12",
      focus: ["城区道路积水点", "老旧小区改造"],
      planned_on_site_days: 15,
      teams: [
        { name: "第一督查组", members: ["office", "李强"], joint_group: { lead: "fgw", members: ["zjj"] } },
        { name: "第二督查组", members: ["王芳"], joint_group: null },
      ],
    });
    expect(planBody(values)).not.toHaveProperty("month");
  });

  it("reads a plan back into the form", () => {
    const plan = {
      focus: ["a", "b"],
      planned_on_site_days: 16,
      teams: [{ name: "一组", members: ["office", "李强"], joint_group: { lead: "fgw", members: ["zjj"] } }],
    };
    expect(planValues(plan)).toEqual({
      focus: "a\nb",
      planned_on_site_days: 16,
      teams: [{ name: "一组", members: "office、李强", lead: "fgw", co_units: ["zjj"] }],
    });
    expect(planBody(planValues(plan))).toEqual(plan);
  });

  it("splits names on Chinese and Latin separators", () => {
    expect(splitNames("甲、乙，丙 丁;戊")).toEqual(["甲", "乙", "丙", "丁", "戊"]);
    expect(splitNames(undefined)).toEqual([]);
  });
});

describe("onSiteProgress", () => {
  it("measures the days against the minimum", () => {
    expect(onSiteProgress(1, 15, "本月现场督查天数已无法达到15天")).toEqual({ percent: 7, status: "exception" });
    expect(onSiteProgress(3, 15, null)).toEqual({ percent: 20, status: "active" });
    expect(onSiteProgress(16, 15, null)).toEqual({ percent: 100, status: "success" });
  });
});

describe("detailLines", () => {
  it("shows a refusal's text or its field errors", () => {
    expect(detailLines("该月已有督查计划")).toEqual(["该月已有督查计划"]);
    expect(detailLines([{ loc: ["body", "planned_on_site_days"], msg: "至少15天" }, { msg: "x" }])).toEqual([
      "planned_on_site_days：至少15天",
      "x",
    ]);
    expect(detailLines(null)).toEqual([]);
  });
});
