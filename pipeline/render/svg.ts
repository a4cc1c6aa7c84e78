import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChartSpec, RenderedChart } from '../briefing/chart-specs.js';
import { ChartError, errorMessage } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { escapeHtml } from '../io/escape.js';
import { projectRoot, templatesDir as defaultTemplatesDir } from '../io/paths.js';
import { formatNumber } from '../text/format.js';

export type { ChartSpec, RenderedChart } from '../briefing/chart-specs.js';

/**
 * Charts to SVG, in Node, without a browser, from templates/charts/<kind>.vl.json (print, wide screens) and
 * <kind>-compact.vl.json (phones). `npm run build` compiles them to Vega (dist/charts/); a compiled spec is used while
 * its hash of template, config and Vega-Lite version matches (else the template is compiled here), so a run loads only
 * the Vega runtime. Any warning fails the chart. Text is measured in Roboto, so the labels' room matches what Chromium draws.
 */

export const chartKinds = ['trend', 'bars'] as const;
const chartLayouts = ['wide', 'compact'] as const;
type Layout = (typeof chartLayouts)[number];
type VegaSpec = Record<string, unknown>;
/** One template compiled to Vega, with the hash of what it was compiled from. */
type CompiledChart = { name: string; source: string; spec: VegaSpec };
type TemplateSource = { name: string; path: string; text: string; config: string; hash: string };

export const compiledChartsDir = join(projectRoot, 'dist', 'charts');

const templateName = (kind: ChartSpec['kind'], layout: Layout) => (layout === 'wide' ? kind : `${kind}-compact`);
const firstLine = (error: unknown) => errorMessage(error).split('\n')[0]!;

/** Room for the line-end labels in value-axis units: a gap of 7 of 100 on a 220 px chart is a 12 px label's line box and a little air. */
const labelRoom = { min: 0, max: 100, gap: 7 };

let vegaLiteVersion: Promise<string> | undefined;

async function readTemplateSources(dir: string): Promise<TemplateSource[]> {
  const read = (path: string) =>
    readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new ChartError(`${path}: cannot read the chart template (${error.code ?? error.message}). Restore it from git.`, { path, cause: error });
    });
  const names = chartKinds.flatMap((kind) => chartLayouts.map((layout) => templateName(kind, layout)));
  const paths = names.map((name) => join(dir, 'charts', `${name}.vl.json`));
  // Vega-Lite's version from its package.json: loading Vega-Lite to ask would cost what compiling ahead saves.
  vegaLiteVersion ??= readFile(join(dirname(fileURLToPath(import.meta.resolve('vega-lite'))), '..', 'package.json'), 'utf8').then(
    (text) => (JSON.parse(text) as { version: string }).version,
  );
  const [config, version, ...texts] = await Promise.all([read(join(dir, 'charts', 'config.json')), vegaLiteVersion, ...paths.map(read)]);
  return names.map((name, i) => {
    const text = texts[i]!;
    const hash = createHash('sha256').update(`vega-lite ${version}\n`).update(config).update('\n').update(text).digest('hex');
    return { name, path: paths[i]!, text, config, hash };
  });
}

/** Compiled specs by folder and source hash: the preview compiles a saved template once, not at every render. */
const compiledByHash = new Map<string, CompiledChart>();

/** Compile one template with Vega-Lite; a warning or an error is a ChartError naming the file. */
async function compileTemplate(source: TemplateSource): Promise<CompiledChart> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const warnings: string[] = [];
  let spec: VegaSpec;
  try {
    const { autosize, ...template } = JSON.parse(source.text) as VegaSpec;
    const config = JSON.parse(source.config) as VegaSpec;
    spec = vl.compile({ ...template, config } as never, { logger: collectingLogger(vega, warnings) }).spec as unknown as VegaSpec;
    // `autosize` goes to Vega as written: Vega-Lite would pass it on, but warns about a step-sized height under any fit type.
    if (autosize !== undefined) spec = { ...spec, autosize };
  } catch (error) {
    throw new ChartError(`${source.path}: does not compile (${firstLine(error)}). Check it against the Vega-Lite schema.`, { path: source.path, cause: error });
  }
  if (warnings.length) {
    throw new ChartError(`${source.path}: Vega-Lite warns: ${warnings.join('; ')}. Fix the template; a chart is never drawn with a warning.`, {
      path: source.path,
    });
  }
  return { name: source.name, source: source.hash, spec };
}

