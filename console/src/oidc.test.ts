import { beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, type Api } from "./api";
import type { User } from "./auth";
import {
  authorizationUrl,
  base64url,
  beginSignIn,
  codeChallenge,
  completeSignIn,
  exchangeCode,
  fetchUser,
  logoutUrl,
  OidcError,
  PENDING_KEY,
  randomToken,
  readCallback,
  safeReturnPath,
  type ProviderConfig,
} from "./oidc";

const CONFIG: ProviderConfig = {
  configured: true,
  authorization_endpoint: "https://sso.example.gov.cn/realms/duban/auth?kc_locale=zh-CN",
  token_endpoint: "https://sso.example.gov.cn/realms/duban/token",
  client_id: "duban-console",
  scope: "openid profile",
  redirect_path: "/auth/callback",
};
const ORIGIN = "https://duban.example.gov.cn";
const LIAISON: User = { username: "zjj-liaison", name: "王丽", roles: ["liaison"] };

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

async function started(returnTo = "/items/8f3a") {
  const url = new URL(await beginSignIn(CONFIG, returnTo, sessionStorage, ORIGIN));
  return { url, state: url.searchParams.get("state")!, saved: JSON.parse(sessionStorage.getItem(PENDING_KEY)!) };
}

beforeEach(() => sessionStorage.clear());

