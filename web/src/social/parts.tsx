// Pieces the product page places: follow the seller, add to a wishlist, share (referral link),
// questions and answers, and the ?ref= capture.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, qs } from '../lib/api.ts';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import { useLoad, usePaged } from '../lib/use.ts';
import { ActionButton, Async, errorText } from '../components/ui.tsx';
import { recordReferral, rememberReferral, type Answer, type FollowState, type Page, type Question, type ReferralLink, type Wishlist, type WishlistSummary } from './data.ts';
import './i18n.ts';
import './social.css';

const signInHref = () => `/signin?next=${encodeURIComponent(location.pathname + location.search)}`;

/** Follow / unfollow a merchant, with the public follower count. */
export function FollowButton({ merchantId, name }: { merchantId: string; name: string }) {
  const u = user.value;
  const state = useLoad(() => api.get<FollowState>(`/api/merchants/${encodeURIComponent(merchantId)}/followers`), [merchantId, u?.id]);
  const [now, setNow] = useState<FollowState | null>(null);
  const s = now ?? state.data;
  if (!s) return null;
  const count = <span class="muted"> · {t('social.followers', { n: s.followers })}</span>;
  if (!u || u.role !== 'buyer') return <span class="follow">{!u && <a href={signInHref()}>{t('social.signInToFollow')}</a>}{count}</span>;
  return (
    <span class="follow">
      <ActionButton class="small" aria-pressed={s.following} aria-label={s.following ? `${t('social.following')} – ${t('social.unfollow')} ${name}` : t('social.followLabel', { name })}
        action={async () => setNow(await (s.following ? api.delete<FollowState> : (p: string) => api.put<FollowState>(p, {}))(`/api/me/follows/${encodeURIComponent(merchantId)}`))}>
        {s.following ? `✓ ${t('social.following')}` : `+ ${t('social.follow')}`}
      </ActionButton>
      {count}
    </span>
  );
}

/** "Add to wishlist" and "Share" for a product. */
export function ProductSocial({ productId }: { productId: string }) {
  return (
    <div class="row social-actions">
      <AddToWishlist productId={productId} />
      <Share productId={productId} />
    </div>
  );
}

