// '/merchant/reviews': reviews of the merchant's products, the unanswered first to hand; reply to each.
import { useState } from 'preact/hooks';
import { api, qs } from '../lib/api.ts';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, Field, PageTitle } from '../components/ui.tsx';
import { staffPage, type Page, Act } from './shared.tsx';
import type { Review } from './types.ts';

function ReplyForm({ review, onDone }: { review: Review; onDone: () => void }) {
  const [text, setText] = useState(review.reply?.text ?? '');
  return (
    <form onSubmit={(e) => e.preventDefault()}>
      <Field label={t('m.rv.replyTo', { sku: review.sku })}><textarea rows={3} maxLength={2000} value={text} onInput={(e) => setText(e.currentTarget.value)} /></Field>
      <Act class="primary" disabled={!text.trim()} action={async () => {
        await api.post(`/api/reviews/${review.id}/reply`, { text: text.trim() });
        onDone();
      }}>{review.reply ? t('m.rv.update') : t('m.rv.send')}</Act>
    </form>
  );
}

function Reviews() {
  const [unanswered, setUnanswered] = useState(true);
  const list = useLoad((signal) => api.get<Page<Review>>(`/api/merchant/reviews${qs({ unanswered: unanswered ? true : undefined, limit: 50 })}`, { signal }), [unanswered]);
  return (
    <section>
      <PageTitle>{t('m.rv.title')}</PageTitle>
      <label class="row"><input type="checkbox" checked={unanswered} onChange={(e) => setUnanswered(e.currentTarget.checked)} /> {t('m.rv.onlyUnanswered')}</label>
      <Async state={list}>
        {(p) => p.items.length === 0 ? <p>{t('m.rv.none')}</p> : (
          <ul class="plain">
            {p.items.map((r) => (
              <li key={r.id} class="card">
                <p><strong>{t('m.rv.rating', { n: r.rating })}</strong> · <span class="mono">{r.sku}</span> · {dateTime(r.createdAt)} {r.hidden && <span class="badge">{t('m.rv.hidden')}</span>}</p>
                <p>{r.text}</p>
                {r.reply && <p class="muted">{t('m.rv.yourReply')}: {r.reply.text}</p>}
                <ReplyForm review={r} onDone={list.reload} />
              </li>
            ))}
          </ul>
        )}
      </Async>
    </section>
  );
}

export const ReviewsPage = staffPage(Reviews);
