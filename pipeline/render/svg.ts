import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Briefing } from '../briefing/content.js';
import { barsAlt, chartNotes, chartSubtitle, chartTitle, tableHead, trendAlt, type ChartRow } from '../text/chart-text.js';
import { ChartError } from '../errors.js';
import type { Figure } from '../briefing/facts.js';
import { TOTAL_SIZE } from '../briefing/facts.js';
import { formatNumber, type Lang } from '../text/format.js';
import { industryText, measureText, sizeClassText } from '../text/labels.js';
import { escapeHtml } from '../io/escape.js';

/**
 * Charts: Vega-Lite spec templates (templates/charts/*.vl.json: a wide layout for print and desktop, a compact
 * one for phones) filled with the briefing's rows (pure), then compiled to Vega and rendered to SVG in Node,
 * without a browser. Any Vega-Lite or Vega warning is an error: a chart that renders with warnings is a chart
 * nobody checked. Titles are not drawn in the SVG: the HTML figure carries them as text.
 */

export type ChartId = 'trend' | 'types' | 'purposes' | 'groups';
type Spec = Record<string, unknown>;

export interface ChartTemplates {
  trend: object;
  trendCompact: object;
  bars: object;
  barsCompact: object;
  config: object;
}

export interface ChartSpec {
  id: ChartId;
  title: string;
  subtitle: string;
  alt: string;
  /** Print and wide screens. */
  vegaLite: Spec;
  /** Phones (up to 599 px). */
  compact: Spec;
  /** The figures drawn, as numbers. */
  rows: ChartRow[];
  /** The numbers behind the chart, as text cells (first row is the header). */
  table: string[][];
  /** Explanations printed under the chart (dashed lines); empty when none apply. */
  notes: string[];
  /** Explanations printed under its data table (symbols in empty cells). */
  tableNotes: string[];
}

export interface RenderedChart extends ChartSpec {
  svg: string;
  svgCompact: string;
}

const templateFiles = {
  trend: 'trend.vl.json', trendCompact: 'trend-compact.vl.json', bars: 'bars.vl.json', barsCompact: 'bars-compact.vl.json', config: 'config.json',
} as const;

export async function loadChartTemplates(dir: string): Promise<ChartTemplates> {
  const read = async (name: string) => {
    const path = join(dir, 'charts', name);
    try {
      return JSON.parse(await readFile(path, 'utf8')) as object;
    } catch (error) {
      throw new ChartError(`${path}: cannot read the chart template (${(error as Error).message}). Restore it from git.`, { path, cause: error });
    }
  };
  const entries = await Promise.all(Object.entries(templateFiles).map(async ([key, file]) => [key, await read(file)] as const));
  return Object.fromEntries(entries) as unknown as ChartTemplates;
}

const norwegianNumbers = { decimal: ',', thousands: '\u00a0', grouping: [3], currency: ['', '\u00a0kr'] };
const englishNumbers = { decimal: '.', thousands: ',', grouping: [3], currency: ['£', ''] };

/** The Vega-Lite specs for the charts the briefing's sections ask for, in section order. Pure. */
export function buildChartSpecs(briefing: Briefing, templates: ChartTemplates): ChartSpec[] {
  const ids = briefing.sections.flatMap((s) => s.charts as ChartId[]);
  return ids.flatMap((id) => {
    const spec = id === 'trend' ? trendSpec(briefing, templates) : barSpec(id, briefing, templates);
    return spec ? [spec] : [];
  });
}

const number = (value: number, lang: Lang) => formatNumber(value, lang, Number.isInteger(value) ? 0 : 1);

