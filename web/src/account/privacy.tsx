// Privacy: consent per purpose (each change a ledger entry), its history, a download of everything
// held about you, and erasing your personal data.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, qs } from '../lib/api.ts';
import { consent, loadConsent, PURPOSES, saveConsent, type Purpose } from '../lib/events.ts';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import { useLoad, usePaged } from '../lib/use.ts';
import { ActionButton, Async, errorText, Field, PageTitle } from '../components/ui.tsx';
import { downloadJson } from '../store/data.ts';
import { AccountNav, SignedIn } from './guard.tsx';
import '../store/store.css';

interface HistoryItem { purpose: Purpose; granted: boolean; at: string; leafIndex: number | null }
interface History { items: HistoryItem[]; nextCursor: string | null }

export function PrivacyPage() {
  const [version, setVersion] = useState(0);
  return (
    <SignedIn buyer={false}>
      <section>
        <PageTitle>{t('account.privacy')}</PageTitle>
        {user.value?.role === 'buyer' && <AccountNav />}
        <ConsentForm onSaved={() => setVersion((v) => v + 1)} />
        <ConsentHistory key={version} />
        <section class="panel" aria-labelledby="export-h">
          <h2 id="export-h">{t('privacy.export')}</h2>
          <p>{t('privacy.exportText')}</p>
          <ActionButton action={async () => downloadJson(await api.get('/api/me/export'), `chainmall-personal-data-${user.value?.id ?? 'me'}.json`)}>{t('privacy.exportButton')}</ActionButton>
        </section>
        <Erasure />
      </section>
    </SignedIn>
  );
}

function ConsentForm({ onSaved }: { onSaved: () => void }) {
  const state = useLoad(() => loadConsent(), [user.value?.id]);
  return (
    <Async state={state}>{() => {
      const c = consent.value;
      if (!c) return null;
      return (
        <fieldset class="panel">
          <legend>{t('privacy.consent')}</legend>
          <p class="muted">{c.choiceMade ? t('privacy.consentText') : t('privacy.noChoice')}</p>
          {PURPOSES.map((p) => <ConsentToggle key={p} purpose={p} granted={c.purposes[p].granted} updatedAt={c.purposes[p].updatedAt} onSaved={onSaved} />)}
        </fieldset>
      );
    }}</Async>
  );
}

function ConsentToggle({ purpose, granted, updatedAt, onSaved }: { purpose: Purpose; granted: boolean; updatedAt: string | null; onSaved: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <div class="consent-toggle">
      <label class="choice">
        <input type="checkbox" checked={granted} disabled={busy} onChange={async (e) => {
          const v = e.currentTarget.checked;
          setBusy(true);
          setError(undefined);
          try {
            await saveConsent({ [purpose]: v });
            onSaved();
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }} />
        <strong>{t(`consent.purpose.${purpose}`)}</strong>
      </label>
      <p class="field-hint">{t(`consent.purpose.${purpose}.text`)}{updatedAt ? ` · ${t('privacy.changed', { at: dateTime(updatedAt) })}` : ''}</p>
      {error !== undefined && <p class="error" role="alert">{errorText(error)}</p>}
    </div>
  );
}

function ConsentHistory() {
  const { state, more } = usePaged<HistoryItem>((cursor) => `/api/privacy/consent/history${qs({ limit: 50, cursor })}`, (path) => api.get<History>(path));
  return (
    <section aria-labelledby="hist-h">
      <h2 id="hist-h">{t('privacy.history')}</h2>
      <Async state={state}>{(h) => {
        const items = h.items;
        if (items.length === 0) return <p class="muted">{t('state.empty')}</p>;
        return (
          <>
            <div class="table-wrap">
              <table>
                <thead><tr><th scope="col">{t('wallet.when')}</th><th scope="col">{t('privacy.purpose')}</th><th scope="col">{t('privacy.choice')}</th><th scope="col">{t('privacy.entry')}</th></tr></thead>
                <tbody>
                  {items.map((i, n) => (
                    <tr key={n}>
                      <td>{dateTime(i.at)}</td>
                      <td>{t(`consent.purpose.${i.purpose}`)}</td>
                      <td>{i.granted ? t('privacy.granted') : t('privacy.withdrawn')}</td>
                      <td>{i.leafIndex !== null ? <a href={`/explorer/entries/${i.leafIndex}`}>#{i.leafIndex}</a> : <span class="muted">{t('account.timeline.pending')}</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {more && <ActionButton action={more}>{t('common.more')}</ActionButton>}
          </>
        );
      }}</Async>
    </section>
  );
}

const CONFIRM = 'erase my personal data';

function erasureError(err: unknown): string {
  if (err instanceof ApiError && err.status === 409) {
    if (err.code === 'privacy.orders_open') return t('privacy.erase.ordersOpen', { detail: err.problem.detail ?? '' });
    if (err.code === 'privacy.funds_held') return t('privacy.erase.fundsHeld', { detail: err.problem.detail ?? '' });
    if (err.code === 'privacy.already_erased') return t('privacy.erase.already');
  }
  return errorText(err);
}

function Erasure() {
  const { route } = useLocation();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <form class="danger-zone" aria-labelledby="erase-h" onSubmit={async (e) => {
      e.preventDefault();
      if (typed.trim() !== CONFIRM) return;
      setBusy(true);
      setError(null);
      try {
        await api.post('/api/me/erasure', { confirm: CONFIRM });
        user.value = null;
        route('/');
      } catch (err) {
        setError(erasureError(err));
      } finally {
        setBusy(false);
      }
    }}>
      <h2 id="erase-h">{t('privacy.erase')}</h2>
      <p>{t('privacy.eraseText')}</p>
      <Field label={t('privacy.erase.type', { words: CONFIRM })}>
        <input autoComplete="off" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
      </Field>
      <button type="submit" class="danger" disabled={busy || typed.trim() !== CONFIRM}>{t('privacy.erase.submit')}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}
