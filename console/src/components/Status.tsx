// What every page shows while loading, on an error, or with nothing to show.
import { Alert, Button, Empty, Result, Spin } from "antd";
import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import { ApiError } from "../api";

export function Loading() {
  return (
    <div style={{ padding: 48, textAlign: "center" }} role="status" aria-live="polite">
      <Spin tip="加载中…">
        <div style={{ padding: 24 }} />
      </Spin>
    </div>
  );
}

export function ErrorView({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const retry = onRetry ? (
    <Button type="primary" onClick={onRetry}>
      重试
    </Button>
  ) : null;
  if (error.status === 401)
    return <Result status="403" title="请先登录" extra={<Link to="/login">前往登录</Link>} />;
  if (error.status === 403) return <Result status="403" title="无权访问" subTitle={error.message} />;
  if (error.status === 404)
    return <Result status="404" title="未找到" subTitle="该内容不存在，或您无权查看" extra={<Link to="/">返回首页</Link>} />;
  if (error.status === 0) return <Result status="warning" title="网络错误" subTitle={error.message} extra={retry} />;
  return <Result status="error" title="出错了" subTitle={error.message} extra={retry} />;
}

export function ErrorBanner({ error }: { error: ApiError | null }) {
  return error ? <Alert type="error" showIcon message={error.message} style={{ marginBottom: 16 }} /> : null;
}

export function Nothing({ text }: { text: string }) {
  return <Empty description={text} />;
}

type Loaded<T> = { data: T | null; error: ApiError | null; loading: boolean; reload: () => void };

/** Loading, then the error, then the children with the data. */
export function Loaded<T>({ resource, children }: { resource: Loaded<T>; children: (data: T) => ReactNode }) {
  if (resource.error) return <ErrorView error={resource.error} onRetry={resource.reload} />;
  if (resource.loading || resource.data === null) return <Loading />;
  return <>{children(resource.data)}</>;
}
