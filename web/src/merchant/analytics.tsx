// '/merchant/analytics': sales per day, the funnel (view → cart → purchase) and top products over a
// chosen period. Figures about fewer than k people are withheld by the server; they say so here.
import { useState } from 'preact/hooks';
import { api, qs } from '../lib/api.ts';
import { date, money, number } from '../lib/format.ts';
import { locale, t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Chart } from '../lib/chart.tsx';
import { Async, Field, PageTitle } from '../components/ui.tsx';
import { staffPage } from './shared.tsx';

interface Day { date: string; orderCount: number | null; buyers: number | null; sales: { currency: string; totalMinor: string }[] | null; suppressed: boolean }
interface Daily { from: string; to: string; minGroup: number; days: Day[] }
interface Report {
  from: string; to: string; minGroup: number;
  sales: { orderCount: number | null; buyers: number | null; byCurrency: { currency: string; totalMinor: string | null; orderCount: number | null; averageOrderMinor: string | null; suppressed: boolean }[]; suppressed: boolean };
  funnel: { step: string; subjects: number | null; rateFromPrevious: string | null; rateFromFirst: string | null; suppressed: boolean }[];
  topProducts: { sku: string; name: string; units: number | null; buyers: number | null; revenue: { currency: string; minor: string }[] | null; suppressed: boolean }[];
  repeatBuyers: { buyers: number | null; repeatBuyers: number | null; rate: string | null; suppressed: boolean };
}

const PERIODS = [7, 30, 90, 365];
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const pct = (rate: string | null) => (rate === null ? '–' : `${(Number(rate) * 100).toFixed(1)}%`);
/** Major units of minor (charts only: the tables show exact money). */
const major = (minor: string, currency: string) => Number(minor) / (currency === 'JPY' || currency === 'KRW' ? 1 : 100);

function Withheld({ k }: { k: number }) {
  return <span class="withheld">{t('m.an.withheld', { k })}</span>;
}

