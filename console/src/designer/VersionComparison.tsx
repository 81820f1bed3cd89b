// A deployed version against the one before it: each BPMN file changed, added or removed, its
// differences listed and both diagrams drawn (designer/Comparison.tsx).
import { Card, Space, Tag, Typography } from "antd";
import { Loaded, Nothing } from "../components/Status";
import { useResource } from "../useResource";
import { Comparison, DiffView, Legend, useComparison } from "./Comparison";

type Documents = { version: number; files: Record<string, string> };

/** The BPMN files of two versions: changed (both, different), added, removed, the same. */
export function fileChanges(before: Record<string, string>, after: Record<string, string>) {
  const bpmn = (files: Record<string, string>) => Object.keys(files).filter((n) => n.endsWith(".bpmn"));
  const names = [...new Set([...bpmn(before), ...bpmn(after)])].sort();
  return {
    changed: names.filter((n) => n in before && n in after && before[n] !== after[n]),
    added: names.filter((n) => !(n in before)),
    removed: names.filter((n) => !(n in after)),
    same: names.filter((n) => n in before && n in after && before[n] === after[n]),
  };
}

function FileComparison({ name, before, after, earlier }: { name: string; before: string; after: string; earlier: number }) {
  const { summary, error } = useComparison(before, after);
  return (
    <Card type="inner" size="small" title={name} data-testid="version-file-diff">
      {error && <Typography.Text type="warning">{error}</Typography.Text>}
      {summary && <DiffView summary={summary} against={`第 ${earlier} 版`} />}
      {summary && <Legend />}
      <Comparison before={before} after={after} summary={summary} titles={[`第 ${earlier} 版`, `第 ${earlier + 1} 版`]}
        afterTestId="later-diagram" />
    </Card>
  );
}

export function VersionComparison({ version }: { version: number }) {
  const earlier = version - 1;
  const before = useResource<Documents>(earlier >= 1 ? `/api/workflow/definitions/${earlier}` : null);
  const after = useResource<Documents>(`/api/workflow/definitions/${version}`);
  if (earlier < 1) return null;
  return (
    <Card title={`与第 ${earlier} 版比较`} size="small" style={{ marginTop: 16 }}>
      <Loaded resource={before}>
        {(old) => (
          <Loaded resource={after}>
            {(now) => {
              const changes = fileChanges(old.files, now.files);
              return (
                <Space direction="vertical" style={{ width: "100%" }}>
                  {changes.added.length > 0 && <span>新增文件：{changes.added.map((n) => <Tag key={n} color="green">{n}</Tag>)}</span>}
                  {changes.removed.length > 0 && <span>删除文件：{changes.removed.map((n) => <Tag key={n} color="red">{n}</Tag>)}</span>}
                  {changes.same.length > 0 && <Typography.Text type="secondary">未改变：{changes.same.join("、")}</Typography.Text>}
                  {changes.changed.length === 0 ? (
                    <Nothing text="流程图与上一版相同" />
                  ) : (
                    changes.changed.map((name) => (
                      <FileComparison key={name} name={name} before={old.files[name]} after={now.files[name]} earlier={earlier} />
                    ))
                  )}
                </Space>
              );
            }}
          </Loaded>
        )}
      </Loaded>
    </Card>
  );
}
