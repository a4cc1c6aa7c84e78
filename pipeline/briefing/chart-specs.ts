import type { Briefing } from './content.js';
import type { Figure } from './facts.js';
import { TOTAL_SIZE } from './facts.js';
import { barsAlt, chartSubtitle, chartTitle, tableHead, trendAlt, chartNotes } from '../text/chart-text.js';
import { formatNumber, type Lang } from '../text/format.js';
import { industryText, measureText, sizeClassText } from '../text/labels.js';

/**
 * What a chart shows, as plain values: the interface between the pure core and render/svg.ts, which draws it.
 *
 * TEMPORARY ADAPTER: the types are the agreed interface; the body of `buildChartSpecs` derives them from today's
 * `Briefing` so that everything runs until the new core replaces it. Pure.
 */

export interface ChartSpec {
  /** Unique in the briefing, e.g. 'trend', 'types', 'groups', 'purposes'. */
  id: string;
  /** Which template pair (wide for print/desktop, compact for phones) draws it. */
  kind: 'trend' | 'bars';
  lang: 'nn' | 'nb' | 'en';
  title: string;
  subtitle: string;
  alt: string;
  /** The value axis' title, e.g. "Prosent". */
  unitLabel: string;
  /** trend: measured points only; a point joins the previous point of its series only when joinPrevious. */
  points?: { series: string; period: number; value: number; joinPrevious: boolean }[];
  /** Series in colour order (the headline series first). */
  series?: string[];
  /** bars: in display order; highlight marks the reference bar (all enterprises). */
  bars?: { name: string; value: number; highlight: boolean }[];
  /** The numbers behind the chart as text cells (first row the header), notes under the chart and under its table. */
  table: string[][];
  notes: string[];
  tableNotes: string[];
}

export interface RenderedChart extends ChartSpec {
  svg: string;
  svgCompact: string;
}

/** The chart specs for the charts the briefing's sections ask for, in section order. */
export function buildChartSpecs(briefing: Briefing): ChartSpec[] {
  const ids = briefing.sections.flatMap((s) => s.charts);
  return ids.flatMap((id) => {
    const spec = id === 'trend' ? trendSpec(briefing) : barSpec(id as BarId, briefing);
    return spec ? [spec] : [];
  });
}

type BarId = 'types' | 'purposes' | 'groups';

const number = (value: number, lang: Lang) => formatNumber(value, lang, Number.isInteger(value) ? 0 : 1);

/**
 * The trend: every measured point; a point joins its series' previous point only when that point is the year before
 * (the statistic is yearly: a line across a year without a figure would draw a figure nobody measured).
 */
function trendSpec(briefing: Briefing): ChartSpec | null {
  const { lang, facts } = briefing;
  const rows = facts.trend.map((f) => ({ name: measureText(f.measure, lang).name, value: f.value!, year: f.year }));
  if (rows.length < 2) return null;
  const series = [...new Set(rows.map((r) => r.name))];
  const years = [...new Set(rows.map((r) => r.year))].sort((a, b) => a - b);
  const points = series.flatMap((name) =>
    rows
      .filter((r) => r.name === name)
      .sort((a, b) => a.year - b.year)
      .map((r, i, all) => ({ series: name, period: r.year, value: r.value, joinPrevious: i > 0 && all[i - 1]!.year === r.year - 1 })),
  );
  const period = `${years[0]}–${years[years.length - 1]}`;
  const title = chartTitle('trend', lang);
  const table = [[tableHead('trend', lang), ...series], ...years.map((year) => [
    String(year),
    ...series.map((name) => {
      const row = rows.find((r) => r.year === year && r.name === name);
      return row ? number(row.value, lang) : '..';
    }),
  ])];
  const emptyCells = table.slice(1).some((r) => r.includes('..'));
  return {
    id: 'trend', kind: 'trend', lang, title, subtitle: chartSubtitle(period, lang), alt: trendAlt(`${title}, ${period}`, rows, lang),
    unitLabel: briefing.ui.percent, points, series, table, notes: [], tableNotes: emptyCells ? [chartNotes(lang).noFigure] : [],
  };
}

function barSpec(id: BarId, briefing: Briefing): ChartSpec | null {
  const { lang, facts } = briefing;
  let figures: { figure: Figure; name: string; highlight: boolean }[] = [];
  if (id === 'types') figures = facts.types.map((f) => ({ figure: f, name: measureText(f.measure, lang).name, highlight: false }));
  if (id === 'purposes') figures = facts.purposes.map((f) => ({ figure: f, name: measureText(f.measure, lang).name, highlight: false }));
  if (id === 'groups') {
    const measure = facts.headline.measure;
    const groupRows = [
      ...facts.bySize.filter((s) => s.figure.measure === measure).map((s) => s.figure),
      ...facts.byIndustry.filter((f) => f.measure === measure),
    ];
    figures = [
      { figure: facts.headline, name: sizeClassText(TOTAL_SIZE, lang).name, highlight: true },
      ...groupRows.map((f) => ({
        figure: f,
        name: f.industry !== facts.totalIndustry ? industryText(f.industry, lang) : sizeClassText(f.sizeClass, lang).name,
        highlight: false,
      })),
    ];
  }
  if (figures.length < 2) return null;
  const rows = figures.map((f) => ({ name: f.name, value: f.figure.value! }));
  const sorted = [...figures].sort((a, b) => Number(b.highlight) - Number(a.highlight) || b.figure.value! - a.figure.value!);
  const groups = { size: figures.some((f) => f.figure.sizeClass !== TOTAL_SIZE), industry: figures.some((f) => f.figure.industry !== facts.totalIndustry) };
  const title = chartTitle(id, lang, groups);
  return {
    id, kind: 'bars', lang, title, subtitle: chartSubtitle(String(briefing.year), lang), alt: barsAlt(`${title}, ${briefing.year}`, rows, lang),
    unitLabel: briefing.ui.percent,
    bars: sorted.map((f) => ({ name: f.name, value: f.figure.value!, highlight: f.highlight })),
    table: [[tableHead(id, lang), briefing.ui.percent], ...sorted.map((f) => [f.name, number(f.figure.value!, lang)])],
    notes: [], tableNotes: [],
  };
}