function trendSpec(briefing: Briefing, templates: ChartTemplates): ChartSpec | null {
  const { lang, facts } = briefing;
  const rows = facts.trend.map((f) => ({ name: measureText(f.measure, lang).name, value: f.value!, year: f.year }));
  if (rows.length < 2) return null;
  const names = [...new Set(rows.map((r) => r.name))];
  const years = [...new Set(rows.map((r) => r.year))].sort((a, b) => a - b);
  const date = (year: number) => `${year}-01-01`;
  // Lines are drawn segment by segment, so a segment that bridges years without figures can be dashed.
  const segments = names.flatMap((name) => {
    const series = rows.filter((r) => r.name === name).sort((a, b) => a.year - b.year);
    return series.slice(1).flatMap((b, i) => {
      const a = series[i]!;
      const segment = `${name}|${a.year}`;
      const gap = b.year - a.year > 1;
      return [a, b].map((r) => ({ segment, gap, name, date: date(r.year), value: r.value }));
    });
  });
  const hasGaps = segments.some((s) => s.gap);
  const points = rows.map((r) => ({ name: r.name, date: date(r.year), value: r.value }));
  const ends = names.map((name) => {
    const last = rows.filter((r) => r.name === name).sort((a, b) => b.year - a.year)[0]!;
    return { name, date: date(last.year), value: last.value };
  });
  const placed = placeLabels(ends.map((e) => e.value), { min: 0, max: 100, gap: 5.5 });
  const labels = ends.map((e, i) => ({ ...e, labelY: placed[i]!, label: `${e.name} ${number(e.value, lang)}`, short: number(e.value, lang) }));

  const period = `${years[0]}–${years[years.length - 1]}`;
  const title = chartTitle('trend', lang);
  const alt = trendAlt(`${title}, ${period}`, rows, lang);
  const table = [[tableHead('trend', lang), ...names], ...years.map((year) => [
    String(year),
    ...names.map((name) => {
      const row = rows.find((r) => r.year === year && r.name === name);
      return row ? number(row.value, lang) : '..';
    }),
  ])];
  const emptyCells = table.slice(1).some((r) => r.includes('..'));
  const notes = hasGaps ? [chartNotes(lang).gaps] : [];
  const tableNotes = emptyCells ? [chartNotes(lang).noFigure] : [];
  const texts = { alt, percent: briefing.ui.percent };
  const datasets = { segments, points, labels };
  const colour = { domain: names };
  return {
    id: 'trend', title, subtitle: chartSubtitle(period, lang), alt, rows, table, notes, tableNotes,
    vegaLite: fill(templates.trend, templates.config, lang, texts, { datasets, scales: { colour } }),
    compact: fill(templates.trendCompact, templates.config, lang, texts, { datasets, scales: { colour } }),
  };
}

function barSpec(id: Exclude<ChartId, 'trend'>, briefing: Briefing, templates: ChartTemplates): ChartSpec | null {
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
  const rows: ChartRow[] = figures.map((f) => ({ name: f.name, value: f.figure.value! }));
  const sorted = [...figures].sort((a, b) => Number(b.highlight) - Number(a.highlight) || b.figure.value! - a.figure.value!);
  const values = sorted.map((f, order) => ({ name: f.name, value: f.figure.value!, order, highlight: f.highlight }));
  const groups = { size: figures.some((f) => f.figure.sizeClass !== TOTAL_SIZE), industry: figures.some((f) => f.figure.industry !== facts.totalIndustry) };
  const title = chartTitle(id, lang, groups);
  const alt = barsAlt(`${title}, ${briefing.year}`, rows, lang);
  const table = [[tableHead(id, lang), briefing.ui.percent], ...sorted.map((f) => [f.name, number(f.figure.value!, lang)])];
  const texts = { alt, percent: briefing.ui.percent };
  const datasets = { bars: values };
  return {
    id, title, subtitle: chartSubtitle(String(briefing.year), lang), alt, rows, table, notes: [], tableNotes: [],
    vegaLite: fill(templates.bars, templates.config, lang, texts, { datasets }),
    compact: fill(templates.barsCompact, templates.config, lang, texts, { datasets }),
  };
}

/**
 * Vertical positions (in data units) for labels at the line ends: as close to each value as possible, at least
 * `gap` apart, inside [min, max]. Labels keep the order of their values, so none crosses another.
 */
export function placeLabels(values: number[], { min, max, gap }: { min: number; max: number; gap: number }): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v || a.i - b.i);
  const y = order.map((o) => Math.min(Math.max(o.v, min), max));
  for (let k = 1; k < y.length; k++) y[k] = Math.min(y[k]!, y[k - 1]! - gap);
  if (y.length && y[y.length - 1]! < min) {
    y[y.length - 1] = min;
    for (let k = y.length - 2; k >= 0; k--) y[k] = Math.max(y[k]!, y[k + 1]! + gap);
  }
  const out = new Array<number>(values.length);
  order.forEach((o, k) => (out[o.i] = Math.round(y[k]! * 100) / 100));
  return out;
}

