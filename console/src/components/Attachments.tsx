// An item's files (workflow GET /items/{id}/attachments), each downloaded with the caller's token.
import { App, Button, List } from "antd";
import { ApiError } from "../api";
import { useAuth } from "../auth";
import { formatDateTime } from "../format";
import { useResource } from "../useResource";
import { ErrorView, Loading, Nothing } from "./Status";

type Attachment = { id: string; name: string; size: number; uploaded_by: string; bound_at: string | null };

export function Attachments({ itemId }: { itemId: string }) {
  const { api } = useAuth();
  const { message } = App.useApp();
  const files = useResource<{ items: Attachment[] }>(`/api/workflow/items/${itemId}/attachments`);
  if (files.error) return <ErrorView error={files.error} onRetry={files.reload} />;
  if (files.loading || !files.data) return <Loading />;
  if (!files.data.items.length) return <Nothing text="暂无附件" />;

  async function download(file: Attachment) {
    try {
      const blob = await api.blob(`/api/workflow/attachments/${file.id}`);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = file.name;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (e) {
      message.error((e as ApiError).message);
    }
  }

  return (
    <List
      size="small"
      dataSource={files.data.items}
      data-testid="item-attachments"
      renderItem={(file) => (
        <List.Item actions={[<Button key="get" type="link" onClick={() => download(file)}>下载</Button>]}>
          {file.name}（{Math.max(1, Math.round(file.size / 1024))} KB，{formatDateTime(file.bound_at)}）
        </List.Item>
      )}
    />
  );
}