/** Compile every template and write each to `<compiledDir>/<name>.vg.json` (as `npm run build` does); returns the files written. */
export async function writeCompiledCharts(templatesDir: string = defaultTemplatesDir, compiledDir: string = compiledChartsDir): Promise<string[]> {
  const charts = await Promise.all((await readTemplateSources(templatesDir)).map(compileTemplate));
  await mkdir(compiledDir, { recursive: true });
  const targets = charts.map((chart) => join(compiledDir, `${chart.name}.vg.json`));
  await Promise.all(charts.map((chart, i) => writeFileAtomic(targets[i]!, `${JSON.stringify(chart)}\n`)));
  return targets;
}

/** The compiled spec for each template: from memory, from `compiledDir` when its hash matches, else compiled now. */
async function loadCompiled(dir: string, compiledDir: string): Promise<Map<string, CompiledChart>> {
  const compiled = await Promise.all(
    (await readTemplateSources(dir)).map(async (source) => {
      const key = `${compiledDir}\0${source.hash}`;
      if (!compiledByHash.has(key)) {
        const ahead = await readFile(join(compiledDir, `${source.name}.vg.json`), 'utf8').then(
          (t) => JSON.parse(t) as CompiledChart,
          () => null,
        );
        compiledByHash.set(key, ahead?.source === source.hash ? ahead : await compileTemplate(source));
      }
      return compiledByHash.get(key)!;
    }),
  );
  return new Map(compiled.map((c) => [c.name, c]));
}

type Vega = typeof import('vega');
type FontMetrics = Record<string, Record<string, number>>;
/** The parts of a Vega text item its width depends on. */
type TextItem = { fontSize?: number | string; fontWeight?: number | string };

let runtime: Promise<Vega> | undefined;
/** Roboto's advances, once the runtime has loaded them. */
let robotoMetrics: FontMetrics = {};

/** Vega, loaded once, with chart text measured in Roboto (Vega's default in Node, without a canvas, is 0.8 em a character). */
function vegaRuntime(): Promise<Vega> {
  runtime ??= Promise.all([import('vega'), loadFontMetrics()]).then(([vega, metrics]) => {
    robotoMetrics = metrics;
    (vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } }).textMetrics.width = (item, text) =>
      textWidth(metrics, item, text);
    return vega;
  });
  return runtime;
}

async function loadFontMetrics(): Promise<FontMetrics> {
  const path = join(defaultTemplatesDir, 'charts', 'font-metrics.json');
  try {
    return (JSON.parse(await readFile(path, 'utf8')) as { widths: FontMetrics }).widths;
  } catch (error) {
    throw new ChartError(`${path}: cannot read the font metrics (${firstLine(error)}). Restore it from git or run node scripts/font-metrics.mjs.`, {
      path,
      cause: error,
    });
  }
}

/** Widest Roboto advance among the digits and capitals: a character the metrics lack is taken as this wide. */
const unknownCharEm = 0.7;

/** A text's width in px: the sum of its characters' advances at the item's size and weight (Vega's default 11 px). */
export function textWidth(metrics: FontMetrics, item: TextItem, text?: unknown): number {
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
  const value = text == null ? '' : String(text).trim();
  if (size <= 0 || value === '') return 0;
  const weight = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600 ? '700' : Number(item.fontWeight) === 500 ? '500' : '400';
  const widths = metrics[weight] ?? metrics['400'] ?? {};
  let em = 0;
  for (const char of value) em += widths[char] ?? unknownCharEm;
  return em * size;
}

const norwegianNumbers = { decimal: ',', thousands: '\u00a0', grouping: [3], currency: ['', '\u00a0kr'] };
const englishNumbers = { decimal: '.', thousands: ',', grouping: [3], currency: ['£', ''] };

