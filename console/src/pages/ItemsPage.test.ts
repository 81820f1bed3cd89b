import dayjs from "dayjs";
import { describe, expect, it } from "vitest";
import { query } from "./ItemsPage";
import { itemBody } from "./RegisterItemPage";

describe("the ledger's query", () => {
  it("asks the server for one page with the filters and the sort", () => {
    const params = new URLSearchParams(
      query({ q: "积水", light: "red", leader: "leader", due: [dayjs("2026-12-01"), null] }, 3, 20, "-due_date"),
    );
    expect(Object.fromEntries(params)).toEqual({
      q: "积水",
      light: "red",
      leader: "leader",
      due_from: "2026-12-01",
      sort: "-due_date",
      page: "3",
      page_size: "20",
    });
  });
});

describe("the registration's body", () => {
  it("sends the flags and a due date only for a special item", () => {
    const values = {
      title: " 整治积水点 ",
      source: "leader_instruction",
      urgency: "normal",
      due_date: dayjs("2026-12-30"),
      lead_unit: "zjj",
      leader: "leader",
      flags: ["public"],
    };
    expect(itemBody(values)).toEqual({
      title: "整治积水点",
      description: "",
      source: "leader_instruction",
      urgency: "normal",
      lead_unit: "zjj",
      co_units: [],
      leader: "leader",
      major: false,
      public: true,
      livelihood: false,
    });
    expect(itemBody({ ...values, urgency: "special" }).due_date).toBe("2026-12-30");
  });
});
