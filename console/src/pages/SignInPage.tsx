// Sign-in (/login) and the OIDC provider's answer (/auth/callback). Production: the city's unified
// identity (OIDC, authorization code with PKCE: ../oidc.ts), when the console server has a provider
// configured (GET /auth/config). Development: also a user picker of the demo organisation (the
// console server's /dev routes, which exist only outside production).
import { Alert, Button, Card, Divider, Form, Select, Spin, Typography } from "antd";
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useLocation, useNavigate } from "react-router-dom";
import { ApiError, makeApi } from "../api";
import { useAuth, type User } from "../auth";
import { ROLE_LABELS } from "../format";
import { beginSignIn, CALLBACK_PATH, completeSignIn, OidcError, type OidcConfig } from "../oidc";

type DevUsers = { items: User[] };
type SignInState = { from?: string; error?: string } | null;

export function SignInPage() {
  const { pathname } = useLocation();
  return pathname === CALLBACK_PATH ? <SignInCallback /> : <SignInForm />;
}

function SignInCard({ children }: { children: ReactNode }) {
  return (
    <div style={{ minHeight: "100vh", display: "grid", placeItems: "center", background: "#f5f5f5", padding: 16 }}>
      <Card style={{ width: "100%", maxWidth: 480 }}>
        <Typography.Title level={3} style={{ textAlign: "center" }}>
          督办平台 · 登录
        </Typography.Title>
        {children}
        <div style={{ marginTop: 16, textAlign: "center" }}>
          <a href="/public">不登录，查看公开督办事项</a>
        </div>
      </Card>
    </div>
  );
}

function SignInForm() {
  const { signIn, expired } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const state = location.state as SignInState;
  const from = state?.from ?? "/tasks";
  const [users, setUsers] = useState<User[] | null>(null);
  const [mode, setMode] = useState<"loading" | "dev" | "production" | "error">("loading");
  const [oidc, setOidc] = useState<OidcConfig | null>(null);
  const [error, setError] = useState<string | null>(state?.error ?? null);
  const [username, setUsername] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const anonymous = useMemo(() => makeApi(null), []);

  useEffect(() => {
    anonymous<DevUsers>("/dev/users")
      .then((answer) => {
        setUsers(answer.items);
        setMode("dev");
      })
      .catch((e: ApiError) => {
        if (e.status === 404) setMode("production");
        else {
          setMode("error");
          setError(e.message);
        }
      });
    anonymous<OidcConfig>("/auth/config")
      .then(setOidc)
      .catch((e: ApiError) => setError(e.message)); // configured, but the provider cannot be reached
  }, [anonymous]);

  const options = useMemo(() => {
    const groups = new Map<string, { label: string; value: string }[]>();
    for (const user of users ?? []) {
      const role = ROLE_LABELS[user.roles[0]] ?? user.roles[0];
      const label = `${user.name}（${user.unit_name ? user.unit_name + " " : ""}${user.title ?? role}）· ${user.username}`;
      if (!groups.has(role)) groups.set(role, []);
      groups.get(role)!.push({ label, value: user.username });
    }
    return [...groups].map(([label, options]) => ({ label, options }));
  }, [users]);

  async function submit() {
    if (!username) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await anonymous<{ token: string; user: User }>("/dev/token", {
        method: "POST",
        json: { username },
      });
      signIn(answer.token, answer.user);
      navigate(from, { replace: true });
    } catch (e) {
      setError((e as ApiError).message);
    } finally {
      setBusy(false);
    }
  }

  async function toProvider() {
    if (!oidc?.configured) return;
    setBusy(true);
    setError(null);
    try {
      window.location.assign(await beginSignIn(oidc, from, sessionStorage, window.location.origin));
    } catch {
      // crypto.subtle exists only on https:// (and localhost)
      setError("此浏览器无法进行安全登录所需的加密运算，请通过 HTTPS 地址访问本平台");
      setBusy(false);
    }
  }

  const providerButton = oidc?.configured && (
    <Button type={mode === "dev" ? "default" : "primary"} size="large" block loading={busy} onClick={toProvider}>
      统一身份认证登录
    </Button>
  );

  return (
    <SignInCard>
      {expired && <Alert type="warning" showIcon message="登录已失效，请重新登录" style={{ marginBottom: 16 }} />}
      {error && (
        <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} data-testid="sign-in-error" />
      )}
      {mode === "production" && oidc && !oidc.configured && (
        <Alert
          type="warning"
          showIcon
          message="统一身份认证（OIDC）登录尚未配置"
          description={
            "生产环境须通过统一身份认证登录。请管理员为控制台设置 DUBAN_CONSOLE_OIDC_ISSUER_URL 和 " +
            "DUBAN_CONSOLE_OIDC_CLIENT_ID（见部署说明），配置后即可在此登录。"
          }
        />
      )}
      {mode === "production" && providerButton && (
        <>
          <Typography.Paragraph type="secondary" style={{ textAlign: "center" }}>
            使用本市统一身份认证账号登录
          </Typography.Paragraph>
          {providerButton}
        </>
      )}
      {mode === "dev" && (
        <Form layout="vertical" onFinish={submit}>
          <Alert type="warning" showIcon message="开发环境：选择演示组织中的用户登录" style={{ marginBottom: 16 }} />
          <Form.Item label="用户" required>
            <Select
              showSearch
              autoFocus
              placeholder="输入姓名、单位或用户名"
              optionFilterProp="label"
              options={options}
              value={username}
              onChange={setUsername}
              data-testid="user-select"
              aria-label="用户"
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} disabled={!username}>
            登录
          </Button>
          {providerButton && (
            <>
              <Divider plain>或</Divider>
              {providerButton}
            </>
          )}
        </Form>
      )}
    </SignInCard>
  );
}

// The provider's answer is handled once per answer, however often the effect runs (StrictMode runs it twice).
const finishing = new Map<string, Promise<{ token: string; user: User; returnTo: string; logout: string | null }>>();

function finish(search: string) {
  let done = finishing.get(search);
  if (!done) {
    done = makeApi(null)<OidcConfig>("/auth/config").then((config) => {
      if (!config.configured) throw new OidcError("统一身份认证登录尚未配置，无法完成登录");
      return completeSignIn(config, search, {
        storage: sessionStorage,
        origin: window.location.origin,
        api: (token) => makeApi(token),
      });
    });
    finishing.set(search, done);
  }
  return done;
}

function SignInCallback() {
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const { search } = useLocation();
  const handled = useRef(false);

  useEffect(() => {
    let current = true;
    finish(search).then(
      ({ token, user, returnTo, logout }) => {
        if (!current || handled.current) return;
        handled.current = true;
        signIn(token, user, logout);
        navigate(returnTo, { replace: true }); // the code leaves the address bar and the history
      },
      (error: unknown) => {
        if (!current || handled.current) return;
        handled.current = true;
        const message =
          error instanceof OidcError || error instanceof ApiError ? error.message : "统一身份认证登录失败，请重新登录";
        navigate("/login", { replace: true, state: { error: message } });
      },
    );
    return () => {
      current = false;
    };
  }, [search, signIn, navigate]);

  return (
    <SignInCard>
      <div style={{ padding: 24, textAlign: "center" }} role="status" aria-live="polite">
        <Spin tip="正在完成统一身份认证登录…">
          <div style={{ padding: 24 }} />
        </Spin>
      </div>
    </SignInCard>
  );
}
