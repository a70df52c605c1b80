// '/verify': any receipt — an order receipt or a ledger entry receipt — verified in this browser with
// the server's own pure verifiers. The receipt comes from a file, from pasting, or is handed over by
// another page: /verify?entry=<index> (fetched from the public ledger API), /verify?receipt=<URL-encoded
// JSON>, or sessionStorage 'cm_receipt' (read once, then removed).
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { Async, ErrorMessage, Field, PageTitle } from '../components/ui.tsx';
import { api } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { RECEIPT_STORAGE_KEY } from './handover.ts';
import { verifyText, type Check, type Outcome } from './verifier.ts';
import './verify.css';

interface KeyView {
  origin: string;
  verifierKey: string;
}

/** A check's name in the reader's language: "step 2: entry" → "Step 2 — entry". */
export function checkLabel(name: string): string {
  const step = /^step (\d+)(?:: (.*))?$/.exec(name);
  if (step) {
    const n = t('verify.check.step', { n: step[1]! });
    return step[2] ? `${n} — ${t(`verify.check.${step[2]}`)}` : n;
  }
  return t(`verify.check.${name}`);
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function VerifyPage() {
  const { query } = useLocation();
  const keyState = useLoad((signal) => api.get<KeyView>('/api/ledger/key', { signal }), []);
  const [vkey, setVkey] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [handover, setHandover] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<unknown>(undefined);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const serverKey = keyState.data?.verifierKey;
  const key = vkey ?? serverKey ?? '';

  // A receipt handed over by another page.
  useEffect(() => {
    const ctl = new AbortController();
    const fromQuery = query['receipt'];
    const entry = query['entry'];
    let stored: string | null = null;
    try {
      stored = sessionStorage.getItem(RECEIPT_STORAGE_KEY);
      if (stored !== null) sessionStorage.removeItem(RECEIPT_STORAGE_KEY);
    } catch {
      stored = null;
    }
    if (fromQuery) {
      setText(pretty(fromQuery));
      setHandover(t('verify.from.page'));
      setPending(true);
    } else if (entry && /^\d+$/.test(entry)) {
      api.get<unknown>(`/api/ledger/entries/${entry}/receipt`, { signal: ctl.signal }).then(
        (r) => {
          setText(JSON.stringify(r, null, 2));
          setHandover(t('verify.from.entry', { index: entry }));
          setPending(true);
        },
        (err: unknown) => !ctl.signal.aborted && setProblem(err),
      );
    } else if (stored) {
      setText(pretty(stored));
      setHandover(t('verify.from.page'));
      setPending(true);
    }
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query['receipt'], query['entry']]);

  const run = () => {
    setProblem(undefined);
    if (!text.trim()) return setProblem(new Error(t('verify.empty')));
    if (!key.trim()) return setProblem(new Error(t('verify.noKey')));
    setOutcome(verifyText(text, key.trim()));
  };

  // Verify a handed-over receipt as soon as the server's key is known.
  useEffect(() => {
    if (pending && key) {
      setPending(false);
      run();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pending, key]);

  const onFile = async (ev: Event) => {
    const file = (ev.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      setText(await file.text());
      setOutcome(null);
      setHandover(null);
    } catch {
      setProblem(new Error(t('verify.fileError')));
    }
  };

  return (
    <section>
      <PageTitle>{t('verify.title')}</PageTitle>
      <p class="muted">{t('verify.intro')}</p>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          run();
        }}
      >
        <Async state={keyState}>
          {(k) => (
            <Field label={t('verify.key')} hint={t('verify.keyHint', { origin: k.origin })}>
              <input class="verify-key" name="vkey" value={key} spellcheck={false} autoComplete="off" onInput={(e) => setVkey((e.currentTarget as HTMLInputElement).value)} />
            </Field>
          )}
        </Async>
        {vkey !== null && serverKey !== undefined && vkey !== serverKey && (
          <p>
            <button type="button" onClick={() => setVkey(null)}>{t('verify.keyReset')}</button>
          </p>
        )}
        <Field label={t('verify.file')} hint={t('verify.fileHint')}>
          <input type="file" accept=".json,application/json" onChange={onFile} />
        </Field>
        <Field label={t('verify.text')} hint={t('verify.textHint')}>
          <textarea
            class="verify-text"
            spellcheck={false}
            value={text}
            onInput={(e) => {
              setText((e.currentTarget as HTMLTextAreaElement).value);
              setOutcome(null);
            }}
          />
        </Field>
        {handover && <p class="muted">{t('verify.handover', { from: handover })}</p>}
        <button type="submit" class="primary">{t('verify.submit')}</button>
      </form>
      {problem !== undefined && <ErrorMessage error={problem} />}
      {outcome && <Result outcome={outcome} />}
      <p class="muted field-hint">{t('verify.how')}</p>
    </section>
  );
}

function Result({ outcome }: { outcome: Outcome }) {
  return (
    <section class="panel" aria-labelledby="verify-result" role="status">
      <h2 id="verify-result">{t('verify.result')}</h2>
      <p class={`verify-verdict ${outcome.ok ? 'ok' : 'bad'}`}>
        <strong data-testid="verdict">{outcome.ok ? t('verify.verified') : t('verify.failed')}</strong> · {t(`verify.kind.${outcome.kind}`)}
      </p>
      <p>{outcome.ok ? t('verify.verifiedText') : t('verify.failedText')}</p>
      <div class="table-wrap">
        <table class="verify-checks">
          <caption class="sr-only">{t('verify.checks')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('verify.col.check')}</th>
              <th scope="col">{t('verify.col.result')}</th>
              <th scope="col">{t('verify.col.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {outcome.checks.map((c: Check, i) => (
              <tr key={i} data-check={c.name} data-ok={String(c.ok)}>
                <th scope="row">{checkLabel(c.name)}</th>
                <td class={c.ok ? 'ok' : 'error'}>{c.ok ? `✓ ${t('verify.pass')}` : `✗ ${t('verify.fail')}`}</td>
                <td class="verify-detail">{c.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
