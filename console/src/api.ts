// Calls to the services through the console server (/api/<service>/…), with the bearer token.

export class ApiError extends Error {
  constructor(
    public status: number, // 0: the network failed
    public detail: unknown,
  ) {
    super(describeError(status, detail));
  }
}

export function describeError(status: number, detail: unknown): string {
  if (status === 0) return "无法连接服务器，请检查网络后重试";
  if (status === 401) return "登录已失效，请重新登录";
  if (status === 403) return "您无权访问此内容";
  if (status === 404) return "未找到，或您无权查看";
  if (status === 409) return typeof detail === "string" ? detail : "状态已变化，请刷新后重试";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return "填写的内容有误，请按提示修改";
  if (status >= 500) return `服务暂时不可用（${status}），请稍后重试`;
  return `请求失败（${status}）`;
}

export type RequestOptions = { method?: string; json?: unknown; body?: BodyInit; signal?: AbortSignal };

export type Api = {
  <T>(path: string, options?: RequestOptions): Promise<T>;
  blob: (path: string) => Promise<Blob>;
};

async function send(token: string | null, path: string, options: RequestOptions, onUnauthorized: () => void) {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  let response: Response;
  try {
    response = await fetch(path, { method: options.method ?? "GET", headers, body, signal: options.signal });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    let detail: unknown = null;
    try {
      detail = (await response.json()).detail;
    } catch {
      /* not JSON */
    }
    if (response.status === 401 && token) onUnauthorized();
    throw new ApiError(response.status, detail);
  }
  return response;
}

export function makeApi(token: string | null, onUnauthorized: () => void = () => {}): Api {
  const api = (async (path: string, options: RequestOptions = {}) => {
    const response = await send(token, path, options, onUnauthorized);
    if (response.status === 204) return null;
    return response.json();
  }) as Api;
  api.blob = async (path: string) => (await send(token, path, {}, onUnauthorized)).blob();
  return api;
}

export type FieldErrors = Record<string, string[]>;

/** FastAPI's / the workflow's 422 detail ([{loc, msg}]) as messages by field path ("data.decision" → "decision"). */
export function fieldErrors(detail: unknown, prefixes: string[] = ["body", "data"]): FieldErrors {
  const found: FieldErrors = {};
  if (!Array.isArray(detail)) return found;
  for (const entry of detail) {
    if (!entry || typeof entry !== "object") continue;
    const { loc, msg } = entry as { loc?: unknown[]; msg?: string };
    let path = Array.isArray(loc) ? loc.map(String) : [];
    while (path.length && prefixes.includes(path[0])) path = path.slice(1);
    const key = path.length ? path.join(".") : "";
    (found[key] ??= []).push(msg ?? "不合法");
  }
  return found;
}

/** Field errors as react-jsonschema-form's ErrorSchema ({field: {__errors: [...]}}). */
export function errorSchema(errors: FieldErrors): Record<string, unknown> {
  const schema: Record<string, unknown> = {};
  for (const [key, messages] of Object.entries(errors)) {
    let node = schema as Record<string, unknown>;
    for (const part of key ? key.split(".") : []) {
      node = (node[part] ??= {}) as Record<string, unknown>;
    }
    node.__errors = [...((node.__errors as string[]) ?? []), ...messages];
  }
  return schema;
}
