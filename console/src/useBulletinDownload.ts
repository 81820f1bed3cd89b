// Download a bulletin's document (Word or PDF), a refusal shown as a message.
import { App } from "antd";
import { useCallback } from "react";
import type { ApiError } from "./api";
import { useAuth } from "./auth";
import { downloadDocument } from "./bulletins";

type Named = { id: string; number: string | null };

export function useBulletinDownload(): (bulletin: Named, kind: "docx" | "pdf") => Promise<void> {
  const { api } = useAuth();
  const { message } = App.useApp();
  return useCallback(
    async (bulletin, kind) => {
      try {
        await downloadDocument(api, bulletin, kind);
      } catch (e) {
        message.error((e as ApiError).message);
      }
    },
    [api, message],
  );
}
