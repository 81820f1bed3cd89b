import { act, renderHook } from "@testing-library/react";
import { App } from "antd";
import type { ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";
import { ApiError, type FieldErrors } from "./api";
import { useSubmit, type SubmitOptions } from "./useSubmit";

const wrapper = ({ children }: { children: ReactNode }) => <App>{children}</App>;

function submitting<R>(action: (value: string) => Promise<R>, options: SubmitOptions<R> = {}) {
  return renderHook(() => useSubmit(action, options), { wrapper });
}

const refused = (status: number, detail: unknown) => () => Promise.reject(new ApiError(status, detail));

describe("a form's submission", () => {
  it("maps a 422's errors to fields and shows no banner when the form shows them all", async () => {
    const shown: FieldErrors[] = [];
    const { result } = submitting(
      refused(422, [{ loc: ["body", "title"], msg: "不能为空" }, { loc: ["body", "data", "decision"], msg: "请选择" }]),
      { onFieldErrors: (found) => (shown.push(found), true) },
    );
    await act(() => result.current.run("x"));
    expect(shown).toEqual([{ title: ["不能为空"], decision: ["请选择"] }]);
    expect(result.current.errors).toEqual({ title: ["不能为空"], decision: ["请选择"] });
    expect(result.current.failure).toBeNull();
    expect(result.current.busy).toBe(false);
  });

  it("shows a 422 in the banner when the form cannot show its fields, or without a handler", async () => {
    const { result } = submitting(refused(422, [{ loc: ["body"], msg: "缺少内容" }]), { onFieldErrors: (found) => !found[""] });
    await act(() => result.current.run("x"));
    expect(result.current.failure?.status).toBe(422);
    expect(result.current.errors).toEqual({ "": ["缺少内容"] });

    const plain = submitting(refused(422, [{ loc: ["body", "days"], msg: "至少15天" }]));
    await act(() => plain.result.current.run("x"));
    expect(plain.result.current.failure?.message).toBe("填写的内容有误，请按提示修改");
  });

  it("shows other refusals in the banner, a text 422 too, without field errors", async () => {
    const onFieldErrors = vi.fn(() => true);
    const { result } = submitting(refused(409, "该通报已提交审批"), { onFieldErrors });
    await act(() => result.current.run("x"));
    expect(result.current.failure?.message).toBe("该通报已提交审批");
    expect(result.current.errors).toEqual({});
    expect(onFieldErrors).not.toHaveBeenCalled();

    const text = submitting(refused(422, "期限早于今天"), { onFieldErrors });
    await act(() => text.result.current.run("x"));
    expect(text.result.current.failure?.message).toBe("期限早于今天");
  });

  it("is busy while the action runs, and not after it fails", async () => {
    let fail: (e: unknown) => void = () => {};
    const { result } = submitting(() => new Promise((_, reject) => (fail = reject)));
    let running: Promise<void> = Promise.resolve();
    act(() => {
      running = result.current.run("x");
    });
    expect(result.current.busy).toBe(true);
    await act(async () => {
      fail(new ApiError(0, null));
      await running;
    });
    expect(result.current.busy).toBe(false);
    expect(result.current.failure?.message).toBe("无法连接服务器，请检查网络后重试");
  });

  it("on success clears the last refusal, says so and calls on", async () => {
    let answer: Promise<{ code: string }> = Promise.reject(new ApiError(500, null));
    answer.catch(() => {});
    const onSuccess = vi.fn();
    const { result } = submitting(() => answer, { success: (made) => `已立项：${made.code}`, onSuccess });
    await act(() => result.current.run("x"));
    expect(result.current.failure?.status).toBe(500);
    answer = Promise.resolve({ code: "督办〔2026〕1号" });
    await act(() => result.current.run("y"));
    expect(result.current.failure).toBeNull();
    expect(onSuccess).toHaveBeenCalledWith({ code: "督办〔2026〕1号" });
    expect(document.body.textContent).toContain("已立项：督办〔2026〕1号");
  });
});
