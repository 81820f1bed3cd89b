import { act, render, screen } from "@testing-library/react";
import { Suspense } from "react";
import { describe, expect, it } from "vitest";
import { lazyComponent } from "./lazyComponent";

function Hello({ name }: { name: string }) {
  return <p>你好，{name}</p>;
}

describe("lazyComponent", () => {
  it("suspends on first use and loads once", async () => {
    let loads = 0;
    const Lazy = lazyComponent(async () => {
      loads += 1;
      return Hello;
    });
    render(<Suspense fallback={<p>加载中</p>}><Lazy name="王丽" /></Suspense>);
    expect(screen.getByText("加载中")).toBeTruthy();
    expect(await screen.findByText("你好，王丽")).toBeTruthy();
    await Lazy.preload();
    expect(loads).toBe(1);
  });

  it("draws at once, without the fallback, once preloaded", async () => {
    const Lazy = lazyComponent(async () => Hello);
    await act(() => Lazy.preload());
    render(<Suspense fallback={<p>加载中</p>}><Lazy name="刘建国" /></Suspense>);
    expect(screen.queryByText("加载中")).toBeNull();
    expect(screen.getByText("你好，刘建国")).toBeTruthy();
  });
});
