import { capitalise, formatNumber, joinList, type Lang } from '../text/format.js';
import type { Phrasebook } from '../text/en.js';
import type { Say } from '../text/say.js';
import type { YearFacts } from './facts.js';
import type { Figure } from './figures.js';

/** The briefing's charts as data and words, for render/svg.ts to draw, with the numbers behind each as a table. Pure. */

export interface ChartSpec {
  /** Unique in the briefing: 'trend', 'types', 'groups', 'purposes'. */
  id: string;
  /** Which template pair (wide for print and desktop, compact for phones) draws it. */
  kind: 'trend' | 'bars';
  lang: Lang;
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
  /** The observations drawn (for claims.json and the sources). */
  observations: string[];
}

export interface RenderedChart extends ChartSpec {
  svg: string;
  svgCompact: string;
}

export function buildChartSpecs(facts: YearFacts, say: Say, book: Phrasebook, ids: string[]): ChartSpec[] {
  return [...new Set(ids)].flatMap((id) => {
    const spec = id === 'trend' ? trend(facts, say, book) : bars(id as 'types' | 'purposes' | 'groups', facts, say, book);
    return spec ? [spec] : [];
  });
}

function trend(facts: YearFacts, say: Say, book: Phrasebook): ChartSpec | null {
  const { lang } = say;
  const series = facts.trend.map((t) => ({
    name: say.m(t.measure).label,
    points: t.points.map((p) => ({ year: p.figure.year, value: p.figure.current.value!, id: p.figure.current.id, joinPrevious: p.joinPrevious })),
  }));
  const years = [...new Set(series.flatMap((s) => s.points.map((p) => p.year)))].sort((a, b) => a - b);
  if (years.length < 2) return null;
  const title = book.charts.trendTitle(say);
  const period = `${years[0]}–${years.at(-1)}`;
  const points = series.flatMap((s) => s.points.map((p) => ({ series: s.name, period: p.year, value: p.value, joinPrevious: p.joinPrevious })));
  const table = [
    [book.charts.head.trend, ...series.map((s) => s.name)],
    ...years.map((year) => [String(year), ...series.map((s) => s.points.find((p) => p.year === year)).map((p) => (p ? formatNumber(p.value, lang) : ''))]),
  ];
  const top = points.reduce((a, b) => (b.value > a.value ? b : a));
  const ends = series.filter((s) => s.points.length >= 2).map((s) => ({ name: s.name, first: s.points[0]!, last: s.points.at(-1)! }));
  const alt = book.charts.trendAlt(`${title}, ${period}`, ends, { name: top.series, year: top.period, value: top.value });
  return {
    id: 'trend',
    kind: 'trend',
    lang,
    title,
    subtitle: book.charts.subtitle(period, say.of(facts.headline.figure, true)),
    alt,
    unitLabel: book.ui.percent,
    points,
    series: series.map((s) => s.name),
    table,
    notes: facts.notAsked.length ? [book.charts.notAsked(facts.notAsked)] : [],
    tableNotes: table.slice(1).some((row) => row.includes('')) ? [book.charts.emptyCell] : [],
    observations: series.flatMap((s) => s.points.map((p) => p.id)),
  };
}

function bars(id: 'types' | 'purposes' | 'groups', facts: YearFacts, say: Say, book: Phrasebook): ChartSpec | null {
  const { lang } = say;
  let rows: { figure: Figure; name: string; highlight: boolean }[];
  let title: string;
  if (id === 'groups') {
    const h = facts.headline.figure;
    const sizes = facts.sizes.figures.map((f) => ({ figure: f, name: capitalise(say.size(f.size!)), highlight: false }));
    const industries = facts.industries.figures.map((f) => ({ figure: f, name: capitalise(say.industry(f.industry!)), highlight: false }));
    // The reference bar is all enterprises of the population: named by the industry total when industries are shown
    // (SSB's "Alle næringer, uten finansnæringene" where the total excludes finance), else by the size class.
    const reference = industries.length && h.industry ? say.industry(h.industry) : say.size(h.size ?? '');
    const others = [...sizes, ...industries].sort((a, b) => b.figure.current.value! - a.figure.current.value!);
    rows = [{ figure: h, name: capitalise(reference), highlight: true }, ...others];
    title = book.charts.groupsTitle(sizes.length > 0, industries.length > 0, say);
  } else {
    const group = id === 'types' ? facts.types : facts.purposes;
    rows = group.figures.map((f) => ({ figure: f, name: say.m(f.measure).label, highlight: false }));
    title = id === 'types' ? book.charts.typesTitle(say) : book.charts.purposesTitle(say);
  }
  if (rows.length < 2) return null;
  // The highest and lowest bars, every one of them when bars tie: naming one of two equal bars would rank them.
  const drawn = rows.filter((r) => !r.highlight).map((r) => ({ name: r.name, value: r.figure.current.value! }));
  const values = drawn.map((d) => d.value);
  const extreme = (value: number) => {
    const names = drawn.filter((d) => d.value === value).map((d) => d.name);
    return { name: joinList(names, lang), value };
  };
  const top = extreme(Math.max(...values));
  const bottom = extreme(Math.min(...values));
  const alt = book.charts.barsAlt(`${title}, ${facts.year}`, top, bottom.value !== top.value ? bottom : null);
  return {
    id,
    kind: 'bars',
    lang,
    title,
    subtitle: book.charts.subtitle(String(facts.year), say.of(rows[0]!.figure, true)),
    alt,
    unitLabel: book.ui.percent,
    bars: rows.map((r) => ({ name: r.name, value: r.figure.current.value!, highlight: r.highlight })),
    table: [[book.charts.head[id], book.ui.percent], ...rows.map((r) => [r.name, formatNumber(r.figure.current.value!, lang)])],
    notes: [],
    tableNotes: [],
    observations: rows.map((r) => r.figure.current.id),
  };
}