function Analytics() {
  const [days, setDays] = useState(30);
  const [custom, setCustom] = useState<{ from: string; to: string } | null>(null);
  const to = custom?.to ?? isoDay(new Date(Date.now() + 86_400_000));
  const from = custom?.from ?? isoDay(new Date(Date.now() - (days - 1) * 86_400_000));
  const data = useLoad(async (signal) => {
    const q = qs({ from, to });
    const [daily, report] = await Promise.all([
      api.get<Daily>(`/api/merchant/analytics/daily${q}`, { signal }),
      api.get<Report>(`/api/merchant/analytics${q}`, { signal }),
    ]);
    return { daily, report };
  }, [from, to]);
  const [fromInput, setFromInput] = useState(from);
  const [toInput, setToInput] = useState(to);
  return (
    <section>
      <PageTitle>{t('m.an.title')}</PageTitle>
      <div class="form-row">
        <Field label={t('m.an.period')}>
          <select value={custom ? 'custom' : String(days)} onChange={(e) => {
            const v = e.currentTarget.value;
            if (v === 'custom') setCustom({ from: fromInput, to: toInput });
            else { setCustom(null); setDays(Number(v)); }
          }}>
            {PERIODS.map((d) => <option key={d} value={String(d)}>{t('m.an.lastDays', { n: d })}</option>)}
            <option value="custom">{t('m.an.custom')}</option>
          </select>
        </Field>
        {custom && (
          <>
            <Field label={t('m.an.from')}><input type="date" value={fromInput} onInput={(e) => setFromInput(e.currentTarget.value)} /></Field>
            <Field label={t('m.an.to')}><input type="date" value={toInput} onInput={(e) => setToInput(e.currentTarget.value)} /></Field>
            <button type="button" onClick={() => setCustom({ from: fromInput, to: toInput })}>{t('m.an.apply')}</button>
          </>
        )}
      </div>
      <Async state={data}>
        {({ daily, report }) => {
          const k = daily.minGroup;
          const currency = daily.days.flatMap((d) => d.sales ?? [])[0]?.currency ?? report.sales.byCurrency[0]?.currency ?? 'CNY';
          const labels = daily.days.map((d) => date(`${d.date}T00:00:00Z`));
          const withheldDays = daily.days.filter((d) => d.suppressed).length;
          return (
            <>
              <p class="muted">{t('m.an.kRule', { k })}</p>
              <h2>{t('m.an.salesTitle')}</h2>
              {report.sales.suppressed ? <p><Withheld k={k} /></p> : (
                <div class="grid">
                  <div class="card"><div>{t('m.an.orders')}</div><p class="stat">{number(report.sales.orderCount ?? 0)}</p></div>
                  <div class="card"><div>{t('m.an.buyers')}</div><p class="stat">{number(report.sales.buyers ?? 0)}</p></div>
                  {report.sales.byCurrency.map((c) => (
                    <div class="card" key={c.currency}><div>{t('m.an.revenue', { currency: c.currency })}</div><p class="stat">{c.suppressed || c.totalMinor === null ? <Withheld k={k} /> : money(c.totalMinor, c.currency)}</p></div>
                  ))}
                </div>
              )}
              {withheldDays > 0 && <p class="warn" role="note">{t('m.an.daysWithheld', { n: withheldDays, k })}</p>}
              <Chart
                caption={t('m.an.salesChart', { currency })}
                labels={labels}
                labelHeader={t('m.an.day')}
                series={[{ label: t('m.an.sales'), values: daily.days.map((d) => (d.suppressed || !d.sales ? null : major(d.sales.find((s) => s.currency === currency)?.totalMinor ?? '0', currency))) }]}
                format={(v) => new Intl.NumberFormat(locale.value, { maximumFractionDigits: 2 }).format(v)}
              />
              <Chart
                kind="bar"
                caption={t('m.an.ordersChart')}
                labels={labels}
                labelHeader={t('m.an.day')}
                series={[{ label: t('m.an.orders'), values: daily.days.map((d) => (d.suppressed ? null : d.orderCount ?? 0)) }]}
                format={(v) => number(v)}
              />
              <h2>{t('m.an.funnelTitle')}</h2>
              <Chart
                kind="bar"
                caption={t('m.an.funnelChart')}
                labels={report.funnel.map((f) => t(`m.an.step.${f.step}`))}
                labelHeader={t('m.an.step')}
                series={[{ label: t('m.an.people'), values: report.funnel.map((f) => (f.suppressed ? null : f.subjects)) }]}
                format={(v) => number(v)}
              />
              <div class="table-wrap">
                <table>
                  <thead><tr><th scope="col">{t('m.an.step')}</th><th scope="col">{t('m.an.people')}</th><th scope="col">{t('m.an.fromPrevious')}</th><th scope="col">{t('m.an.fromFirst')}</th></tr></thead>
                  <tbody>
                    {report.funnel.map((f) => (
                      <tr key={f.step}>
                        <th scope="row">{t(`m.an.step.${f.step}`)}</th>
                        <td>{f.suppressed ? <Withheld k={k} /> : number(f.subjects ?? 0)}</td>
                        <td>{pct(f.rateFromPrevious)}</td>
                        <td>{pct(f.rateFromFirst)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <h2>{t('m.an.topTitle')}</h2>
              {report.topProducts.length === 0 ? <p>{t('state.empty')}</p> : (
                <>
                  <Chart
                    kind="bar"
                    caption={t('m.an.topChart')}
                    labels={report.topProducts.map((p) => p.sku)}
                    labelHeader="SKU"
                    series={[{ label: t('m.an.units'), values: report.topProducts.map((p) => (p.suppressed ? null : p.units)) }]}
                    format={(v) => number(v)}
                  />
                  <div class="table-wrap">
                    <table>
                      <thead><tr><th scope="col">SKU</th><th scope="col">{t('m.an.product')}</th><th scope="col">{t('m.an.units')}</th><th scope="col">{t('m.an.buyers')}</th><th scope="col">{t('m.an.revenueCol')}</th></tr></thead>
                      <tbody>
                        {report.topProducts.map((p) => (
                          <tr key={p.sku}>
                            <td class="mono">{p.sku}</td>
                            <td>{p.name}</td>
                            {p.suppressed ? <td colSpan={3}><Withheld k={k} /></td> : (
                              <>
                                <td>{number(p.units ?? 0)}</td>
                                <td>{number(p.buyers ?? 0)}</td>
                                <td>{(p.revenue ?? []).map((r) => money(r.minor, r.currency)).join(', ')}</td>
                              </>
                            )}
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </>
              )}
              <h2>{t('m.an.repeatTitle')}</h2>
              <p>{report.repeatBuyers.suppressed ? <Withheld k={k} /> : t('m.an.repeat', { repeat: report.repeatBuyers.repeatBuyers ?? 0, buyers: report.repeatBuyers.buyers ?? 0, rate: pct(report.repeatBuyers.rate) })}</p>
            </>
          );
        }}
      </Async>
    </section>
  );
}

export const AnalyticsPage = staffPage(Analytics);