describe("PKCE", () => {
  it("gives RFC 7636 appendix B's challenge for its verifier", async () => {
    expect(await codeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });
  it("encodes base64url without padding", () => {
    expect(base64url(new Uint8Array([0xfb, 0xff, 0xfe]))).toBe("-__-");
    expect(base64url(new Uint8Array([1]))).toBe("AQ");
  });
  it("makes verifiers of 43 unreserved characters, a new one each time", () => {
    const [one, two] = [randomToken(), randomToken()];
    expect(one).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(one).not.toBe(two);
  });
});

describe("the authorization request", () => {
  it("asks for a code with S256 and keeps the endpoint's own query", () => {
    const redirectUri = `${ORIGIN}/auth/callback`;
    const url = new URL(authorizationUrl(CONFIG, { redirectUri, state: "s1", challenge: "c1" }));
    expect(url.origin + url.pathname).toBe("https://sso.example.gov.cn/realms/duban/auth");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      kc_locale: "zh-CN",
      response_type: "code",
      client_id: "duban-console",
      redirect_uri: "https://duban.example.gov.cn/auth/callback",
      scope: "openid profile",
      state: "s1",
      code_challenge: "c1",
      code_challenge_method: "S256",
    });
  });
  it("remembers state, verifier and the page to come back to, and sends the verifier's challenge", async () => {
    const { url, state, saved } = await started();
    expect(saved).toEqual({ state, verifier: saved.verifier, returnTo: "/items/8f3a" });
    expect(Object.keys(saved).sort()).toEqual(["returnTo", "state", "verifier"]); // never a token
    expect(url.searchParams.get("code_challenge")).toBe(await codeChallenge(saved.verifier));
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
  it("comes back only to a page of this console", () => {
    expect(safeReturnPath("/items/1?tab=2")).toBe("/items/1?tab=2");
    for (const elsewhere of ["https://evil.example/", "//evil.example/x", "/\\evil.example", "", null, "/login"]) {
      expect(safeReturnPath(elsewhere)).toBe("/tasks");
    }
    expect(safeReturnPath("/auth/callback?code=1")).toBe("/tasks");
  });
});

describe("the provider's answer", () => {
  it("is taken with the state this tab sent, once", async () => {
    const { state, saved } = await started();
    expect(readCallback(`?code=abc&state=${state}`, sessionStorage)).toEqual({ code: "abc", pending: saved });
    expect(sessionStorage.getItem(PENDING_KEY)).toBeNull();
    expect(() => readCallback(`?code=abc&state=${state}`, sessionStorage)).toThrow("未找到本次登录请求");
  });
  it("is refused with another state, and the request is forgotten", async () => {
    await started();
    expect(() => readCallback("?code=abc&state=forged", sessionStorage)).toThrow("登录请求校验失败（state 不匹配）");
    expect(sessionStorage.getItem(PENDING_KEY)).toBeNull();
  });
  it("says what the provider refused", async () => {
    const { state } = await started();
    expect(() => readCallback(`?error=access_denied&state=${state}`, sessionStorage)).toThrow("统一身份认证拒绝了本次登录");
    await started();
    expect(() => readCallback("?error=server_error&error_description=down", sessionStorage)).toThrow(
      "统一身份认证登录失败（server_error：down）",
    );
  });
  it("needs a code", async () => {
    const { state } = await started();
    expect(() => readCallback(`?state=${state}`, sessionStorage)).toThrow(OidcError);
  });
});

describe("the token request", () => {
  const request = { code: "abc", verifier: "v".repeat(43), redirectUri: `${ORIGIN}/auth/callback` };

  it("posts the code, redirect URI, client and verifier form-encoded, and takes the access token", async () => {
    const fetchFn = vi.fn(async () => json(200, { access_token: "at-1", token_type: "Bearer", id_token: "x" }));
    expect(await exchangeCode(CONFIG, request, fetchFn)).toBe("at-1");
    const [url, init] = fetchFn.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(CONFIG.token_endpoint);
    expect(init.method).toBe("POST");
    expect((init.headers as Record<string, string>)["Content-Type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(init.body as URLSearchParams)).toEqual({
      grant_type: "authorization_code",
      code: "abc",
      redirect_uri: "https://duban.example.gov.cn/auth/callback",
      client_id: "duban-console",
      code_verifier: "v".repeat(43),
    });
  });
  it("says so in Chinese when the provider refuses, is unreachable or gives no token", async () => {
    await expect(exchangeCode(CONFIG, request, async () => json(400, { error: "invalid_grant" }))).rejects.toThrow(
      "统一身份认证服务未能签发令牌（invalid_grant）",
    );
    await expect(
      exchangeCode(CONFIG, request, async () => {
        throw new TypeError("Failed to fetch");
      }),
    ).rejects.toThrow("无法连接统一身份认证服务的令牌端点");
    await expect(exchangeCode(CONFIG, request, async () => json(200, { token_type: "Bearer" }))).rejects.toThrow(
      "未返回访问令牌",
    );
  });
});

describe("who the token is", () => {
  const refusing = (status: number, detail: unknown) =>
    (async () => {
      throw new ApiError(status, detail);
    }) as unknown as Api;

  it("is the console server's /auth/me", async () => {
    const api = vi.fn(async () => LIAISON) as unknown as Api;
    expect(await fetchUser(api)).toEqual(LIAISON);
    expect(api).toHaveBeenCalledWith("/auth/me");
  });
  it("refuses a token the services would refuse, and a stranger to the directory, in Chinese", async () => {
    await expect(fetchUser(refusing(401, "wrong audience"))).rejects.toThrow("本平台未接受统一身份认证的令牌（wrong audience）");
    await expect(fetchUser(refusing(403, "not in the directory"))).rejects.toThrow("不在本平台的组织名录中");
  });
});

describe("the callback from end to end", () => {
  it("exchanges the code with the remembered verifier and signs in as /auth/me's user", async () => {
    const { state, saved } = await started("/inbox");
    const fetchFn = vi.fn(async () => json(200, { access_token: "at-2" }));
    const tokens: string[] = [];
    const api = (token: string) => {
      tokens.push(token);
      return (async () => LIAISON) as unknown as Api;
    };
    const deps = { storage: sessionStorage, origin: ORIGIN, api, fetchFn };
    const done = await completeSignIn(CONFIG, `?code=abc&state=${state}`, deps);
    expect(done).toEqual({ token: "at-2", user: LIAISON, returnTo: "/inbox", logout: null });
    expect(tokens).toEqual(["at-2"]);
    const body = (fetchFn.mock.calls[0] as unknown as [string, RequestInit])[1].body as URLSearchParams;
    expect(body.get("code_verifier")).toBe(saved.verifier);
    expect(sessionStorage.length).toBe(0); // nothing of the sign-in is left, and the token was never there
  });
  it("never reaches the token endpoint with a forged state", async () => {
    await started();
    const fetchFn = vi.fn(async () => json(200, { access_token: "at-3" }));
    const deps = { storage: sessionStorage, origin: ORIGIN, api: vi.fn(), fetchFn };
    await expect(completeSignIn(CONFIG, "?code=abc&state=forged", deps)).rejects.toThrow("state 不匹配");
    expect(fetchFn).not.toHaveBeenCalled();
  });
});

describe("signing out", () => {
  it("ends the provider's session where it has an end_session_endpoint, and comes back to the sign-in page", () => {
    const config = { ...CONFIG, end_session_endpoint: "https://sso.example.gov.cn/realms/duban/logout?ui_locales=zh" };
    const url = new URL(logoutUrl(config, ORIGIN)!);
    expect(url.origin + url.pathname).toBe("https://sso.example.gov.cn/realms/duban/logout");
    expect(url.searchParams.get("ui_locales")).toBe("zh");
    expect(url.searchParams.get("client_id")).toBe("duban-console");
    expect(url.searchParams.get("post_logout_redirect_uri")).toBe(`${ORIGIN}/login`);
  });
  it("only forgets the token where the provider has none", () => {
    expect(logoutUrl(CONFIG, ORIGIN)).toBeNull();
    expect(logoutUrl({ ...CONFIG, end_session_endpoint: null }, ORIGIN)).toBeNull();
  });
});
