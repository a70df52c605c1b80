// A small chart over uPlot: line or bar series over labelled x positions. Accessible: the figure has
// a caption, the canvas is decorative (aria-hidden) and the same numbers are in a data table below.
// Missing points (null, e.g. figures withheld for k-anonymity) leave a gap and read "—" in the table.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { register, t } from './i18n.ts';

register({
  en: { 'chart.table': 'Show the data as a table', 'chart.missing': 'withheld or missing' },
  'zh-CN': { 'chart.table': '以表格显示数据', 'chart.missing': '已隐藏或缺失' },
});

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

export interface ChartProps {
  caption: string;
  /** The label of each x position (dates, names). */
  labels: string[];
  series: ChartSeries[];
  kind?: 'line' | 'bar';
  /** How a value reads on the axis and in the table. */
  format?: (v: number) => string;
  /** The header of the label column in the data table. */
  labelHeader?: string;
  height?: number;
}

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#9333ea'];

export function Chart({ caption, labels, series, kind = 'line', format = (v) => String(v), labelHeader = '', height = 220 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = labels.map((_, i) => i);
    const data: uPlot.AlignedData = [xs, ...series.map((s) => s.values.map((v) => (v === null ? null : v)))];
    const bars = kind === 'bar' ? uPlot.paths.bars!({ size: [0.6, 64] }) : undefined;
    const width = () => Math.max(240, Math.floor(el.clientWidth || 320));
    const plot = new uPlot(
      {
        width: width(),
        height,
        legend: { show: series.length > 1 },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false, range: [-0.5, Math.max(0.5, labels.length - 0.5)] }, y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1, (max ?? 1) * 1.1)] } },
        axes: [
          { values: (_u, splits) => splits.map((s) => (Number.isInteger(s) && labels[s] !== undefined ? labels[s]! : '')), space: 60 },
          { values: (_u, splits) => splits.map((s) => format(s)), size: 70 },
        ],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            fill: kind === 'bar' ? `${COLORS[i % COLORS.length]}99` : undefined,
            width: kind === 'bar' ? 1 : 2,
            spanGaps: false,
            ...(bars ? { paths: bars, points: { show: false } } : {}),
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
          })),
        ],
      },
      data,
      el,
    );
    const ro = typeof ResizeObserver !== 'undefined' ? new ResizeObserver(() => plot.setSize({ width: width(), height })) : undefined;
    ro?.observe(el);
    return () => {
      ro?.disconnect();
      plot.destroy();
    };
  }, [JSON.stringify(labels), JSON.stringify(series), kind, height]);

  return (
    <figure class="chart">
      <figcaption>{caption}</figcaption>
      <div ref={box} class="chart-canvas" aria-hidden="true" />
      <details>
        <summary>{t('chart.table')}</summary>
        <div class="table-wrap">
          <table>
            <caption class="sr-only">{caption}</caption>
            <thead>
              <tr>
                <th scope="col">{labelHeader}</th>
                {series.map((s) => <th scope="col" key={s.label}>{s.label}</th>)}
              </tr>
            </thead>
            <tbody>
              {labels.map((l, i) => (
                <tr key={`${l}-${i}`}>
                  <th scope="row">{l}</th>
                  {series.map((s) => {
                    const v = s.values[i];
                    return <td key={s.label}>{v === null || v === undefined ? <span title={t('chart.missing')}>—</span> : format(v)}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