function AddToWishlist({ productId }: { productId: string }) {
  const u = user.value;
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const lists = useLoad(async () => (open && u?.role === 'buyer' ? (await api.get<Page<WishlistSummary>>('/api/me/wishlists?limit=100')).items : []), [open, u?.id]);
  const [pick, setPick] = useState('');
  if (u === null) return <a href={signInHref()}>{t('social.wl.signIn')}</a>;
  if (!u || u.role !== 'buyer') return null;
  return (
    <details class="wl-add" open={open} onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>♡ {t('social.wl.add')}</summary>
      <Async state={lists}>{(ls) => (
        <form class="row" onSubmit={async (e) => {
          e.preventDefault();
          setMessage(null);
          try {
            let id = pick || ls[0]?.id;
            if (!id) id = (await api.post<Wishlist>('/api/me/wishlists', { name: t('social.wl.defaultName') })).id;
            const w = await api.put<Wishlist>(`/api/me/wishlists/${encodeURIComponent(id)}/items/${encodeURIComponent(productId)}`, {});
            setMessage({ ok: true, text: t('social.wl.added', { name: w.name }) });
          } catch (err) {
            setMessage({ ok: false, text: errorText(err) });
          }
        }}>
          {ls.length > 0 && (
            <label>
              <span class="sr-only">{t('social.wl.pick')}</span>
              <select value={pick || ls[0]!.id} onChange={(e) => setPick(e.currentTarget.value)}>
                {ls.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
              </select>
            </label>
          )}
          <button type="submit" class="small">{t('social.wl.add')}</button>
          {message && <span class={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>{message.text}</span>}
        </form>
      )}</Async>
    </details>
  );
}

function Share({ productId }: { productId: string }) {
  const u = user.value;
  const [link, setLink] = useState<string | null>(null);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  if (u === null) return <a href={signInHref()}>{t('social.share.signIn')}</a>;
  if (!u) return null;
  return (
    <span class="share">
      <ActionButton class="small" action={async () => {
        const l = await api.post<ReferralLink>('/api/referrals', { productId });
        const abs = new URL(l.url, location.origin).href;
        setLink(abs);
        try {
          await navigator.clipboard.writeText(abs);
          setNote({ ok: true, text: t('social.share.copied') });
        } catch {
          setNote({ ok: false, text: t('social.share.copyFailed') });
        }
      }}>↗ {t('social.share')}</ActionButton>
      {link && (
        <label class="share-link">
          <span class="sr-only">{t('social.share.label')}</span>
          <input type="text" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
        </label>
      )}
      {note && <span class={note.ok ? 'ok' : 'muted'} role="status">{note.text}</span>}
    </span>
  );
}

/**
 * The ?ref= capture: a signed-in buyer's visit is recorded at once; a visitor's code is kept in
 * localStorage and recorded after sign-in (on the next product page, feed or referrals page).
 */
export function ReferralCapture() {
  const { query } = useLocation();
  const u = user.value;
  const code = query['ref'];
  const [recorded, setRecorded] = useState(false);
  useEffect(() => {
    if (u === undefined) return;
    if (code && (u === null || u.role !== 'buyer')) {
      if (u === null) rememberReferral(code);
      return;
    }
    if (u?.role === 'buyer') void recordReferral(code || undefined).then((ok) => ok && code && setRecorded(true));
  }, [code, u?.id]);
  return recorded ? <p class="muted" role="status">{t('social.ref.recorded')}</p> : null;
}

/** Questions and answers of a product: public list, ask (buyers), answer (seller's staff, verified buyers), hide (admins). */
export function QASection({ productId }: { productId: string }) {
  const u = user.value;
  const [tick, setTick] = useState(0);
  const { state, more } = usePaged<Question>((cursor) => `/api/products/${encodeURIComponent(productId)}/questions${qs({ limit: 10, cursor })}`, (p) => api.get<Page<Question>>(p), [productId, tick]);
  const reload = () => setTick((n) => n + 1);
  return (
    <section class="qa" aria-labelledby="qa-h">
      <h2 id="qa-h">{t('social.qa.title')}</h2>
      {u?.role === 'buyer' ? <AskForm productId={productId} onDone={reload} /> : u === null ? <p><a href={signInHref()}>{t('social.qa.signIn')}</a></p> : null}
      <Async state={state}>{(p) => (
        p.items.length === 0 ? <p class="muted">{t('social.qa.empty')}</p> : (
          <>
            <ul class="bare qa-list">
              {p.items.map((q) => <QuestionItem key={q.id} q={q} onChange={reload} />)}
            </ul>
            {more && <ActionButton action={more}>{t('common.more')}</ActionButton>}
          </>
        )
      )}</Async>
    </section>
  );
}

function AskForm({ productId, onDone }: { productId: string; onDone: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form class="qa-ask" onSubmit={async (e) => {
      e.preventDefault();
      setBusy(true);
      setError(null);
      try {
        await api.post(`/api/products/${encodeURIComponent(productId)}/questions`, { text });
        setText('');
        onDone();
      } catch (err) {
        setError(errorText(err));
      } finally {
        setBusy(false);
      }
    }}>
      <label>
        <span>{t('social.qa.question')}</span>
        <input type="text" required maxLength={500} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={busy || text.trim() === ''}>{t('social.qa.ask')}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

function QuestionItem({ q, onChange }: { q: Question; onChange: () => void }) {
  const u = user.value;
  const [answering, setAnswering] = useState(false);
  const canTry = u?.role === 'buyer' || u?.role === 'merchant_staff';
  const hide = (kind: 'questions' | 'answers', id: string) => async () => {
    await api.post(`/api/admin/${kind}/${encodeURIComponent(id)}/moderation`, { hidden: true });
    onChange();
  };
  return (
    <li class="card">
      <p><strong>Q:</strong> {q.text} <span class="muted">· {t('social.qa.asked', { at: dateTime(q.createdAt) })}</span>
        {u?.role === 'admin' && <ActionButton class="small" action={hide('questions', q.id)}>{t('social.qa.hide')}</ActionButton>}
      </p>
      {q.answers.length === 0 ? <p class="muted">{t('social.qa.noAnswers')}</p> : (
        <ul class="bare qa-answers" aria-label={t('social.qa.answers')}>
          {q.answers.map((a: Answer) => (
            <li key={a.id}>
              <span class={`badge ${a.badge}`}>{t(`social.qa.${a.badge}`)}</span> <span class="qa-text">{a.text}</span> <span class="muted">· {dateTime(a.createdAt)}</span>
              {u?.role === 'admin' && <ActionButton class="small" action={hide('answers', a.id)}>{t('social.qa.hide')}</ActionButton>}
            </li>
          ))}
        </ul>
      )}
      {canTry && (answering ? <AnswerForm questionId={q.id} onDone={() => { setAnswering(false); onChange(); }} /> : (
        <button type="button" class="small" onClick={() => setAnswering(true)}>{t('social.qa.answer')}</button>
      ))}
    </li>
  );
}

function AnswerForm({ questionId, onDone }: { questionId: string; onDone: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = `ans-${questionId}`;
  return (
    <form onSubmit={async (e) => {
      e.preventDefault();
      setBusy(true);
      setError(null);
      try {
        await api.post(`/api/questions/${encodeURIComponent(questionId)}/answers`, { text });
        onDone();
      } catch (err) {
        setError(err instanceof ApiError && err.code === 'qa.not_allowed' ? t('social.qa.notAllowed') : errorText(err));
      } finally {
        setBusy(false);
      }
    }}>
      <label for={id}>{t('social.qa.yourAnswer')}</label>
      <textarea id={id} required maxLength={2000} rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <button type="submit" disabled={busy || text.trim() === ''}>{t('social.qa.send')}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}
