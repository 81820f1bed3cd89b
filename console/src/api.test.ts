import { describe, expect, it, vi } from "vitest";
import { ApiError, errorSchema, fieldErrors, makeApi } from "./api";

describe("fieldErrors", () => {
  it("names the field of a workflow 422 without its data. prefix", () => {
    const detail = [{ loc: ["data", "decision"], msg: "'bogus' is not one of ['approve', 'reject']" }];
    expect(fieldErrors(detail)).toEqual({ decision: ["'bogus' is not one of ['approve', 'reject']"] });
  });
  it("keeps nested paths and gathers several messages", () => {
    const detail = [
      { loc: ["body", "co_units", 0], msg: "未知单位" },
      { loc: ["body", "co_units", 0], msg: "重复" },
      { loc: [], msg: "整体不合法" },
    ];
    expect(fieldErrors(detail)).toEqual({ "co_units.0": ["未知单位", "重复"], "": ["整体不合法"] });
  });
  it("is empty for a detail that is text", () => {
    expect(fieldErrors("任务已完成")).toEqual({});
  });
});

describe("errorSchema", () => {
  it("nests messages as react-jsonschema-form expects", () => {
    expect(errorSchema({ decision: ["必填"], "attachments.1": ["不是本单位的文件"] })).toEqual({
      decision: { __errors: ["必填"] },
      attachments: { 1: { __errors: ["不是本单位的文件"] } },
    });
  });
});

describe("makeApi", () => {
  it("sends the bearer token and reports a 401 once signed in", async () => {
    const seen: Request[] = [];
    vi.stubGlobal("fetch", vi.fn(async (path: string, init: RequestInit) => {
      seen.push(new Request("http://x" + path, init));
      return new Response(JSON.stringify({ detail: "token expired" }), { status: 401 });
    }));
    const onUnauthorized = vi.fn();
    const api = makeApi("abc", onUnauthorized);
    const error = (await api("/api/workflow/tasks").catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(401);
    expect(error.message).toBe("登录已失效，请重新登录");
    expect(seen[0].headers.get("Authorization")).toBe("Bearer abc");
    expect(onUnauthorized).toHaveBeenCalledOnce();
    vi.unstubAllGlobals();
  });
  it("turns a failed connection into status 0 with a Chinese message", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    }));
    const error = (await makeApi(null)("/api/ledger/items").catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(0);
    expect(error.message).toContain("无法连接服务器");
    vi.unstubAllGlobals();
  });
});
