// Small shared pieces: loading and error states, fields, buttons that show progress.
import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import type { Loaded } from '../lib/use.ts';

/** A problem+json (or any error) in words a person understands. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const detail = err.problem.detail ?? '';
    if (err.status === 0) return t('error.network');
    if (err.status >= 500) return t('error.500');
    if ([400, 401, 403, 404, 409, 429].includes(err.status)) return t(`error.${err.status}`, { detail });
    return t('error.generic', { detail });
  }
  return t('error.generic', { detail: err instanceof Error ? err.message : String(err) });
}

export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div class="error" role="alert">
      <p>{errorText(error)}</p>
      {onRetry && <button type="button" onClick={onRetry}>{t('state.retry')}</button>}
    </div>
  );
}

export function Loading() {
  return <p class="loading" role="status" aria-live="polite">{t('state.loading')}</p>;
}

/** Renders loading, error or the data. */
export function Async<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (state.error) return <ErrorMessage error={state.error} onRetry={state.reload} />;
  if (state.loading || state.data === undefined) return <Loading />;
  return <>{children(state.data)}</>;
}

export function Field({ label, hint, children }: { label: string; hint?: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      {children}
      {hint && <span class="field-hint">{hint}</span>}
    </label>
  );
}

/** A button running an async action: disabled while it runs, its error shown next to it. */
export function ActionButton({ action, children, class: cls, disabled, ...rest }: { action: () => Promise<unknown>; children: ComponentChildren; class?: string; disabled?: boolean | undefined } & Omit<JSX.HTMLAttributes<HTMLButtonElement>, 'onClick' | 'class' | 'disabled'>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <span class="action">
      <button type="button" class={cls} {...rest} disabled={busy || !!disabled} aria-busy={busy} onClick={async () => {
        setBusy(true);
        setError(undefined);
        try {
          await action();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}>{children}</button>
      {error !== undefined && <span class="error inline" role="alert">{errorText(error)}</span>}
    </span>
  );
}

export function PageTitle({ children }: { children: ComponentChildren }) {
  return <h1 tabIndex={-1} class="page-title">{children}</h1>;
}
