// Production sign-in with the city's OIDC provider: the authorization code flow with PKCE
// (RFC 7636, S256), done here in the browser. Across the redirect only the state, the code
// verifier and the page to come back to are kept (sessionStorage, removed when the provider
// answers); the access token is handed to signIn (kept in memory) and never stored.
import { ApiError, type Api } from "./api";
import type { User } from "./auth";

export type ProviderConfig = {
  configured: true;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string | null;
  client_id: string;
  scope: string;
  redirect_path: string;
};

/** The console server's GET /auth/config. */
export type OidcConfig = { configured: false } | ProviderConfig;

export const CALLBACK_PATH = "/auth/callback";
export const PENDING_KEY = "duban.oidc.pending";
const DEFAULT_RETURN = "/tasks";

/** A failed sign-in, its message in Chinese for the sign-in page. */
export class OidcError extends Error {}

type Pending = { state: string; verifier: string; returnTo: string };

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** ``bytes`` random bytes, base64url: 32 give 43 characters, the shortest code verifier allowed. */
export function randomToken(bytes = 32): string {
  const random = new Uint8Array(bytes);
  crypto.getRandomValues(random);
  return base64url(random);
}

/** code_challenge = BASE64URL(SHA256(code_verifier)) (RFC 7636 4.2). */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export function redirectUri(config: ProviderConfig, origin: string): string {
  return origin + config.redirect_path;
}

/** A path of this console to come back to; anything else (another site, the sign-in pages) is 我的待办. */
export function safeReturnPath(path: string | null | undefined): string {
  if (!path || !path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return DEFAULT_RETURN;
  if (path === "/login" || path.startsWith(CALLBACK_PATH)) return DEFAULT_RETURN;
  return path;
}

export function authorizationUrl(
  config: ProviderConfig,
  request: { redirectUri: string; state: string; challenge: string },
): string {
  const url = new URL(config.authorization_endpoint); // keeps a query the endpoint may have
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", config.client_id);
  url.searchParams.set("redirect_uri", request.redirectUri);
  url.searchParams.set("scope", config.scope);
  url.searchParams.set("state", request.state);
  url.searchParams.set("code_challenge", request.challenge);
  url.searchParams.set("code_challenge_method", "S256");
  return url.toString();
}

/** Where 退出 sends the browser so the provider's session ends too (RP-initiated logout 1.0:
 * client_id and the sign-in page to come back to); null when the provider has no such endpoint. */
export function logoutUrl(config: ProviderConfig, origin: string): string | null {
  if (!config.end_session_endpoint) return null;
  const url = new URL(config.end_session_endpoint);
  url.searchParams.set("client_id", config.client_id);
  url.searchParams.set("post_logout_redirect_uri", origin + "/login");
  return url.toString();
}

/** Remember state and verifier for the callback, and say where to send the browser. */
export async function beginSignIn(
  config: ProviderConfig,
  returnTo: string | null | undefined,
  storage: Storage,
  origin: string,
): Promise<string> {
  const pending: Pending = { state: randomToken(), verifier: randomToken(), returnTo: safeReturnPath(returnTo) };
  const challenge = await codeChallenge(pending.verifier);
  storage.setItem(PENDING_KEY, JSON.stringify(pending));
  return authorizationUrl(config, { redirectUri: redirectUri(config, origin), state: pending.state, challenge });
}

function takePending(storage: Storage): Pending | null {
  const saved = storage.getItem(PENDING_KEY);
  storage.removeItem(PENDING_KEY); // good for one answer only
  if (!saved) return null;
  try {
    const pending = JSON.parse(saved) as Partial<Pending>;
    if (typeof pending.state === "string" && typeof pending.verifier === "string") {
      return { state: pending.state, verifier: pending.verifier, returnTo: safeReturnPath(pending.returnTo) };
    }
  } catch {
    /* not ours */
  }
  return null;
}

export function providerErrorMessage(error: string, description: string | null): string {
  if (error === "access_denied") return "统一身份认证拒绝了本次登录（access_denied），请重新登录或联系管理员";
  return `统一身份认证登录失败（${error}${description ? "：" + description : ""}），请重新登录`;
}

/** The provider's answer at /auth/callback (``search``: its query): the code and what was remembered,
 *  once the state is the one this tab sent. */
export function readCallback(search: string, storage: Storage): { code: string; pending: Pending } {
  const answer = new URLSearchParams(search);
  const pending = takePending(storage);
  const error = answer.get("error");
  if (error) throw new OidcError(providerErrorMessage(error, answer.get("error_description")));
  if (!pending) throw new OidcError("未找到本次登录请求（可能已完成或已过期），请重新登录");
  if (answer.get("state") !== pending.state) throw new OidcError("登录请求校验失败（state 不匹配），请重新登录");
  const code = answer.get("code");
  if (!code) throw new OidcError("统一身份认证未返回授权码，请重新登录");
  return { code, pending };
}

/** The code for an access token at the provider's token endpoint (a public client: no secret, the verifier). */
export async function exchangeCode(
  config: ProviderConfig,
  request: { code: string; verifier: string; redirectUri: string },
  fetchFn: typeof fetch = fetch,
): Promise<string> {
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code: request.code,
    redirect_uri: request.redirectUri,
    client_id: config.client_id,
    code_verifier: request.verifier,
  });
  let response: Response;
  try {
    response = await fetchFn(config.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body,
    });
  } catch {
    throw new OidcError("无法连接统一身份认证服务的令牌端点（网络故障，或该服务未允许本站跨域访问），请稍后重试或联系管理员");
  }
  let answer: { access_token?: unknown; error?: unknown } | null = null;
  try {
    answer = await response.json();
  } catch {
    /* not JSON */
  }
  if (!response.ok) {
    const error = typeof answer?.error === "string" ? answer.error : String(response.status);
    throw new OidcError(`统一身份认证服务未能签发令牌（${error}），请重新登录`);
  }
  if (typeof answer?.access_token !== "string" || !answer.access_token) {
    throw new OidcError("统一身份认证服务未返回访问令牌，请联系管理员");
  }
  return answer.access_token;
}

/** Who the token's subject is (the console server's GET /auth/me, the token checked as the services check it). */
export async function fetchUser(api: Api): Promise<User> {
  try {
    return await api<User>("/auth/me");
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) {
      const reason = typeof error.detail === "string" ? `（${error.detail}）` : "";
      throw new OidcError(`本平台未接受统一身份认证的令牌${reason}，请联系管理员`);
    }
    if (error.status === 403) throw new OidcError("您的账号不在本平台的组织名录中，请联系管理员开通");
    throw new OidcError(error.message);
  }
}

/** The callback from end to end: the answer checked, the code exchanged, the user looked up. */
export async function completeSignIn(
  config: ProviderConfig,
  search: string,
  deps: { storage: Storage; origin: string; api: (token: string) => Api; fetchFn?: typeof fetch },
): Promise<{ token: string; user: User; returnTo: string; logout: string | null }> {
  const { code, pending } = readCallback(search, deps.storage);
  const token = await exchangeCode(
    config,
    { code, verifier: pending.verifier, redirectUri: redirectUri(config, deps.origin) },
    deps.fetchFn,
  );
  const user = await fetchUser(deps.api(token));
  return { token, user, returnTo: pending.returnTo, logout: logoutUrl(config, deps.origin) };
}