/**
 * Draw each chart in both layouts, from the templates in `templatesDir` (default templates/) and the specs compiled
 * into `compiledDir` (default dist/charts/). A spec that breaks its contract or a Vega warning is a ChartError naming the chart.
 */
export async function renderCharts(specs: ChartSpec[], options: { templatesDir?: string; compiledDir?: string } = {}): Promise<RenderedChart[]> {
  if (specs.length === 0) return [];
  const [compiled, vega] = await Promise.all([
    loadCompiled(options.templatesDir ?? defaultTemplatesDir, options.compiledDir ?? compiledChartsDir),
    vegaRuntime(),
  ]);
  const draw = async (spec: ChartSpec, layout: Layout): Promise<string> => {
    const warnings: string[] = [];
    const logger = collectingLogger(vega, warnings);
    try {
      const filled = fill(compiled.get(templateName(spec.kind, layout))!.spec, spec);
      const view = new vega.View(vega.parse(filled as never, undefined, { logger } as never), {
        renderer: 'none',
        logger,
        locale: { number: spec.lang === 'en' ? englishNumbers : norwegianNumbers },
      } as never);
      const svg = await view.toSVG();
      view.finalize();
      if (warnings.length) throw new Error(warnings.join('; '));
      return withAccessibleName(svg, spec.title, spec.alt);
    } catch (error) {
      if (error instanceof ChartError) throw error;
      throw new ChartError(
        `Chart "${spec.id}" (${layout} layout) failed to render: ${firstLine(error)}. Check templates/charts/${templateName(spec.kind, layout)}.vl.json and the chart's data.`,
        { chart: spec.id, cause: error },
      );
    }
  };
  return Promise.all(specs.map(async (spec) => ({ ...spec, svg: await draw(spec, 'wide'), svgCompact: await draw(spec, 'compact') })));
}

/** The compiled spec with the chart's data in its named datasets and its texts in place of "{{…}}". */
function fill(compiled: VegaSpec, spec: ChartSpec): VegaSpec {
  const datasets = spec.kind === 'trend' ? trendData(spec) : barData(spec);
  const filled = JSON.parse(JSON.stringify(compiled), (_, value) => (value === '{{unitLabel}}' ? spec.unitLabel : value)) as VegaSpec;
  if (spec.kind === 'bars') fitRows(filled, Math.max(1, ...datasets.bars!.map((b) => (b as { lines: string[] }).lines.length)));
  const data = (filled.data ?? []) as { name: string; values?: unknown[] }[];
  for (const entry of data) if (entry.name in datasets) entry.values = datasets[entry.name];
  const missing = Object.keys(datasets).filter((name) => !data.some((d) => d.name === name));
  if (missing.length) throw new Error(`the template has no dataset named ${missing.join(', ')}`);
  return filled;
}

const number = (value: number, lang: ChartSpec['lang']) => formatNumber(value, lang, Number.isInteger(value) ? 0 : 1);
const date = (period: number) => `${String(period).padStart(4, '0')}-01-01`;

/**
 * The trend's datasets: `points` (every measured point), `segments` (two rows per line piece, only from a point to
 * the one it joins: nothing is drawn across a period without a figure), and `labels` (one per series at its last
 * point, placed apart so none overlaps another).
 */
