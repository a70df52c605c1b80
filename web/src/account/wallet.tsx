// The buyer's wallet: balance, development top-up, sending money to another buyer, withdrawing,
// and the statement page by page.
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { api, ApiError, qs } from '../lib/api.ts';
import { dateTime, money, parseMoney } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad, usePaged } from '../lib/use.ts';
import { ActionButton, Async, errorText, Field, PageTitle } from '../components/ui.tsx';
import { AccountNav, SignedIn } from './guard.tsx';
import '../store/store.css';

interface Balance { account: string; currency: string; posted: string; pending: string; incoming: string; available: string }
interface Line { transfer: string; type: string; direction: 'in' | 'out'; amount: string; currency: string; code: string; pendingStatus: string | null; createdAt: string; balanceAfter: string; memo: string | null }
interface Statement { items: Line[]; nextCursor: string | null }

export function WalletPage() {
  const [version, setVersion] = useState(0);
  const bump = () => setVersion((v) => v + 1);
  const balance = useLoad(() => api.get<Balance>('/api/wallet'), [version]);
  // The last balance stays on screen while a new one loads, so the forms (and their messages) stay.
  const last = useRef<Balance | undefined>(undefined);
  if (balance.data) last.current = balance.data;
  const b = balance.data ?? last.current;
  return (
    <SignedIn>
      <section>
        <PageTitle>{t('account.wallet')}</PageTitle>
        <AccountNav />
        {!b ? <Async state={balance}>{() => null}</Async> : (
          <>
            <section class="panel" aria-labelledby="bal-h" aria-busy={balance.loading}>
              <h2 id="bal-h">{t('wallet.balance')}</h2>
              <p class="stat" data-testid="wallet-available">{money(b.available, b.currency)}</p>
              <p class="muted">{t('wallet.detail', { posted: money(b.posted, b.currency), pending: money(b.pending, b.currency), incoming: money(b.incoming, b.currency) })}</p>
            </section>
            <div class="form-grid wallet-forms">
              <TopUp currency={b.currency} done={bump} />
              <Transfer currency={b.currency} done={bump} />
              <Withdraw currency={b.currency} done={bump} />
            </div>
            <StatementTable key={version} />
          </>
        )}
      </section>
    </SignedIn>
  );
}

function MoneyForm({ title, submit, label, children, currency }: { title: string; label: string; currency: string; submit: (minor: string) => Promise<string>; children?: ComponentChildren }) {
  const [amount, setAmount] = useState('');
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const id = title.replace(/\W+/g, '-').toLowerCase();
  return (
    <form class="card" aria-labelledby={id} onSubmit={async (e) => {
      e.preventDefault();
      const minor = parseMoney(amount, currency);
      if (!minor || minor === '0') { setMsg({ ok: false, text: t('account.amountInvalid') }); return; }
      setBusy(true);
      setMsg(null);
      try {
        setMsg({ ok: true, text: await submit(minor) });
        setAmount('');
      } catch (err) {
        setMsg({ ok: false, text: err instanceof ApiError && err.status === 404 && err.code !== 'accounts.not_found' && id === 'wallet-topup' ? t('wallet.topup.off') : errorText(err) });
      } finally {
        setBusy(false);
      }
    }}>
      <h2 id={id}>{title}</h2>
      <Field label={t('wallet.amount', { currency })}>
        <input inputMode="decimal" required value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
      </Field>
      {children}
      <button type="submit" disabled={busy}>{label}</button>
      {msg && <p class={msg.ok ? 'ok' : 'error'} role={msg.ok ? 'status' : 'alert'}>{msg.text}</p>}
    </form>
  );
}

function TopUp({ currency, done }: { currency: string; done: () => void }) {
  return (
    <MoneyForm title={t('wallet.topup')} label={t('wallet.topup.submit')} currency={currency} submit={async (amountMinor) => {
      const r = await api.command<{ amount: string; currency: string }>('/api/wallet/dev-top-ups', { amountMinor, currency });
      done();
      return t('wallet.topup.done', { amount: money(r.amount, r.currency) });
    }}>
      <p class="field-hint">{t('wallet.topup.hint')}</p>
    </MoneyForm>
  );
}

function Transfer({ currency, done }: { currency: string; done: () => void }) {
  const [to, setTo] = useState('');
  const [memo, setMemo] = useState('');
  return (
    <MoneyForm title={t('wallet.transfer')} label={t('wallet.transfer.submit')} currency={currency} submit={async (amountMinor) => {
      const r = await api.command<{ amount: string; currency: string }>('/api/wallet/transfers', { to: to.trim(), amountMinor, currency, ...(memo.trim() ? { memo: memo.trim() } : {}) });
      done();
      return t('wallet.transfer.done', { amount: money(r.amount, r.currency), to: to.trim() });
    }}>
      <Field label={t('wallet.transfer.to')}><input type="email" required value={to} onInput={(e) => setTo(e.currentTarget.value)} /></Field>
      <Field label={t('wallet.transfer.memo')}><input maxLength={140} value={memo} onInput={(e) => setMemo(e.currentTarget.value)} /></Field>
    </MoneyForm>
  );
}

function Withdraw({ currency, done }: { currency: string; done: () => void }) {
  const [destination, setDestination] = useState('');
  return (
    <MoneyForm title={t('wallet.withdraw')} label={t('wallet.withdraw.submit')} currency={currency} submit={async (amountMinor) => {
      await api.command('/api/wallet/withdrawals', { amountMinor, currency, destination: destination.trim() });
      done();
      return t('wallet.withdraw.done');
    }}>
      <Field label={t('wallet.withdraw.destination')} hint={t('wallet.withdraw.hint')}><input required value={destination} onInput={(e) => setDestination(e.currentTarget.value)} /></Field>
    </MoneyForm>
  );
}

function StatementTable() {
  const { state, more } = usePaged<Line>((cursor) => `/api/wallet/statement${qs({ limit: 20, cursor })}`, (path) => api.get<Statement>(path));
  return (
    <section aria-labelledby="stmt-h">
      <h2 id="stmt-h">{t('wallet.statement')}</h2>
      <Async state={state}>{(s) => {
        const lines = s.items;
        if (lines.length === 0) return <p class="muted">{t('state.empty')}</p>;
        return (
          <>
            <div class="table-wrap">
              <table>
                <thead><tr><th scope="col">{t('wallet.when')}</th><th scope="col">{t('wallet.what')}</th><th scope="col">{t('wallet.amountCol')}</th><th scope="col">{t('wallet.after')}</th></tr></thead>
                <tbody>
                  {lines.map((l) => (
                    <tr key={`${l.transfer}-${l.type}`}>
                      <td>{dateTime(l.createdAt)}</td>
                      <td>{t(`wallet.code.${l.code}`) === `wallet.code.${l.code}` ? l.code : t(`wallet.code.${l.code}`)}{l.type === 'pending' ? ` (${t('wallet.held')})` : l.type === 'void' ? ` (${t('wallet.released')})` : ''}{l.memo ? ` — ${l.memo}` : ''}</td>
                      <td class={l.direction === 'in' ? 'ok' : ''}>{l.direction === 'in' ? '+' : '−'}{money(l.amount, l.currency)}</td>
                      <td>{money(l.balanceAfter, l.currency)}</td>
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
