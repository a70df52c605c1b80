// Sponsored slots above a storefront page's organic results: each clearly labelled, each click going
// through POST /api/ads/clicks (which records and maybe charges it) and then to the product.
import { useLocation } from 'preact-iso';
import { api, qs } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { user } from '../lib/session.ts';
import { priceRange, Thumb } from '../store/parts.tsx';
import type { ClickOutcome, Slot } from './data.ts';
import './i18n.ts';
import './ads.css';

export function SponsoredSlots({ q, categoryId }: { q?: string | undefined; categoryId?: string | undefined }) {
  const { route } = useLocation();
  const state = useLoad(
    (signal) => (q || categoryId ? api.get<{ slots: Slot[] }>(`/api/ads/slots${qs({ q, categoryId })}`, { signal }) : Promise.resolve({ slots: [] as Slot[] })),
    [q, categoryId, user.value?.id],
  );
  const slots = state.data?.slots ?? [];
  // Ads are extra: while loading, on error or with no winners, nothing is shown.
  if (slots.length === 0) return null;
  const open = async (e: MouseEvent, s: Slot) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    let to = s.url;
    try {
      to = (await api.command<ClickOutcome>('/api/ads/clicks', { token: s.token })).url;
    } catch {
      // The visitor still gets the product: the click is simply not counted.
    }
    route(to);
  };
  return (
    <section class="sponsored" aria-label={t('ads.sponsoredList')}>
      <ul class="grid bare">
        {slots.map((s) => (
          <li key={s.productId} class="card product-card sponsored-card">
            <span class="sponsored-label">{t('ads.sponsored')}</span>
            <Thumb title={s.title} />
            <a href={s.url} class="product-link" onClick={(e) => void open(e as unknown as MouseEvent, s)}>
              {s.title}<span class="sr-only"> ({t('ads.sponsored')})</span>
            </a>
            <p class="price">{priceRange(s.minPriceMinor, s.minPriceMinor, s.currency)}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