function trendData(spec: ChartSpec): Record<string, object[]> {
  const points = spec.points ?? [];
  const order = spec.series ?? [...new Set(points.map((p) => p.series))];
  const rank = new Map(order.map((s, i) => [s, i]));
  const fail = (problem: string) => new ChartError(`Chart "${spec.id}": ${problem}`, { chart: spec.id });
  for (const p of points) {
    if (!rank.has(p.series)) throw fail(`point of series "${p.series}", which is not in its series list.`);
    if (!Number.isFinite(p.value) || !Number.isInteger(p.period)) throw fail(`${p.series} ${p.period} has no finite value.`);
  }
  const bySeries = order.map((series) => points.filter((p) => p.series === series).sort((a, b) => a.period - b.period));
  const segments = bySeries.flatMap((list, s) =>
    list.flatMap((p, i) => {
      const previous = list[i - 1];
      if (previous?.period === p.period) throw fail(`${p.series} has two points for ${p.period}.`);
      if (!p.joinPrevious) return [];
      if (!previous) throw fail(`the first point of ${p.series} (${p.period}) joins a previous point it does not have.`);
      return [previous, p].map((q) => ({ segment: `${s}:${previous.period}`, series: q.series, order: s, date: date(q.period), value: q.value }));
    }),
  );
  const ends = bySeries.flatMap((list) => list.slice(-1));
  const placed = placeLabels(
    ends.map((e) => e.value),
    labelRoom,
  );
  return {
    points: points.map((p) => ({ series: p.series, order: rank.get(p.series)!, date: date(p.period), value: p.value })),
    segments,
    labels: ends.map((e, i) => ({
      series: e.series,
      order: rank.get(e.series)!,
      date: date(e.period),
      labelY: placed[i]!,
      label: `${e.series} ${number(e.value, spec.lang)}`,
      short: number(e.value, spec.lang),
    })),
  };
}

/** Width (the 300 px phone chart less padding and air) and size of a bar's name in bars-compact.vl.json. */
const nameWidth = 286;
const nameFontSize = 12;

function barData(spec: ChartSpec): Record<string, object[]> {
  const bars = spec.bars ?? [];
  for (const b of bars) if (!Number.isFinite(b.value)) throw new ChartError(`Chart "${spec.id}": bar "${b.name}" has no finite value.`, { chart: spec.id });
  return {
    bars: bars.map((b, order) => ({
      name: b.name,
      lines: wrapText(b.name, nameWidth, { fontSize: nameFontSize }),
      value: b.value,
      order,
      highlight: b.highlight,
      label: number(b.value, spec.lang),
    })),
  };
}

/** `text` broken at spaces into lines no wider than `width` px in Roboto (a word wider than that stands alone). */
function wrapText(text: string, width: number, item: TextItem, metrics: FontMetrics = robotoMetrics): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(metrics, item, next) > width) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
}

/**
 * A template with the params `labelLines` and `rowStep` (the phone layout draws each name over its bar): set the lines,
 * and make each row `rowStep` tall instead of the fixed `y_step` Vega-Lite compiles (moved after the params it follows).
 */
function fitRows(filled: VegaSpec, lines: number): void {
  const signals = (filled.signals ?? []) as { name: string; value?: unknown; update?: string }[];
  const labelLines = signals.find((s) => s.name === 'labelLines');
  if (!labelLines || !signals.some((s) => s.name === 'rowStep')) return;
  labelLines.value = lines;
  const moved = signals.filter((s) => s.name === 'y_step' || s.name === 'height');
  const rest = signals.filter((s) => !moved.includes(s));
  filled.signals = [...rest, ...moved.map((s) => (s.name === 'y_step' ? { name: 'y_step', update: 'rowStep' } : s))];
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
  for (const [k, o] of order.entries()) out[o.i] = Math.round(y[k]! * 100) / 100;
  return out;
}

/**
 * The SVG as one image for assistive technology: role="img", the text alternative as its name, a <title>. Vega's
 * roles and ARIA attributes on the marks are removed (unnamed "graphics-symbol" roles are an accessibility error).
 */
function withAccessibleName(svg: string, title: string, alt: string): string {
  return svg
    .replace(/\s(?:role|aria-[a-z]+)="[^"]*"/g, '')
    .replace(/^<svg\b([^>]*)>/, (_, attributes: string) => `<svg role="img" aria-label="${escapeHtml(alt)}"${attributes}><title>${escapeHtml(title)}</title>`);
}

/** A vega/vega-lite logger that records warnings and errors instead of printing them. */
const collectingLogger = (vega: Vega, into: string[]) => vega.logger(vega.Warn, undefined, (_method, _level, args) => into.push(args.map(String).join(' ')));
