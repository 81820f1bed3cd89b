// A form's submission: busy while it runs, the refusal to show above the form, a 422's errors by
// field (FastAPI's / the workflow's [{loc, msg}]), the success message and what follows it.
import { App } from "antd";
import { useCallback, useRef, useState } from "react";
import { ApiError, fieldErrors, type FieldErrors } from "./api";

export type SubmitOptions<R> = {
  /** Shown (antd message) when the action succeeds. */
  success?: string | ((result: R) => string);
  /** After the success message: navigate, reset the form, reload the page's data… */
  onSuccess?: (result: R) => void;
  /**
   * A 422's field errors: show them on the form's fields, and answer whether all were shown
   * there (then no banner). Without it every refusal goes to the banner.
   */
  onFieldErrors?: (errors: FieldErrors) => boolean;
};

export type Submission<A extends unknown[]> = {
  busy: boolean;
  /** The refusal to show above the form (null: none). */
  failure: ApiError | null;
  /** The last 422's errors by field path ("" for one without a field). */
  errors: FieldErrors;
  run: (...args: A) => Promise<void>;
};

export function useSubmit<A extends unknown[], R>(
  action: (...args: A) => Promise<R>,
  options: SubmitOptions<R> = {},
): Submission<A> {
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  // the latest action and options (closures over the form's state), without re-creating run
  const latest = useRef({ action, options });
  latest.current = { action, options };

  const run = useCallback(
    async (...args: A) => {
      const { action, options } = latest.current;
      setBusy(true);
      setFailure(null);
      setErrors({});
      try {
        const result = await action(...args);
        const success = typeof options.success === "function" ? options.success(result) : options.success;
        if (success) message.success(success);
        options.onSuccess?.(result);
      } catch (e) {
        const error = e instanceof ApiError ? e : new ApiError(-1, String((e as Error)?.message ?? e)); // a bug: its words
        const found = error.status === 422 ? fieldErrors(error.detail) : {};
        setErrors(found);
        const onFields = error.status === 422 && Array.isArray(error.detail) && !!options.onFieldErrors?.(found);
        if (!onFields) setFailure(error);
      } finally {
        setBusy(false);
      }
    },
    [message],
  );
  return { busy, failure, errors, run };
}
