// '/merchant/chain': on-chain settlement — opt in, the custodial address, the token balance, and
// what is still waiting to be sent. Orders' own chain transactions are on their order pages.
import { api } from '../lib/api.ts';
import { dateTime, money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, PageTitle } from '../components/ui.tsx';
import { staffPage, Act } from './shared.tsx';

interface ChainView {
  optedIn: boolean;
  address: string | null;
  optedInAt: string | null;
  currency: string;
  token: string;
  escrow: string;
  chainId: number;
  tokenBalanceMinor: string | null;
  pendingOperations: number;
}

function Chain() {
  const view = useLoad((signal) => api.get<ChainView>('/api/merchant/chain', { signal }));
  return (
    <section>
      <PageTitle>{t('m.chain.title')}</PageTitle>
      <p class="muted">{t('m.chain.help')}</p>
      <Async state={view}>
        {(v) => (
          <>
            <dl class="facts">
              <dt>{t('common.status')}</dt><dd>{v.optedIn ? t('m.chain.on', { at: dateTime(v.optedInAt!) }) : t('m.chain.off')}</dd>
              {v.address && <><dt>{t('m.chain.address')}</dt><dd class="mono">{v.address}</dd></>}
              {v.tokenBalanceMinor !== null && <><dt>{t('m.chain.balance')}</dt><dd>{money(v.tokenBalanceMinor, v.currency)}</dd></>}
              <dt>{t('m.chain.pending')}</dt><dd>{v.pendingOperations}</dd>
              <dt>{t('m.chain.contracts')}</dt><dd class="mono">{t('m.chain.contractsValue', { chain: String(v.chainId), escrow: v.escrow, token: v.token })}</dd>
            </dl>
            {!v.optedIn && (
              <Act class="primary" action={async () => { await api.command('/api/merchant/chain/opt-in'); view.reload(); }}>{t('m.chain.optIn')}</Act>
            )}
          </>
        )}
      </Async>
    </section>
  );
}

export const ChainPage = staffPage(Chain);
