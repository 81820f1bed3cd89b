// Sign-in. Development: pick a user of the demo organisation (the console server's /dev routes,
// which exist only outside production). Production: the city's unified identity (OIDC).
import { Alert, Button, Card, Form, Select, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useLocation, useNavigate } from "react-router-dom";
import { ApiError, makeApi } from "../api";
import { useAuth, type User } from "../auth";
import { ROLE_LABELS } from "../format";

type DevUsers = { items: User[] };

export function SignInPage() {
  const { signIn, expired } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? "/tasks";
  const [users, setUsers] = useState<User[] | null>(null);
  const [mode, setMode] = useState<"loading" | "dev" | "production" | "error">("loading");
  const [error, setError] = useState<string | null>(null);
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

  return (
    <div style={{ minHeight: "100vh", display: "grid", placeItems: "center", background: "#f5f5f5", padding: 16 }}>
      <Card style={{ width: "100%", maxWidth: 480 }}>
        <Typography.Title level={3} style={{ textAlign: "center" }}>
          督办平台 · 登录
        </Typography.Title>
        {expired && <Alert type="warning" showIcon message="登录已失效，请重新登录" style={{ marginBottom: 16 }} />}
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
        {mode === "production" && (
          <Alert
            type="info"
            showIcon
            message="生产环境请通过统一身份认证登录"
            description="统一身份认证（OIDC）登录尚未接入本控制台。"
          />
        )}
        {mode === "dev" && (
          <Form layout="vertical" onFinish={submit}>
            <Alert
              type="warning"
              showIcon
              message="开发环境：选择演示组织中的用户登录"
              style={{ marginBottom: 16 }}
            />
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
          </Form>
        )}
        <div style={{ marginTop: 16, textAlign: "center" }}>
          <a href="/public">不登录，查看公开督办事项</a>
        </div>
      </Card>
    </div>
  );
}
