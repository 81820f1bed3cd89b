import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime, lightOf, localPath } from "./format";

describe("formatDate", () => {
  it("writes dates as Chinese officials do", () => {
    expect(formatDate("2026-12-01")).toBe("2026年12月1日");
    expect(formatDate(null)).toBe("—");
  });
});

describe("lightOf", () => {
  it("colours the three lights and none for a closed item", () => {
    expect(lightOf("red")).toEqual({ color: "red", label: "红灯" });
    expect(lightOf("yellow")?.color).toBe("gold");
    expect(lightOf(null)).toBeNull();
  });
});

describe("localPath", () => {
  it("turns a notification's link into a route of the console", () => {
    expect(localPath("http://127.0.0.1:8080/tasks/8f3a?x=1")).toBe("/tasks/8f3a?x=1");
    expect(localPath(null)).toBeNull();
  });
});

describe("formatDateTime", () => {
  it("writes a moment in Beijing time, whatever the browser's zone", () => {
    expect(formatDateTime("2026-12-20T02:00:00+00:00")).toBe("2026年12月20日 10:00");
    expect(formatDateTime("2026-12-31T20:30:00Z")).toBe("2027年1月1日 04:30");
    expect(formatDate("2026-12-31T20:30:00Z")).toBe("2027年1月1日");
    expect(formatDateTime(undefined)).toBe("—");
  });
});
