// '/admin/points': the points rules in force (auditors read), edited by admins.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, Field, PageTitle } from '../components/ui.tsx';
import { Act, adminPage, canWrite } from './shared.tsx';

interface Rules {
  pointsPerMajorUnit: number; categoryPct: Record<string, number>;
  promotions: { from: string; until: string; multiplierPct: number }[];
  capPerOrder: number; expiryDays: number; valuePer100PointsMinor: number; redeemMaxPct: number;
}
const NUMBERS = ['pointsPerMajorUnit', 'capPerOrder', 'expiryDays', 'valuePer100PointsMinor', 'redeemMaxPct'] as const;

function RulesForm({ rules, onSaved }: { rules: Rules; onSaved: () => void }) {
  const [values, setValues] = useState<Record<string, string>>(Object.fromEntries(NUMBERS.map((k) => [k, String(rules[k])])));
  const [categories, setCategories] = useState(JSON.stringify(rules.categoryPct, null, 2));
  const [promotions, setPromotions] = useState(JSON.stringify(rules.promotions, null, 2));
  const [saved, setSaved] = useState(false);
  const write = canWrite();
  return (
    <form class="narrow" onSubmit={(e) => e.preventDefault()}>
      {NUMBERS.map((k) => (
        <Field key={k} label={t(`a.pts.${k}`)} hint={t(`a.pts.${k}.hint`)}>
          <input type="number" min={0} step={1} readOnly={!write} value={values[k]} onInput={(e) => { const v = e.currentTarget.value; setValues((s) => ({ ...s, [k]: v })); setSaved(false); }} />
        </Field>
      ))}
      <Field label={t('a.pts.categoryPct')} hint={t('a.pts.categoryPct.hint')}>
        <textarea rows={4} class="mono" readOnly={!write} value={categories} onInput={(e) => setCategories(e.currentTarget.value)} />
      </Field>
      <Field label={t('a.pts.promotions')} hint={t('a.pts.promotions.hint')}>
        <textarea rows={4} class="mono" readOnly={!write} value={promotions} onInput={(e) => setPromotions(e.currentTarget.value)} />
      </Field>
      {rules.promotions.length > 0 && (
        <ul>{rules.promotions.map((p, i) => <li key={i}>{t('a.pts.promoLine', { from: dateTime(p.from), until: dateTime(p.until), pct: p.multiplierPct })}</li>)}</ul>
      )}
      {write && (
        <Act class="primary" action={async () => {
          let categoryPct: unknown;
          let promos: unknown;
          try {
            categoryPct = JSON.parse(categories || '{}');
            promos = JSON.parse(promotions || '[]');
          } catch {
            throw new Error(t('a.pts.badJson'));
          }
          const body = { ...Object.fromEntries(NUMBERS.map((k) => [k, Number(values[k])])), categoryPct, promotions: promos };
          await api.put('/api/admin/points-rules', body);
          setSaved(true);
          onSaved();
        }}>{t('a.pts.save')}</Act>
      )}
      {saved && <p class="ok" role="status">{t('a.pts.saved')}</p>}
    </form>
  );
}

function Points() {
  const rules = useLoad((signal) => api.get<Rules>('/api/admin/points-rules', { signal }));
  return (
    <section>
      <PageTitle>{t('a.pts.title')}</PageTitle>
      <Async state={rules}>{(r) => <RulesForm rules={r} onSaved={() => undefined} />}</Async>
    </section>
  );
}
export const PointsPage = adminPage(Points);
