// 流程: the deployed versions of the process definitions, each version's diagrams and forms, and
// (administrators) deploying a file: compared with the active version first, refused problems
// listed by element and marked on the uploaded diagram.
import { Alert, App, Button, Card, List, Select, Space, Table, Tabs, Tag, Typography, Upload } from "antd";
import type { UploadFile } from "antd";
import { useMemo, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { ApiError } from "../api";
import { hasRole, useAuth } from "../auth";
import { BpmnView, type Marks } from "../designer/BpmnView";
import { Comparison, DiffView, Legend, useComparison } from "../designer/Comparison";
import { VersionComparison } from "../designer/VersionComparison";
import {
  deployProblems,
  fileName,
  formFileName,
  hintOf,
  problemsFor,
  type DeployProblem,
} from "../designer/model";
import { Loaded, Nothing } from "../components/Status";
import { formatDateTime } from "../format";
import { useResource } from "../useResource";

type Version = {
  version: number;
  digest: string;
  files: string[];
  source: string;
  deployed_by: string | null;
  deployed_at: string;
  active: boolean;
};
type Documents = { version: number; files: Record<string, string> };
type Chosen = { name: string; content: string };

const SOURCES: Record<string, string> = { api: "在线部署", startup: "随系统启动安装", files: "随系统安装", cli: "命令行部署" };

function filesTags(files: string[]) {
  const bpmn = files.filter((f) => f.endsWith(".bpmn"));
  const forms = files.filter((f) => f.endsWith(".schema.json"));
  return (
    <Space wrap size={[4, 4]}>
      {bpmn.map((f) => (
        <Tag key={f} color="blue">{f}</Tag>
      ))}
      {forms.length > 0 && <Tag>表单 {forms.length} 个</Tag>}
    </Space>
  );
}

export function DefinitionsPage() {
  const { user } = useAuth();
  const versions = useResource<{ items: Version[]; total: number }>("/api/workflow/definitions");
  const admin = !!user && hasRole(user, "admin");
  // kept here: the list reloads after a deployment, and the deploy card with it
  const [deployed, setDeployed] = useState<Version | null>(null);
  return (
    <>
      <Typography.Title level={3}>流程</Typography.Title>
      <Loaded resource={versions}>
        {(found) => {
          const active = found.items.find((v) => v.active) ?? null;
          return (
            <Space direction="vertical" style={{ width: "100%" }} size="large">
              {found.items.length === 0 ? (
                <Nothing text="尚未部署流程定义" />
              ) : (
                <Table<Version>
                  rowKey="version"
                  dataSource={[...found.items].reverse()}
                  pagination={false}
                  scroll={{ x: 720 }}
                  columns={[
                    {
                      title: "版本",
                      dataIndex: "version",
                      render: (v: number, row) => (
                        <Space style={{ whiteSpace: "nowrap" }}>
                          <Link to={`/definitions/${v}`}>第 {v} 版</Link>
                          {row.active && <Tag color="green">当前版本</Tag>}
                        </Space>
                      ),
                    },
                    { title: "部署时间", dataIndex: "deployed_at", render: (d: string) => formatDateTime(d) },
                    { title: "部署人", dataIndex: "deployed_by", render: (b: string | null) => b ?? "—" },
                    { title: "方式", dataIndex: "source", render: (s: string) => SOURCES[s] ?? s },
                    { title: "文件", dataIndex: "files", render: (files: string[]) => filesTags(files) },
                  ]}
                />
              )}
              {active && <VersionFiles version={active.version} title={`当前版本（第 ${active.version} 版）的流程图`} />}
              {admin && (
                <Deploy
                  active={active}
                  deployed={deployed}
                  onDeployed={(version) => {
                    setDeployed(version);
                    if (version) versions.reload();
                  }}
                />
              )}
            </Space>
          );
        }}
      </Loaded>
    </>
  );
}

export function DefinitionVersionPage() {
  const { version } = useParams();
  return (
    <>
      <Typography.Title level={3}>流程 · 第 {version} 版</Typography.Title>
      <p>
        <Link to="/definitions">返回版本列表</Link>
      </p>
      <VersionFiles version={Number(version)} />
      {Number.isInteger(Number(version)) && <VersionComparison version={Number(version)} />}
    </>
  );
}

function VersionFiles({ version, title }: { version: number; title?: string }) {
  const documents = useResource<Documents>(Number.isInteger(version) ? `/api/workflow/definitions/${version}` : null);
  return (
    <Card title={title ?? "流程图与表单"} size="small">
      <Loaded resource={documents}>
        {(found) => {
          const names = Object.keys(found.files).sort();
          const bpmn = names.filter((n) => n.endsWith(".bpmn"));
          const forms = names.filter((n) => n.startsWith("forms/"));
          return (
            <Tabs
              items={[
                ...bpmn.map((name) => ({
                  key: name,
                  label: name,
                  children: <BpmnView xml={found.files[name]} />,
                })),
                {
                  key: "(forms)",
                  label: `表单（${forms.filter((f) => f.endsWith(".schema.json")).length}）`,
                  children: <FormsList files={found.files} names={forms} />,
                },
              ]}
            />
          );
        }}
      </Loaded>
    </Card>
  );
}

function FormsList({ files, names }: { files: Record<string, string>; names: string[] }) {
  const schemas = names.filter((n) => n.endsWith(".schema.json"));
  if (schemas.length === 0) return <Nothing text="该版本没有表单" />;
  return (
    <List
      size="small"
      dataSource={schemas}
      renderItem={(name) => {
        let title = "";
        let fields: string[] = [];
        try {
          const schema = JSON.parse(files[name]) as { title?: string; properties?: Record<string, { title?: string }> };
          title = schema.title ?? "";
          fields = Object.entries(schema.properties ?? {}).map(([k, p]) => p.title ?? k);
        } catch {
          title = "（无法读取）";
        }
        const ui = name.replace(/\.schema\.json$/, ".uischema.json");
        return (
          <List.Item>
            <Space direction="vertical" size={0}>
              <span>
                <Typography.Text code>{name}</Typography.Text> {title}
                {files[ui] !== undefined && <Tag style={{ marginLeft: 8 }}>含界面配置</Tag>}
              </span>
              <Typography.Text type="secondary">字段：{fields.join("、") || "无"}</Typography.Text>
            </Space>
          </List.Item>
        );
      }}
    />
  );
}

const readText = (file: File) => file.text();

function Deploy({
  active,
  deployed,
  onDeployed,
}: {
  active: Version | null;
  deployed: Version | null;
  onDeployed: (version: Version | null) => void;
}) {
  const { api } = useAuth();
  const { message } = App.useApp();
  const [chosen, setChosen] = useState<Chosen[]>([]);
  const [removed, setRemoved] = useState<string[]>([]);
  const [list, setList] = useState<UploadFile[]>([]);
  const [sending, setSending] = useState(false);
  const [problems, setProblems] = useState<DeployProblem[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const current = useResource<Documents>(active ? `/api/workflow/definitions/${active.version}` : null);

  async function choose(file: File) {
    const name = file.name.endsWith(".json") ? formFileName(file.name) : fileName(file.name);
    const content = await readText(file);
    setChosen((before) => [...before.filter((c) => c.name !== name), { name, content }]);
    setList((before) => [...before.filter((f) => f.name !== file.name), { uid: name, name: file.name, status: "done" }]);
    setProblems(null);
    setFailure(null);
    if (deployed) onDeployed(null);
    return false;
  }

  async function deploy() {
    setSending(true);
    setProblems(null);
    setFailure(null);
    try {
      const version = await api<Version>("/api/workflow/definitions", {
        method: "POST",
        json: { files: Object.fromEntries(chosen.map((c) => [c.name, c.content])), remove: removed },
      });
      setChosen([]);
      setRemoved([]);
      setList([]);
      message.success(`已部署为第 ${version.version} 版`);
      onDeployed(version);
    } catch (e) {
      const error = e as ApiError;
      if (error.status === 422) setProblems(deployProblems(error.detail));
      else setFailure(error.status === 413 ? "文件过大，超过部署上限" : error.message);
    } finally {
      setSending(false);
    }
  }

  const diagrams = chosen.filter((c) => c.name.endsWith(".bpmn"));
  return (
    <Card title="部署新版本" size="small" data-testid="deploy">
      <Space direction="vertical" style={{ width: "100%" }}>
        <Typography.Text type="secondary">
          选择要更新或新增的 BPMN 文件（.bpmn）和表单文件（.schema.json / .uischema.json）；当前版本的其余文件保持不变。部署前会先与当前版本比较并检查。
        </Typography.Text>
        <Upload
          accept=".bpmn,.json"
          multiple
          fileList={list}
          beforeUpload={choose}
          onRemove={(file) => {
            setList((before) => before.filter((f) => f.uid !== file.uid));
            setChosen((before) => before.filter((c) => c.name !== file.uid));
            setProblems(null);
          }}
        >
          <Button>选择文件</Button>
        </Upload>
        <Select
          mode="multiple"
          allowClear
          aria-label="删除文件"
          placeholder="删除当前版本的文件（可选）：新版本中不再包含所选文件"
          style={{ width: "100%" }}
          value={removed}
          onChange={(names: string[]) => {
            setRemoved(names);
            setProblems(null);
            setFailure(null);
            if (deployed) onDeployed(null);
          }}
          options={Object.keys(current.data?.files ?? {})
            .filter((name) => !chosen.some((c) => c.name === name))
            .sort()
            .map((name) => ({ value: name, label: name }))}
          data-testid="remove-files"
        />
        {removed.length > 0 && (
          <Alert
            type="warning"
            showIcon
            message={`新版本将删除：${removed.join("、")}`}
            description="运行中的事项仍按原版本办理；部署前会检查其余文件能否独立成立（如被调用的流程、引用的表单）。"
          />
        )}
        {deployed && (
          <Alert
            type="success"
            showIcon
            message={
              <span>
                已部署为 <Link to={`/definitions/${deployed.version}`}>第 {deployed.version} 版</Link>，新立项的事项将使用该版本
              </span>
            }
          />
        )}
        {failure && <Alert type="error" showIcon message={failure} />}
        {problems && problems.length > 0 && (
          <Alert type="error" showIcon message={`检查未通过，共 ${problems.length} 个问题，未部署`} />
        )}
        {problems
          ?.filter((p) => !diagrams.some((d) => d.name === p.file))
          .length ? <ProblemList problems={problems.filter((p) => !diagrams.some((d) => d.name === p.file))} nameOf={() => null} /> : null}
        {diagrams.map((file) => (
          <Chosen
            key={file.name}
            file={file}
            before={current.data?.files[file.name] ?? null}
            problems={problems ?? []}
          />
        ))}
        <Button type="primary" disabled={chosen.length === 0 && removed.length === 0} loading={sending} onClick={deploy}>
          部署
        </Button>
      </Space>
    </Card>
  );
}

function Chosen({ file, before, problems }: { file: Chosen; before: string | null; problems: DeployProblem[] }) {
  const { summary, error: diffError } = useComparison(before, file.content);
  const [names, setNames] = useState<{ of: (id: string) => string | null }>({ of: () => null });

  const shown = useMemo(() => problemsFor(problems, file.name, names.of), [problems, file.name, names]);
  const marks: Marks = {};
  const badges: Record<string, string> = {};
  for (const id of shown.elements) {
    marks[id] = "duban-problem";
    badges[id] = `${shown.here.filter((p) => p.element === id).length} 个问题`;
  }

  return (
    <Card type="inner" size="small" title={`${file.name}${before === null ? "（新文件）" : ""}`}>
      {shown.here.length > 0 && <div style={{ marginBottom: 12 }}><ProblemList problems={shown.here} /></div>}
      {diffError && <Alert type="warning" message={diffError} />}
      {summary && <DiffView summary={summary} />}
      {summary ? <Legend problems={shown.elements.length > 0} /> : shown.elements.length > 0 && <Tag color="red" style={{ margin: "8px 0" }}>有问题</Tag>}
      <Comparison before={before} after={file.content} summary={summary} titles={["当前版本", "上传的文件"]} marks={marks}
        badges={badges} onNames={(of) => setNames({ of })} afterTestId="uploaded-diagram" />
    </Card>
  );
}

function ProblemList({ problems, nameOf }: { problems: ReturnType<typeof problemsFor>["here"] | DeployProblem[]; nameOf?: (id: string) => string | null }) {
  return (
    <List
      size="small"
      bordered
      data-testid="problems"
      dataSource={problems as (DeployProblem & { name?: string | null; hint?: string | null })[]}
      renderItem={(p) => {
        const name = p.name ?? (p.element && nameOf ? nameOf(p.element) : null);
        return (
          <List.Item>
            <Space direction="vertical" size={0}>
              <span>
                <Typography.Text type="danger">{p.file}</Typography.Text>
                {p.element && (
                  <>
                    {" · 元素 "}
                    <Typography.Text code>{p.element}</Typography.Text>
                    {name && `（${name}）`}
                  </>
                )}
              </span>
              {(p.hint ?? hintOf(p.msg)) && <span>{p.hint ?? hintOf(p.msg)}</span>}
              <Typography.Text type="secondary">{p.msg}</Typography.Text>
            </Space>
          </List.Item>
        );
      }}
    />
  );
}
