// Items chosen from the ledger by what is typed (督办〔2026〕N号 or words of the title), searched by
// the ledger service (GET /items?q=…, one page of ITEMS_SHOWN), never the whole ledger in the browser.
import { Select, Spin } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useAuth } from "../auth";
import type { LedgerItem, Page } from "../types";

export const ITEMS_SHOWN = 20;
const PAUSE_MS = 300; // typing pauses this long before the ledger is asked

type Option = { value: string; label: string };

/** GET /items's query for what was typed: one page, the most recently changed first. */
export function itemSearch(text: string): string {
  const params = new URLSearchParams();
  const q = text.trim();
  if (q) params.set("q", q);
  params.set("sort", "-updated");
  params.set("page", "1");
  params.set("page_size", String(ITEMS_SHOWN));
  return `/api/ledger/items?${params}`;
}

export const itemLabel = (item: Pick<LedgerItem, "code" | "title">) => `${item.code} ${item.title}`;

export function ItemPicker({
  value,
  onChange,
  id,
}: {
  value?: string[];
  onChange?: (ids: string[]) => void;
  id?: string;
}) {
  const { api } = useAuth();
  const [text, setText] = useState<string | null>(null); // null: not opened yet
  const [found, setFound] = useState<{ options: Option[]; total: number } | null>(null);
  const [loading, setLoading] = useState(false);
  const [chosen, setChosen] = useState<Record<string, string>>({}); // labels of the chosen, whatever the search shows

  useEffect(() => {
    if (text === null) return;
    const controller = new AbortController();
    setLoading(true);
    const timer = setTimeout(() => {
      api<Page<LedgerItem>>(itemSearch(text), { signal: controller.signal })
        .then((page) => {
          setFound({ options: page.items.map((item) => ({ value: item.id, label: itemLabel(item) })), total: page.total });
          setLoading(false);
        })
        .catch((error) => {
          if (error?.name === "AbortError") return;
          setFound({ options: [], total: 0 });
          setLoading(false);
        });
    }, PAUSE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, text]);

  const options = useMemo(() => {
    const shown = found?.options ?? [];
    const kept = (value ?? []).filter((v) => !shown.some((o) => o.value === v)).map((v) => ({ value: v, label: chosen[v] ?? v }));
    return [...shown, ...kept];
  }, [found, value, chosen]);

  const more = found && found.total > found.options.length ? found.total - found.options.length : 0;
  return (
    <Select<string[], Option>
      id={id}
      mode="multiple"
      allowClear
      value={value}
      placeholder="输入编号或事项名称查找"
      options={options}
      showSearch={{ filterOption: false, onSearch: setText }}
      onOpenChange={(open) => open && text === null && setText("")}
      onChange={(ids, picked) => {
        const labels = { ...chosen };
        for (const option of [picked].flat()) if (option?.value) labels[option.value] = option.label;
        setChosen(labels);
        onChange?.(ids);
      }}
      notFoundContent={loading ? <Spin size="small" /> : "未找到事项"}
      popupRender={(menu) => (
        <>
          {menu}
          {more > 0 && !loading && (
            <div style={{ padding: "4px 12px", color: "#888" }} data-testid="items-more">
              另有 {more} 项未列出，请输入更多文字缩小范围
            </div>
          )}
        </>
      )}
      style={{ width: "100%" }}
    />
  );
}