/**
 * A template with its texts substituted, its named datasets attached and colour domains set. Data goes in
 * `datasets` only; it never passes through the text substitution.
 */
function fill(
  template: object, config: object, lang: Lang, texts: Record<string, string>,
  parts: { datasets: Record<string, object[]>; scales?: { colour?: { domain: string[] } } },
): Spec {
  const filled = substitute(structuredClone(template), texts) as Spec;
  filled.datasets = parts.datasets;
  filled.config = { ...config, locale: { number: lang === 'en' ? englishNumbers : norwegianNumbers } };
  if (parts.scales?.colour) setColourDomain(filled, parts.scales.colour.domain);
  return filled;
}

/** Every colour scale in the layers gets the series names as its domain, in the trend's order: stable colours. */
function setColourDomain(node: unknown, domain: string[]): void {
  if (Array.isArray(node)) return node.forEach((n) => setColourDomain(n, domain));
  if (!node || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  const colour = (record.encoding as Record<string, unknown> | undefined)?.color as Record<string, unknown> | undefined;
  if (colour && colour.field === 'name') colour.scale = { ...(colour.scale as object), domain };
  for (const value of Object.values(record)) if (value && typeof value === 'object') setColourDomain(value, domain);
}

/** Replace every string that is exactly "{{key}}" with texts[key]. */
function substitute(node: unknown, texts: Record<string, string>): unknown {
  if (typeof node === 'string') {
    const match = /^\{\{(\w+)\}\}$/.exec(node);
    return match ? (texts[match[1]!] ?? node) : node;
  }
  if (Array.isArray(node)) return node.map((item) => substitute(item, texts));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, substitute(value, texts)]));
  }
  return node;
}

/** Compile each spec (both layouts) with vega-lite and render it to SVG with vega, in Node. Warnings fail the chart. */
export async function renderCharts(specs: ChartSpec[]): Promise<RenderedChart[]> {
  if (specs.length === 0) return [];
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const toSvg = async (spec: ChartSpec, vegaLite: Spec, layout: string) => {
    const warnings: string[] = [];
    const logger = collectingLogger(warnings);
    try {
      const { spec: vegaSpec } = vl.compile(vegaLite as never, { logger: logger as never });
      const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none', logger: logger as never });
      const svg = await view.toSVG();
      view.finalize();
      if (warnings.length) throw new Error(warnings.join('; '));
      return withAccessibleName(svg, spec.title, spec.alt);
    } catch (error) {
      throw new ChartError(
        `Chart "${spec.id}" (${layout} layout) failed to render: ${(error as Error).message}. Check templates/charts/ against the Vega-Lite schema.`,
        { chart: spec.id, cause: error },
      );
    }
  };
  return Promise.all(
    specs.map(async (spec) => ({ ...spec, svg: await toSvg(spec, spec.vegaLite, 'wide'), svgCompact: await toSvg(spec, spec.compact, 'compact') })),
  );
}

/**
 * The SVG as one image for assistive technology: role="img", its text alternative as its name, a <title>. Vega's
 * own roles and ARIA attributes on the marks inside are removed: inside an image they would only be noise (and
 * unnamed "graphics-symbol" roles are an accessibility error).
 */
function withAccessibleName(svg: string, title: string, alt: string): string {
  return svg.replace(/\s(?:role|aria-[a-z]+)="[^"]*"/g, '').replace(/^<svg\b([^>]*)>/, (_, attributes: string) =>
    `<svg role="img" aria-label="${escapeHtml(alt)}"${attributes}><title>${escapeHtml(title)}</title>`);
}


/** A vega/vega-lite logger that records warnings and errors instead of printing them. */
export function collectingLogger(into: string[]) {
  let level = 2;
  const logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: unknown[]) { into.push(args.map(String).join(' ')); return logger; },
    warn(...args: unknown[]) { into.push(args.map(String).join(' ')); return logger; },
    info() { return logger; },
    debug() { return logger; },
  };
  return logger;
}
