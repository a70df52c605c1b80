// '/live': live and upcoming sessions. '/live/:id': the player, the chat (SSE), the viewer count and
// the pinned products with their live price, remaining quota and "Buy now"; the replay once ended.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, newIdempotencyKey, qs } from '../lib/api.ts';
import { dateTime, money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import { useLoad, usePaged } from '../lib/use.ts';
import { Async, errorText, Field, PageTitle } from '../components/ui.tsx';
import type { Address, Checkout, Profile } from '../store/data.ts';
import { requestSmsCode, SmsStep, smsNeeded, type SmsNeeded } from '../store/sms.tsx';
import { useLiveEvents, type Message, type Page, type Pin, type Replay, type Session, type SessionState } from './data.ts';
import { Player } from './player.tsx';
import './i18n.ts';
import './live.css';

export function StateBadge({ state }: { state: SessionState }) {
  return <span class={`badge live-state-${state}`}>{t(`live.state.${state}`)}</span>;
}

function when(s: Session): string {
  if (s.state === 'live' && s.startedAt) return t('live.startedAt', { at: dateTime(s.startedAt) });
  if (s.state === 'ended' && s.endedAt) return t('live.endedAt', { at: dateTime(s.endedAt) });
  return t('live.startsAt', { at: dateTime(s.scheduledAt) });
}

export function LiveListPage() {
  const { state, more } = usePaged<Session>((c) => `/api/live${qs({ cursor: c, limit: 20 })}`, (p) => api.get<Page<Session>>(p));
  const u = user.value;
  return (
    <section class="live">
      <PageTitle>{t('live.list.title')}</PageTitle>
      {u?.role === 'merchant_staff' && <p><a href="/merchant/live">{t('live.list.console')}</a></p>}
      <Async state={state}>
        {(d) => d.items.length === 0 ? <p>{t('live.list.empty')}</p> : (
          <ul class="plain live-list">
            {[...d.items].sort((a, b) => Number(b.state === 'live') - Number(a.state === 'live')).map((s) => (
              <li key={s.id} class="card">
                <p class="spread"><a href={`/live/${s.id}`}><strong>{s.title}</strong></a><StateBadge state={s.state} /></p>
                <p class="muted">{when(s)}{s.state === 'live' ? ` · ${t('live.viewers', { n: s.viewers })}` : ''}</p>
                {s.description && <p>{s.description}</p>}
              </li>
            ))}
          </ul>
        )}
      </Async>
      {more && <button type="button" onClick={() => void more()}>{t('live.list.more')}</button>}
    </section>
  );
}

export function LivePage({ id }: { id: string }) {
  const session = useLoad((signal) => api.get<Session>(`/api/live/${encodeURIComponent(id)}`, { signal }), [id]);
  return (
    <section class="live">
      <Async state={session}>{(s) => (s.state === 'ended' ? <ReplayView session={s} /> : <Watch session={s} />)}</Async>
    </section>
  );
}

function Watch({ session }: { session: Session }) {
  const ev = useLiveEvents(session.id);
  const state = ev.state ?? session.state;
  const pins = ev.pins ?? session.pins;
  const viewers = ev.viewers ?? session.viewers;
  if (state === 'ended') return <ReplayView session={{ ...session, state }} />;
  return (
    <>
      <PageTitle>{session.title}</PageTitle>
      <p class="row"><StateBadge state={state} /> <span class="muted">{when({ ...session, state })}</span> <span class="live-viewers" aria-live="polite" data-testid="viewers">{t('live.viewers', { n: viewers })}</span></p>
      <div class="live-grid">
        <div class="live-main">
          <Player src={session.streamUrl} active={state === 'live'} title={session.title} />
          {session.description && <p>{session.description}</p>}
          <Pins sessionId={session.id} pins={pins} live={state === 'live'} />
        </div>
        <Chat sessionId={session.id} messages={ev.messages} open connected={ev.connected} />
      </div>
    </>
  );
}

function Pins({ sessionId, pins, live }: { sessionId: string; pins: Pin[]; live: boolean }) {
  const [buying, setBuying] = useState<string | null>(null);
  return (
    <section class="panel" aria-labelledby="pins-h">
      <h2 id="pins-h">{t('live.pins.title')}</h2>
      {pins.length === 0 ? <p class="muted">{t('live.pins.empty')}</p> : (
        <ul class="plain live-pins">
          {pins.map((p) => {
            const name = p.name ?? p.sku ?? p.variantId;
            return (
              <li key={p.id} class="card live-pin" data-testid="live-pin">
                <p class="spread"><strong>{name}</strong><strong class="live-price">{money(p.livePriceMinor, p.currency)}</strong></p>
                {p.listPriceMinor && p.listPriceMinor !== p.livePriceMinor && <p class="muted"><s>{t('live.pins.list', { price: money(p.listPriceMinor, p.currency) })}</s></p>}
                <p class="muted" data-testid="live-remaining">{p.remaining > 0 ? t('live.pins.left', { n: p.remaining, quota: p.quota }) : t('live.pins.soldOut')}</p>
                {buying === p.id
                  ? <BuyNow sessionId={sessionId} pin={p} onClose={() => setBuying(null)} />
                  : <button type="button" class="primary" disabled={!live || p.remaining === 0 || p.name === null} aria-label={t('live.buy.label', { name })} onClick={() => setBuying(p.id)}>{t('live.buy')}</button>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

const EMPTY: Address = { recipient: '', phone: '', country: 'CN', city: '', line1: '' };

/** One unit at the live price, paid from the wallet, shipped to a saved address (or one typed here). */
function BuyNow({ sessionId, pin, onClose }: { sessionId: string; pin: Pin; onClose: () => void }) {
  const u = user.value;
  const profile = useLoad((signal) => (u?.role === 'buyer' ? api.get<Profile>('/api/me/profile', { signal }).catch(() => ({ name: null, phone: null, addresses: [] }) as Profile) : Promise.resolve(null)), [u?.id]);
  const [idx, setIdx] = useState(0);
  const [addr, setAddr] = useState<Address>(EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<Checkout | null>(null);
  const [sms, setSms] = useState<SmsNeeded | null>(null);
  const key = useRef(newIdempotencyKey());
  const body = useRef<unknown>(null);
  const name = pin.name ?? pin.sku ?? pin.variantId;
  const price = money(pin.livePriceMinor, pin.currency);
  if (!u || u.role !== 'buyer') return <p><a href={`/signin?next=${encodeURIComponent(`/live/${sessionId}`)}`}>{t('live.buy.signin')}</a></p>;
  if (done) {
    const o = done.orders[0];
    return <p role="status" class="live-bought">{t('live.buy.done', { number: o?.number ?? '' })} {o && <a href={`/account/orders/${o.id}`}>{t('live.buy.view')}</a>}</p>;
  }
  const send = async (code?: string) => {
    setBusy(true);
    setError(undefined);
    try {
      setDone(await api.command<Checkout>('/api/checkout', body.current, { idempotencyKey: key.current, ...(code ? { headers: { 'sms-code': code } } : {}) }));
    } catch (err) {
      const needed = smsNeeded(err);
      if (needed) {
        try {
          await requestSmsCode(needed);
          setSms(needed);
        } catch (e2) {
          setError(e2);
        }
      } else setError(err);
    } finally {
      setBusy(false);
    }
  };
  const set = (k: keyof Address) => (e: { currentTarget: HTMLInputElement }) => setAddr((a) => ({ ...a, [k]: e.currentTarget.value }));
  return (
    <Async state={profile}>
      {(p) => {
        const saved = p?.addresses ?? [];
        return (
          <form class="live-buy" aria-label={t('live.buy.title', { name, price })} onSubmit={(e) => {
            e.preventDefault();
            const a = saved[idx] ?? addr;
            const shippingAddress: Record<string, string> = {};
            for (const k of ['recipient', 'phone', 'country', 'region', 'city', 'line1', 'line2', 'postalCode'] as const) {
              const v = (a[k] ?? '').trim();
              if (v) shippingAddress[k] = k === 'country' ? v.toUpperCase() : v;
            }
            key.current = newIdempotencyKey();
            body.current = { items: [{ variantId: pin.variantId, qty: 1, liveSessionId: sessionId }], shippingAddress, pay: 'wallet' };
            setSms(null);
            void send();
          }}>
            <p><strong>{t('live.buy.title', { name, price })}</strong></p>
            {saved.length > 0 ? (
              <Field label={t('live.buy.address')}>
                <select value={String(idx)} onChange={(e) => setIdx(Number(e.currentTarget.value))}>
                  {saved.map((a, i) => <option key={i} value={String(i)}>{`${a.label}: ${a.recipient}, ${a.line1}, ${a.city}`}</option>)}
                </select>
              </Field>
            ) : (
              <>
                <p class="muted">{t('live.buy.noAddress')}</p>
                <div class="form-grid">
                  <Field label={t('store.addr.recipient')}><input required autoComplete="name" value={addr.recipient} onInput={set('recipient')} /></Field>
                  <Field label={t('store.addr.phone')}><input required type="tel" autoComplete="tel" value={addr.phone} onInput={set('phone')} /></Field>
                  <Field label={t('store.addr.line1')}><input required autoComplete="address-line1" value={addr.line1} onInput={set('line1')} /></Field>
                  <Field label={t('store.addr.city')}><input required autoComplete="address-level2" value={addr.city} onInput={set('city')} /></Field>
                  <Field label={t('store.addr.country')}><input required pattern="[A-Za-z]{2}" maxLength={2} value={addr.country} onInput={set('country')} /></Field>
                </div>
              </>
            )}
            {sms && <SmsStep needed={sms} busy={busy} submit={(c) => void send(c)} />}
            {error !== undefined && <p class="error" role="alert">{buyError(error)}</p>}
            <div class="row">
              <button type="submit" class="primary" disabled={busy} aria-busy={busy}>{t('live.buy.confirm', { price })}</button>
              <button type="button" onClick={onClose}>{t('live.buy.cancel')}</button>
            </div>
          </form>
        );
      }}
    </Async>
  );
}

function buyError(err: unknown): string {
  if (err instanceof ApiError && err.code === 'live.not_live') return t('live.buy.notLive');
  if (err instanceof ApiError && err.code === 'live.quota_exhausted') return t('live.buy.soldOut');
  return errorText(err);
}

function Chat({ sessionId, messages, open, connected }: { sessionId: string; messages: Message[]; open: boolean; connected: boolean }) {
  const u = user.value;
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const log = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length]);
  return (
    <section class="panel live-chat" aria-labelledby="chat-h">
      <h2 id="chat-h" class="spread">{t('live.chat.title')} {!connected && <span class="muted small">{t('live.chat.offline')}</span>}</h2>
      <ol ref={log} class="plain live-chat-log" aria-label={t('live.chat.log')} aria-live="polite" data-testid="chat-log">
        {messages.length === 0 && <li class="muted">{t('live.chat.empty')}</li>}
        {messages.map((m) => (
          <li key={m.id} data-message-id={m.id}><span class="live-author">{m.author}</span> {m.text}</li>
        ))}
      </ol>
      {!open ? <p class="muted">{t('live.chat.closed')}</p> : !u ? <p><a href={`/signin?next=${encodeURIComponent(`/live/${sessionId}`)}`}>{t('live.chat.signin')}</a></p> : (
        <form class="row live-chat-form" onSubmit={async (e) => {
          e.preventDefault();
          const body = text.trim();
          if (!body) return;
          setBusy(true);
          setError(null);
          try {
            await api.post(`/api/live/${encodeURIComponent(sessionId)}/chat`, { text: body });
            setText('');
          } catch (err) {
            if (err instanceof ApiError && err.code === 'live.muted') setError(t('live.chat.muted'));
            else if (err instanceof ApiError && err.status === 429) setError(t('live.chat.slow'));
            else if (err instanceof ApiError && err.code === 'live.ended') setError(t('live.chat.closed'));
            else setError(errorText(err));
          } finally {
            setBusy(false);
          }
        }}>
          <label class="sr-only" for="live-chat-input">{t('live.chat.label')}</label>
          <input id="live-chat-input" maxLength={500} value={text} placeholder={t('live.chat.label')} onInput={(e) => setText(e.currentTarget.value)} />
          <button type="submit" class="primary" disabled={busy || !text.trim()}>{t('live.chat.send')}</button>
        </form>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}

function ReplayView({ session }: { session: Session }) {
  const [extra, setExtra] = useState<Message[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useLoad(async (signal) => {
    const r = await api.get<Replay>(`/api/live/${encodeURIComponent(session.id)}/replay${qs({ limit: 100 })}`, { signal });
    setExtra([]);
    setCursor(r.nextCursor);
    return r;
  }, [session.id]);
  // The replay's own copy of the session: fresh when the page turned into the replay as it ended.
  const shown = first.data?.session ?? session;
  return (
    <>
      <PageTitle>{shown.title}</PageTitle>
      <p class="row"><StateBadge state="ended" /> <span class="muted">{when(shown)}</span></p>
      <h2>{t('live.replay.title')}</h2>
      <Async state={first}>
        {(r) => (
          <div class="live-grid">
            <section class="panel" aria-labelledby="rp-h">
              <h3 id="rp-h">{t('live.replay.pins')}</h3>
              {r.pins.length === 0 ? <p class="muted">{t('live.pins.empty')}</p> : (
                <ul class="plain">
                  {r.pins.map((p) => (
                    <li key={p.id} class="card" data-testid="replay-pin">
                      <strong>{p.name ?? p.sku ?? p.variantId}</strong>
                      <p>{t('live.replay.pinLine', { price: money(p.livePriceMinor, p.currency), list: p.listPriceMinor ? money(p.listPriceMinor, p.currency) : '—', sold: p.sold, quota: p.quota })}</p>
                      <p class="muted small">{t('live.replay.pinned', { at: dateTime(p.pinnedAt) })}{p.unpinnedAt ? ` · ${t('live.replay.unpinned', { at: dateTime(p.unpinnedAt) })}` : ''}</p>
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section class="panel live-chat" aria-labelledby="rc-h">
              <h3 id="rc-h">{t('live.replay.chat')}</h3>
              <ol class="plain live-chat-log" data-testid="replay-chat">
                {[...r.items, ...extra].length === 0 && <li class="muted">{t('live.replay.noChat')}</li>}
                {[...r.items, ...extra].map((m) => <li key={m.id}><span class="muted small">{dateTime(m.createdAt)}</span> <span class="live-author">{m.author}</span> {m.text}</li>)}
              </ol>
              {cursor && <button type="button" onClick={async () => {
                const next = await api.get<Replay>(`/api/live/${encodeURIComponent(session.id)}/replay${qs({ limit: 100, cursor })}`);
                setExtra((e) => [...e, ...next.items]);
                setCursor(next.nextCursor);
              }}>{t('live.replay.more')}</button>}
            </section>
          </div>
        )}
      </Async>
    </>
  );
}
