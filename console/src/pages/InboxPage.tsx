// 消息: the caller's inbox; opening a message marks it read and goes to the page it links.
import { App, Badge, Button, List, Typography } from "antd";
import { useNavigate } from "react-router-dom";
import { ApiError } from "../api";
import { useAuth } from "../auth";
import { Loaded, Nothing } from "../components/Status";
import { formatDateTime, localPath } from "../format";
import { useResource } from "../useResource";

type Message = { id: number; title: string; text: string; link: string | null; created_at: string; read: boolean };

export function InboxPage() {
  const { api } = useAuth();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const inbox = useResource<{ items: Message[]; unread: number }>("/api/notification/inbox");

  async function open(entry: Message) {
    try {
      if (!entry.read) await api(`/api/notification/inbox/${entry.id}/read`, { method: "POST" });
    } catch (e) {
      message.error((e as ApiError).message);
    }
    const path = localPath(entry.link);
    if (path) navigate(path);
    else inbox.reload();
  }

  return (
    <>
      <Typography.Title level={3}>消息</Typography.Title>
      <Loaded resource={inbox}>
        {(found) =>
          found.items.length === 0 ? (
            <Nothing text="暂无消息" />
          ) : (
            <>
              <p>未读 {found.unread} 条</p>
              <List
                dataSource={found.items}
                renderItem={(entry) => (
                  <List.Item actions={[<Button key="open" type="link" onClick={() => open(entry)}>{entry.link ? "查看" : "标为已读"}</Button>]}>
                    <List.Item.Meta
                      title={
                        <span>
                          {!entry.read && <Badge status="processing" style={{ marginRight: 8 }} />}
                          {entry.title}
                        </span>
                      }
                      description={
                        <>
                          <div style={{ whiteSpace: "pre-wrap" }}>{entry.text}</div>
                          <div style={{ fontSize: 12 }}>{formatDateTime(entry.created_at)}</div>
                        </>
                      }
                    />
                  </List.Item>
                )}
              />
            </>
          )
        }
      </Loaded>
    </>
  );
}
