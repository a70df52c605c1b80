// '/merchant/ads': the ad balance, funding it from the receivable, and its statement.
import { useState } from 'preact/hooks';
import { api, qs } from '../lib/api.ts';
import { dateTime, money, parseMoney } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad, usePaged } from '../lib/use.ts';
import { ActionButton, Async, Field, PageTitle } from '../components/ui.tsx';
import { adsPage, type AdBalance, type StatementLine } from './data.ts';

function Balance() {
  const balance = useLoad((signal) => api.get<AdBalance>('/api/merchant/ads', { signal }));
  const [tick, setTick] = useState(0);
  const statement = usePaged<StatementLine>(
    (cursor) => `/api/merchant/ads/statement${qs({ cursor, limit: 50 })}`,
    (path) => api.get<{ items: StatementLine[]; nextCursor: string | null }>(path),
    [tick],
  );
  const [amount, setAmount] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [bad, setBad] = useState(false);
  const currency = balance.data?.currency ?? 'CNY';
  return (
    <section>
      <PageTitle>{t('ads.balance.title')}</PageTitle>
      <Async state={balance}>
        {(b) => (
          <div class="grid">
            <div class="card"><div>{t('ads.balance.available')}</div><p class="stat">{money(b.availableMinor, b.currency)}</p></div>
            <div class="card"><div>{t('ads.balance.receivable')}</div><p class="stat">{money(b.receivableAvailableMinor, b.currency)}</p></div>
          </div>
        )}
      </Async>
      <h2>{t('ads.fund.title')}</h2>
      <form class="ads-form" onSubmit={(e) => e.preventDefault()}>
        <Field label={t('ads.fund.amount')} hint={t('ads.fund.hint')}>
          <input inputMode="decimal" value={amount} onInput={(e) => { setAmount(e.currentTarget.value); setBad(false); }} aria-invalid={bad} />
        </Field>
        {bad && <p class="error" role="alert">{t('ads.fund.bad')}</p>}
        <ActionButton class="primary" action={async () => {
          const minor = parseMoney(amount, currency);
          if (minor === null || minor === '0') {
            setBad(true);
            return;
          }
          await api.command('/api/merchant/ads/fund', { amountMinor: minor });
          setDone(money(minor, currency));
          setAmount('');
          balance.reload();
          setTick((n) => n + 1);
        }}>{t('ads.fund.submit')}</ActionButton>
        {done && <p role="status">{t('ads.fund.done', { amount: done })}</p>}
      </form>
      <h2>{t('ads.statement.title')}</h2>
      <Async state={statement.state}>
        {(s) => s.items.length === 0 ? <p class="muted">{t('ads.statement.none')}</p> : (
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">{t('ads.statement.when')}</th><th scope="col">{t('ads.statement.what')}</th><th scope="col">{t('ads.statement.amount')}</th><th scope="col">{t('ads.statement.after')}</th></tr></thead>
              <tbody>
                {s.items.map((l) => (
                  <tr key={l.transfer}>
                    <td>{dateTime(l.createdAt)}</td>
                    <td>{t(`ads.code.${l.code}`)}</td>
                    <td>{l.direction === 'debit' ? '−' : '+'}{money(l.amountMinor, currency)}</td>
                    <td>{money(l.balanceAfterMinor, currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
      {statement.more && <ActionButton action={statement.more}>{t('common.more')}</ActionButton>}
    </section>
  );
}

export const AdsBalancePage = adsPage(Balance);
