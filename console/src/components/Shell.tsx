// The signed-in layout: a menu by role, who is signed in, the unread messages.
import { Badge, Button, Grid, Layout, Menu, Space, Typography } from "antd";
import { useEffect, useState, type ReactNode } from "react";
import { Link, useLocation, useNavigate } from "react-router-dom";
import { hasRole, useAuth, type User } from "../auth";
import { ROLE_LABELS } from "../format";

export function menuFor(user: User): { key: string; label: string }[] {
  const items = [
    { key: "/tasks", label: "我的待办" },
    { key: "/items", label: "督办事项" },
  ];
  if (hasRole(user, "office")) items.push({ key: "/items/new", label: "立项登记" });
  if (hasRole(user, "office", "leader")) items.push({ key: "/plans", label: "督查计划" });
  if (hasRole(user, "office", "leader", "admin")) items.push({ key: "/stats", label: "统计" });
  items.push({ key: "/bulletins", label: "通报" });
  if (hasRole(user, "office", "leader", "admin")) items.push({ key: "/definitions", label: "流程" });
  items.push({ key: "/inbox", label: "消息" });
  items.push({ key: "/public", label: "公开" });
  return items;
}

function useUnread(): number | null {
  const { api, user } = useAuth();
  const location = useLocation();
  const [unread, setUnread] = useState<number | null>(null);
  useEffect(() => {
    if (!user) return;
    let alive = true;
    const load = () =>
      api<{ unread: number }>("/api/notification/inbox?unread_only=true")
        .then((answer) => alive && setUnread(answer.unread))
        .catch(() => alive && setUnread(null));
    load();
    const timer = window.setInterval(load, 30_000);
    return () => {
      alive = false;
      window.clearInterval(timer);
    };
  }, [api, user, location.pathname]);
  return unread;
}

export function Shell({ children }: { children: ReactNode }) {
  const { user, signOut } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const unread = useUnread();
  const screens = Grid.useBreakpoint();
  if (!user) return null;
  const items = menuFor(user);
  const selected =
    items.map((item) => item.key).filter((key) => location.pathname === key || location.pathname.startsWith(key + "/"))
      .sort((a, b) => b.length - a.length)[0] ?? "";
  const roles = user.roles.map((role) => ROLE_LABELS[role] ?? role).join("、");
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Header style={{ display: "flex", alignItems: "center", gap: 16, padding: "0 16px" }}>
        <Link to="/tasks" style={{ color: "#fff", fontWeight: 600, fontSize: 18, whiteSpace: "nowrap" }}>
          督办平台
        </Link>
        <Menu
          theme="dark"
          mode="horizontal"
          selectedKeys={[selected]}
          items={items.map((item) => ({
            key: item.key,
            label:
              item.key === "/inbox" ? (
                <Badge count={unread ?? 0} size="small" offset={[8, -2]} data-testid="unread">
                  <span style={{ color: "rgba(255,255,255,0.85)" }}>消息</span>
                </Badge>
              ) : (
                item.label
              ),
          }))}
          onClick={({ key }) => navigate(key)}
          style={{ flex: 1, minWidth: 0 }}
        />
        <Space style={{ color: "#fff" }}>
          {screens.md && (
            <Typography.Text style={{ color: "#fff" }} data-testid="whoami">
              {user.name}（{user.unit_name ? `${user.unit_name} ` : ""}
              {roles}）
            </Typography.Text>
          )}
          <Button size="small" onClick={() => { signOut(); navigate("/login"); }}>
            退出
          </Button>
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: screens.md ? 24 : 8 }}>
        <div style={{ background: "#fff", padding: screens.md ? 24 : 12, borderRadius: 8 }}>{children}</div>
      </Layout.Content>
    </Layout>
  );
}
