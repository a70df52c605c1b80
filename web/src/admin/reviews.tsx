// '/admin/reviews': review moderation — hide a review from public lists, or show it again, with a reason.
import { useState } from 'preact/hooks';
import { api, qs } from '../lib/api.ts';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, Field, PageTitle } from '../components/ui.tsx';
import { Act, adminPage, canWrite, type Page } from './shared.tsx';

interface Review { id: string; productId: string; merchantId: string; sku: string; rating: number; text: string; createdAt: string; hidden: boolean; hiddenReason: string | null; reply: { text: string } | null }
const HIDE = ['spam', 'abuse', 'off_topic', 'personal_data', 'illegal', 'fake', 'other'];
const UNHIDE = ['appeal_upheld', 'moderation_error', 'edited', 'other'];

function Moderate({ r, onDone }: { r: Review; onDone: () => void }) {
  const options = r.hidden ? UNHIDE : HIDE;
  const [reason, setReason] = useState(options[0]!);
  return (
    <div class="form-row">
      <Field label={r.hidden ? t('a.rv.unhideReason') : t('a.rv.hideReason')}>
        <select value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
          {options.map((o) => <option key={o} value={o}>{t(`a.rv.reason.${o}`)}</option>)}
        </select>
      </Field>
      <Act class={r.hidden ? '' : 'danger'} action={async () => {
        await api.post(`/api/admin/reviews/${r.id}/${r.hidden ? 'unhide' : 'hide'}`, { reason });
        onDone();
      }}>{r.hidden ? t('a.rv.unhide') : t('a.rv.hide')}</Act>
    </div>
  );
}

function Reviews() {
  const [filter, setFilter] = useState('');
  const list = useLoad((signal) => api.get<Page<Review>>(`/api/admin/reviews${qs({ hidden: filter === '' ? undefined : filter, limit: 100 })}`, { signal }), [filter]);
  return (
    <section>
      <PageTitle>{t('a.rv.title')}</PageTitle>
      <Field label={t('a.rv.filter')}>
        <select value={filter} onChange={(e) => setFilter(e.currentTarget.value)}>
          <option value="">{t('a.rv.all')}</option>
          <option value="false">{t('a.rv.visible')}</option>
          <option value="true">{t('a.rv.hiddenOnly')}</option>
        </select>
      </Field>
      <Async state={list}>
        {(p) => p.items.length === 0 ? <p>{t('state.empty')}</p> : (
          <ul class="plain">
            {p.items.map((r) => (
              <li key={r.id} class="card">
                <p><strong>{t('m.rv.rating', { n: r.rating })}</strong> · <span class="mono">{r.sku}</span> · {dateTime(r.createdAt)} {r.hidden && <span class="badge">{t('a.rv.hiddenBecause', { reason: t(`a.rv.reason.${r.hiddenReason ?? 'other'}`) })}</span>}</p>
                <p>{r.text}</p>
                {r.reply && <p class="muted">{t('a.rv.reply')}: {r.reply.text}</p>}
                {canWrite() && <Moderate key={String(r.hidden)} r={r} onDone={list.reload} />}
              </li>
            ))}
          </ul>
        )}
      </Async>
    </section>
  );
}
export const ReviewsPage = adminPage(Reviews);
