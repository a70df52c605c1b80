// '/merchant/live': schedule sessions, go live, end. '/merchant/live/:id': pin and unpin products at
// a live price and quota, and moderate the chat (delete a message, mute its author).
import { useState } from 'preact/hooks';
import { api, qs } from '../lib/api.ts';
import { dateTime, money, parseMoney } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad, usePaged } from '../lib/use.ts';
import { Async, Field, PageTitle } from '../components/ui.tsx';
import { Act, localInput, staffPage } from '../merchant/shared.tsx';
import type { ProductSummary } from '../merchant/types.ts';
import { useLiveEvents, type Message, type Page, type Session } from './data.ts';
import { StateBadge } from './pages.tsx';
import './i18n.ts';
import './live.css';

function Sessions() {
  const { state, more } = usePaged<Session>((c) => `/api/merchant/live${qs({ cursor: c, limit: 50 })}`, (p) => api.get<Page<Session>>(p));
  return (
    <section class="live">
      <PageTitle>{t('live.m.title')}</PageTitle>
      <NewSession onDone={state.reload} />
      <Async state={state}>
        {(d) => d.items.length === 0 ? <p>{t('live.m.none')}</p> : (
          <ul class="plain live-list">
            {d.items.map((s) => (
              <li key={s.id} class="card" data-testid="m-live-session">
                <p class="spread"><strong>{s.title}</strong><StateBadge state={s.state} /></p>
                <p class="muted">{dateTime(s.scheduledAt)}</p>
                <div class="row">
                  <SessionActions s={s} onDone={state.reload} />
                  <a href={`/merchant/live/${s.id}`}>{t('live.m.manage')}</a>
                  <a href={`/live/${s.id}`}>{t('live.m.watch')}</a>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Async>
      {more && <button type="button" onClick={() => void more()}>{t('live.list.more')}</button>}
    </section>
  );
}

function SessionActions({ s, onDone }: { s: Session; onDone: () => void }) {
  if (s.state === 'scheduled') return <Act class="primary" action={async () => { await api.post(`/api/live/${s.id}/start`); onDone(); }}>{t('live.m.start')}</Act>;
  if (s.state === 'live') {
    return <Act action={async () => {
      if (!confirm(t('live.m.confirmEnd'))) return;
      await api.post(`/api/live/${s.id}/end`);
      onDone();
    }}>{t('live.m.end')}</Act>;
  }
  return null;
}

function NewSession({ onDone }: { onDone: () => void }) {
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [at, setAt] = useState(localInput(new Date(Date.now() + 3600_000)).slice(0, 16));
  const [url, setUrl] = useState('');
  return (
    <details class="panel">
      <summary>{t('live.m.new')}</summary>
      <form onSubmit={(e) => e.preventDefault()}>
        <Field label={t('live.m.titleField')}><input required maxLength={120} value={title} onInput={(e) => setTitle(e.currentTarget.value)} /></Field>
        <Field label={t('live.m.description')}><textarea rows={2} maxLength={2000} value={description} onInput={(e) => setDescription(e.currentTarget.value)} /></Field>
        <Field label={t('live.m.scheduledAt')}><input required type="datetime-local" value={at} onInput={(e) => setAt(e.currentTarget.value)} /></Field>
        <Field label={t('live.m.streamUrl')} hint={t('live.m.streamHint')}><input required type="url" inputMode="url" value={url} placeholder="https://stream.example.com/live/index.m3u8" onInput={(e) => setUrl(e.currentTarget.value)} /></Field>
        <Act class="primary" disabled={!title.trim() || !url.trim() || !at} action={async () => {
          await api.post('/api/merchant/live', { title: title.trim(), description: description.trim(), scheduledAt: new Date(at).toISOString(), streamUrl: url.trim() });
          setTitle('');
          setDescription('');
          setUrl('');
          onDone();
        }}>{t('live.m.schedule')}</Act>
      </form>
    </details>
  );
}

function Manage({ id }: { id: string }) {
  const session = useLoad((signal) => api.get<Session>(`/api/live/${encodeURIComponent(id)}`, { signal }), [id]);
  return (
    <section class="live">
      <p><a href="/merchant/live">← {t('live.m.back')}</a></p>
      <Async state={session}>{(s) => <ManageSession s={s} reload={session.reload} />}</Async>
    </section>
  );
}

function ManageSession({ s, reload }: { s: Session; reload: () => void }) {
  const ev = useLiveEvents(s.id, s.state !== 'ended');
  const state = ev.state ?? s.state;
  const pins = ev.pins ?? s.pins;
  return (
    <>
      <PageTitle>{s.title}</PageTitle>
      <p class="row"><StateBadge state={state} /> <span class="muted">{t('live.viewers', { n: ev.viewers ?? s.viewers })}</span> <SessionActions s={{ ...s, state }} onDone={reload} /> <a href={`/live/${s.id}`}>{t('live.m.watch')}</a></p>
      <div class="live-grid">
        <div>
          <section class="panel" aria-labelledby="mp-h">
            <h2 id="mp-h">{t('live.pins.title')}</h2>
            {pins.length === 0 ? <p class="muted">{t('live.pins.empty')}</p> : (
              <ul class="plain live-pins">
                {pins.map((p) => {
                  const name = p.name ?? p.sku ?? p.variantId;
                  return (
                    <li key={p.id} class="card" data-testid="m-pin">
                      <p class="spread"><strong>{name}</strong><span>{money(p.livePriceMinor, p.currency)}</span></p>
                      <p class="muted">{t('live.pins.left', { n: p.remaining, quota: p.quota })}</p>
                      <Act label={t('live.m.unpinLabel', { name })} action={async () => { await api.delete(`/api/live/${s.id}/pins/${p.id}`); reload(); }}>{t('live.m.unpin')}</Act>
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
          {state !== 'ended' && <PinForm sessionId={s.id} onDone={reload} />}
        </div>
        {state !== 'ended' && <Moderation sessionId={s.id} messages={ev.messages} />}
      </div>
    </>
  );
}

function PinForm({ sessionId, onDone }: { sessionId: string; onDone: () => void }) {
  const products = useLoad((signal) => api.get<Page<ProductSummary>>(`/api/merchant/products${qs({ status: 'active', limit: 200 })}`, { signal }), []);
  const [variantId, setVariantId] = useState('');
  const [price, setPrice] = useState('');
  const [quota, setQuota] = useState('10');
  return (
    <section class="panel" aria-labelledby="pf-h">
      <h2 id="pf-h">{t('live.m.pin')}</h2>
      <Async state={products}>
        {(p) => {
          const variants = p.items.flatMap((prod) => prod.variants.filter((v) => v.status === 'active').map((v) => ({ ...v, label: `${prod.title} · ${v.title} (${money(v.priceMinor, prod.currency)})`, currency: prod.currency })));
          const chosen = variants.find((v) => v.id === variantId);
          const minor = chosen ? parseMoney(price, chosen.currency) : null;
          return (
            <form onSubmit={(e) => e.preventDefault()}>
              <Field label={t('live.m.variant')}>
                <select required value={variantId} onChange={(e) => setVariantId(e.currentTarget.value)}>
                  <option value="">{t('live.m.pickVariant')}</option>
                  {variants.map((v) => <option key={v.id} value={v.id}>{v.label}</option>)}
                </select>
              </Field>
              <Field label={t('live.m.livePrice')} hint={chosen ? chosen.currency : undefined}><input required inputMode="decimal" value={price} placeholder="66.00" onInput={(e) => setPrice(e.currentTarget.value)} /></Field>
              <Field label={t('live.m.quota')} hint={t('live.m.quotaHint')}><input required type="number" min={1} max={100000} step={1} value={quota} onInput={(e) => setQuota(e.currentTarget.value)} /></Field>
              {price && chosen && minor === null && <p class="error" role="alert">{t('live.m.badPrice')}</p>}
              <Act class="primary" disabled={!chosen || minor === null || !(Number(quota) >= 1)} action={async () => {
                await api.post(`/api/live/${sessionId}/pins`, { variantId, livePriceMinor: Number(minor), quota: Number(quota) });
                setVariantId('');
                setPrice('');
                onDone();
              }}>{t('live.m.pinIt')}</Act>
            </form>
          );
        }}
      </Async>
    </section>
  );
}

function Moderation({ sessionId, messages }: { sessionId: string; messages: Message[] }) {
  const [note, setNote] = useState<string | null>(null);
  return (
    <section class="panel live-chat" aria-labelledby="mod-h">
      <h2 id="mod-h">{t('live.m.moderation')}</h2>
      <ol class="plain live-chat-log" data-testid="m-chat">
        {messages.length === 0 && <li class="muted">{t('live.chat.empty')}</li>}
        {messages.map((m) => (
          <li key={m.id} class="live-mod-line" data-message-id={m.id}>
            <span><span class="live-author">{m.author}</span> {m.text}</span>
            <span class="row">
              <Act label={t('live.m.deleteLabel', { author: m.author })} action={() => api.delete(`/api/live/${sessionId}/chat/${m.id}`)}>{t('live.m.delete')}</Act>
              <Act label={t('live.m.muteLabel', { author: m.author })} action={async () => {
                await api.post(`/api/live/${sessionId}/mutes`, { messageId: m.id });
                setNote(t('live.m.muted', { author: m.author }));
              }}>{t('live.m.mute')}</Act>
            </span>
          </li>
        ))}
      </ol>
      {note && <p role="status">{note}</p>}
    </section>
  );
}

export const MerchantLivePage = staffPage(Sessions);
export const MerchantLiveSessionPage = staffPage(Manage);
