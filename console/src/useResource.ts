// Load one API resource for a page: data, error, loading and reload.
import { useCallback, useEffect, useState } from "react";
import { ApiError } from "./api";
import { useAuth } from "./auth";

export type Resource<T> = { data: T | null; error: ApiError | null; loading: boolean; reload: () => void };

export function useResource<T>(path: string | null): Resource<T> {
  const { api } = useAuth();
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({
    data: null,
    error: null,
    loading: !!path,
  });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  useEffect(() => {
    if (!path) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    api<T>(path, { signal: controller.signal })
      .then((data) => setState({ data, error: null, loading: false }))
      .catch((error) => {
        if (error?.name === "AbortError") return;
        setState({ data: null, error: error instanceof ApiError ? error : new ApiError(0, null), loading: false });
      });
    return () => controller.abort();
  }, [api, path, round]);
  return { ...state, reload };
}
