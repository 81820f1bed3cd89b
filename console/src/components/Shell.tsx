// The signed-in layout: a menu by role (on a phone, behind a button, in a drawer), who is signed in,
// the unread messages, a link past the menu to the page for keyboard users.
import { MenuOutlined } from "@ant-design/icons";
import { Badge, Button, Drawer, Grid, Layout, Menu, Space, Typography } from "antd";
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

/** The page's entry of the menu: the longest key the path starts with. */
function selectedKey(items: { key: string }[], pathname: string): string {
  return (
    items
      .map((item) => item.key)
      .filter((key) => pathname === key || pathname.startsWith(key + "/"))
      .sort((a, b) => b.length - a.length)[0] ?? ""
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const { user, signOut } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const unread = useUnread();
  const screens = Grid.useBreakpoint();
  const [drawer, setDrawer] = useState(false);
  const wide = screens.md !== false; // before the first measure, as on a laptop
  useEffect(() => setDrawer(false), [location.pathname]);
  if (!user) return null;
  const items = menuFor(user);
  const selected = selectedKey(items, location.pathname);
  const roles = user.roles.map((role) => ROLE_LABELS[role] ?? role).join("、");
  const whoami = `${user.name}（${user.unit_name ? `${user.unit_name} ` : ""}${roles}）`;
  const menuItems = items.map((item) => ({
    key: item.key,
    label:
      item.key === "/inbox" ? (
        <Badge count={unread ?? 0} size="small" offset={[8, -2]} data-testid="unread" className="duban-menu-badge">
          消息
        </Badge>
      ) : (
        item.label
      ),
  }));
  const signOutButton = (
    <Button size="small" onClick={() => { signOut(); navigate("/login"); }}>
      退出
    </Button>
  );
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <a className="duban-skip-link" href="#main">
        跳到主要内容
      </a>
      <Layout.Header className="duban-header">
        <Link to="/tasks" className="duban-brand">
          督办平台
        </Link>
        {wide ? (
          <>
            <Menu
              theme="dark"
              mode="horizontal"
              selectedKeys={[selected]}
              items={menuItems}
              onClick={({ key }) => navigate(key)}
              style={{ flex: 1, minWidth: 0 }}
              aria-label="主菜单"
            />
            <Space style={{ color: "#fff" }}>
              {screens.lg !== false && (
                <Typography.Text style={{ color: "#fff" }} data-testid="whoami">
                  {whoami}
                </Typography.Text>
              )}
              {signOutButton}
            </Space>
          </>
        ) : (
          <>
            <span className="duban-header-page">{items.find((item) => item.key === selected)?.label}</span>
            <Badge count={unread ?? 0} size="small">
              <Button
                type="text"
                icon={<MenuOutlined />}
                aria-label="打开菜单"
                aria-expanded={drawer}
                onClick={() => setDrawer(true)}
                style={{ color: "#fff" }}
              />
            </Badge>
            {signOutButton}
          </>
        )}
      </Layout.Header>
      {!wide && (
        <Drawer open={drawer} onClose={() => setDrawer(false)} placement="left" size={260} title={whoami}
          styles={{ body: { padding: 0 } }}>
          <Menu mode="inline" selectedKeys={[selected]} items={menuItems} onClick={({ key }) => navigate(key)}
            aria-label="主菜单" style={{ borderInlineEnd: 0 }} />
        </Drawer>
      )}
      <Layout.Content id="main" tabIndex={-1} className="duban-main">
        <div className="duban-page">{children}</div>
      </Layout.Content>
    </Layout>
  );
}
