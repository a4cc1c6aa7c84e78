import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Briefing } from './content.js';
import { barsAlt, chartSubtitle, chartTitle, trendAlt, type ChartRow } from './chart-text.js';
import { ChartError } from './errors.js';
import type { Figure } from './facts.js';
import { TOTAL_INDUSTRY, TOTAL_SIZE } from './facts.js';
import { formatNumber, type Lang } from './lang.js';
import { industryText, measureText, sizeClassText } from './labels.js';

/**
 * Charts: Vega-Lite spec templates (templates/charts/*.vl.json) filled with the briefing's rows (pure), then
 * compiled to Vega and rendered to SVG in Node, without a browser. Any Vega-Lite or Vega warning is an error:
 * a chart that renders with warnings is a chart nobody checked.
 */

export type ChartId = 'trend' | 'types' | 'purposes' | 'groups';

export interface ChartTemplates {
  trend: object;
  bars: object;
  config: object;
}

export interface ChartSpec {
  id: ChartId;
  title: string;
  alt: string;
  vegaLite: Record<string, unknown>;
  /** The numbers behind the chart, as text cells (first row is the header). */
  table: string[][];
}

export interface RenderedChart extends ChartSpec {
  svg: string;
}

export async function loadChartTemplates(dir: string): Promise<ChartTemplates> {
  const read = async (name: string) => {
    const path = join(dir, 'charts', name);
    try {
      return JSON.parse(await readFile(path, 'utf8')) as object;
    } catch (error) {
      throw new ChartError(`${path}: cannot read the chart template (${(error as Error).message}). Restore it from git.`, { path, cause: error });
    }
  };
  const [trend, bars, config] = await Promise.all([read('trend.vl.json'), read('bars.vl.json'), read('config.json')]);
  return { trend, bars, config };
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

function trendSpec(briefing: Briefing, templates: ChartTemplates): ChartSpec | null {
  const { lang, facts } = briefing;
  const rows = facts.trend.map((f) => ({ name: measureText(f.measure, lang).name, value: f.value!, year: f.year, measure: f.measure }));
  const names = [...new Set(rows.map((r) => r.name))];
  if (rows.length < 2) return null;
  const lastYear = new Map<string, number>();
  for (const r of rows) lastYear.set(r.name, Math.max(lastYear.get(r.name) ?? 0, r.year));
  const values = rows.map((r) => ({
    date: `${r.year}-01-01`, name: r.name, value: r.value, order: names.indexOf(r.name), last: r.year === lastYear.get(r.name),
  }));
  const years = [...new Set(rows.map((r) => r.year))].sort((a, b) => a - b);
  const title = chartTitle('trend', lang);
  const alt = trendAlt(title, rows, lang);
  const table = [[briefing.ui.year, ...names], ...years.map((year) => [
    String(year),
    ...names.map((name) => {
      const row = rows.find((r) => r.year === year && r.name === name);
      return row ? formatNumber(row.value, lang, Number.isInteger(row.value) ? 0 : 1) : '';
    }),
  ])];
  const period = `${years[0]}–${years[years.length - 1]}`;
  return fill('trend', templates.trend, templates.config, lang, { title, subtitle: chartSubtitle(period, lang), alt, percent: briefing.ui.percent }, values, table);
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
        name: f.industry !== TOTAL_INDUSTRY ? industryText(f.industry, lang) : sizeClassText(f.sizeClass, lang).name,
        highlight: false,
      })),
    ];
  }
  if (figures.length < 2) return null;
  const rows: ChartRow[] = figures.map((f) => ({ name: f.name, value: f.figure.value! }));
  const sorted = [...figures].sort((a, b) => Number(b.highlight) - Number(a.highlight) || b.figure.value! - a.figure.value!);
  const values = sorted.map((f, order) => ({ name: f.name, value: f.figure.value!, order, highlight: f.highlight }));
  const title = chartTitle(id, lang);
  const alt = barsAlt(title, rows, lang);
  const table = [['', briefing.ui.percent], ...sorted.map((f) => [f.name, formatNumber(f.figure.value!, lang, Number.isInteger(f.figure.value!) ? 0 : 1)])];
  return fill(id, templates.bars, templates.config, lang, { title, subtitle: chartSubtitle(String(briefing.year), lang), alt, percent: briefing.ui.percent }, values, table);
}

function fill(
  id: ChartId, template: object, config: object, lang: Lang, texts: Record<string, string>, values: object[], table: string[][],
): ChartSpec {
  const filled = substitute(structuredClone(template), texts) as Record<string, unknown>;
  filled.data = { values };
  filled.config = { ...config, locale: { number: lang === 'en' ? englishNumbers : norwegianNumbers } };
  return { id, title: texts.title!, alt: texts.alt!, vegaLite: filled, table };
}

/** Replace every string that is exactly "{{key}}" with texts[key]. Data never passes through here. */
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

/** Compile each spec with vega-lite and render it to SVG with vega, in Node. Warnings fail the chart. */
export async function renderCharts(specs: ChartSpec[]): Promise<RenderedChart[]> {
  if (specs.length === 0) return [];
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  return Promise.all(
    specs.map(async (spec) => {
      const warnings: string[] = [];
      const logger = collectingLogger(warnings);
      try {
        const { spec: vegaSpec } = vl.compile(spec.vegaLite as never, { logger: logger as never });
        const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none', logger: logger as never });
        const svg = await view.toSVG();
        view.finalize();
        if (warnings.length) throw new Error(warnings.join('; '));
        return { ...spec, svg: withAccessibleName(svg, spec.title, spec.alt) };
      } catch (error) {
        throw new ChartError(
          `Chart "${spec.id}" failed to render: ${(error as Error).message}. Check templates/charts/ against the Vega-Lite schema.`,
          { chart: spec.id, cause: error },
        );
      }
    }),
  );
}

/** The SVG as one image for assistive technology: role="img", its text alternative as its name, a <title>. */
function withAccessibleName(svg: string, title: string, alt: string): string {
  return svg.replace(/^<svg\b([^>]*)>/, (_, attributes: string) =>
    `<svg role="img" aria-label="${escapeXml(alt)}"${attributes}><title>${escapeXml(title)}</title>`);
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
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
