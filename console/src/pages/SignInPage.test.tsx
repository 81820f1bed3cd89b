import { cleanup, render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AuthProvider } from "../auth";
import type { OidcConfig } from "../oidc";
import { SignInPage } from "./SignInPage";

const PROVIDER: OidcConfig = {
  configured: true,
  authorization_endpoint: "https://sso.example.gov.cn/auth",
  token_endpoint: "https://sso.example.gov.cn/token",
  client_id: "duban-console",
  scope: "openid",
  redirect_path: "/auth/callback",
};

/** The console server in production (no /dev routes) with this /auth/config (a number: its failure). */
function production(config: OidcConfig | number) {
  const fetchFn = vi.fn(async (path: string) => {
    if (path === "/auth/config" && typeof config === "number") {
      return new Response(JSON.stringify({ detail: "统一身份认证服务暂时无法访问 (discovery failed)" }), { status: config });
    }
    if (path === "/auth/config") return new Response(JSON.stringify(config), { status: 200 });
    return new Response(JSON.stringify({ detail: "没有这个地址 (not found)" }), { status: 404 });
  });
  vi.stubGlobal("fetch", fetchFn);
  return fetchFn;
}

function open(path: string) {
  render(
    <AuthProvider>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/login" element={<SignInPage />} />
          <Route path="/auth/callback" element={<SignInPage />} />
        </Routes>
      </MemoryRouter>
    </AuthProvider>,
  );
}

afterEach(() => {
  cleanup(); // no automatic cleanup without Vitest globals
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe("the sign-in page in production", () => {
  it("says plainly that no provider is configured", async () => {
    production({ configured: false });
    open("/login");
    expect(await screen.findByText("统一身份认证（OIDC）登录尚未配置")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "统一身份认证登录" })).toBeNull();
  });
  it("offers the unified identity when a provider is configured", async () => {
    production(PROVIDER);
    open("/login");
    expect(await screen.findByRole("button", { name: "统一身份认证登录" })).toBeTruthy();
    expect(screen.queryByText("统一身份认证（OIDC）登录尚未配置")).toBeNull();
    expect(screen.queryByText("开发环境：选择演示组织中的用户登录")).toBeNull();
  });
  it("says when the configured provider cannot be reached, not that there is none", async () => {
    production(503);
    open("/login");
    expect(await screen.findByText("统一身份认证服务暂时无法访问 (discovery failed)")).toBeTruthy();
    expect(screen.queryByText("统一身份认证（OIDC）登录尚未配置")).toBeNull();
  });
  it("shows the provider's refusal on the sign-in page, in Chinese, without asking for a token", async () => {
    const fetchFn = production(PROVIDER);
    open("/auth/callback?error=access_denied&state=s1");
    expect(await screen.findByText(/统一身份认证拒绝了本次登录/)).toBeTruthy();
    expect(await screen.findByRole("button", { name: "统一身份认证登录" })).toBeTruthy(); // back on /login
    expect(fetchFn.mock.calls.map(([path]) => path)).not.toContain(PROVIDER.token_endpoint);
  });
});
