import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { Browser } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ChartSpec } from '../../pipeline/briefing/chart-specs.js';
import { buildBriefing } from '../../pipeline/briefing/content.js';
import type { Lang } from '../../pipeline/briefing/model.js';
import { ChartError } from '../../pipeline/errors.js';
import { projectRoot, templatesDir } from '../../pipeline/io/paths.js';
import { chartKinds, placeLabels, renderCharts, writeCompiledCharts } from '../../pipeline/render/svg.js';
import { formatNumber } from '../../pipeline/text/format.js';
import { committed } from '../support/briefing-text.js';
import { buildDocument, launchTestBrowser } from '../support/visual.js';

/**
 * The charts: the templates compile to Vega without a warning, the specs the briefing builds from its facts
 * (chart-specs.ts) draw as they say, and what is drawn is readable in print. Readability is measured in real Chromium
 * on the real briefing with its stylesheet: every chart label at least 8 pt at the printed size, none overlapping
 * another, none cut off, and only SSB's data colours for data. Both committed briefings: the social-media story
 * (articles' figures, gaps, a trend over years not asked) and the AI one (table 13265, ten industries' long labels).
 */

const folders = { sm: committed('sosiale-medium'), ai: committed('kunstig-intelligens') };
type Name = keyof typeof folders;
const cases: [Name, number, Lang][] = [
  ['sm', 2013, 'nn'],
  ['sm', 2013, 'en'],
  ['sm', 2019, 'nb'],
  ['sm', 2019, 'en'],
  ['sm', 2015, 'nn'],
  ['sm', 2017, 'nn'],
  ['sm', 2014, 'nb'],
  ['sm', 2016, 'en'],
  ['ai', 2025, 'nn'],
  ['ai', 2021, 'en'],
  ['ai', 2024, 'nb'],
];
const specsFor = (name: Name, year: number, lang: Lang) => buildBriefing(folders[name].dataset, folders[name].definition, year, lang).charts;
/** The text drawn in an SVG, one string per <text> element. */
const svgTexts = (svg: string) => [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

/** SSB's colours for data (VISUAL-IDENTITY.md), and the dark and light tones charts use for text, axes and grid. */
const dataColours = ['#1a9d49', '#274247', '#3396d2', '#62919a', '#075745', '#00824d'];
const neutralColours = ['#162327', '#274247', '#62919a', '#c3dcdc', '#ffffff', '#fff'];
const colourValues = (svg: string) =>
  [...svg.matchAll(/(?:fill|stroke)="([^"]+)"/g)].map((m) => m[1]!.toLowerCase()).filter((c) => c !== 'none' && c !== 'transparent');

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'briefing-charts-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('chart templates', () => {
  test('each validates against the Vega-Lite schema', async () => {
    // vega-lite's package exports don't list its schema file, so read it from the installed package.
    const schema = JSON.parse(await readFile(join(projectRoot, 'node_modules/vega-lite/build/vega-lite-schema.json'), 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addFormat('color-hex', /^#(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i);
    ajv.addFormat('uri', true);
    ajv.addFormat('uri-reference', true);
    const validate = ajv.compile(schema);
    const config = JSON.parse(await readFile(join(templatesDir, 'charts/config.json'), 'utf8'));
    for (const name of chartKinds.flatMap((k) => [k, `${k}-compact`])) {
      const template = JSON.parse(await readFile(join(templatesDir, 'charts', `${name}.vl.json`), 'utf8'));
      expect(validate({ ...template, config }), `${name}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    }
  });

  test('each compiles to Vega with zero warnings (a warning would throw)', async () => {
    const written = await writeCompiledCharts(templatesDir, join(work, 'each'));
    const compiled = await Promise.all(written.map(async (file) => JSON.parse(await readFile(file, 'utf8')) as { name: string; source: string }));
    expect(compiled.map((c) => c.name).sort()).toEqual(['bars', 'bars-compact', 'trend', 'trend-compact']);
    for (const chart of compiled) expect(chart.source).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a template Vega-Lite warns about is a ChartError naming the file', async () => {
    const dir = join(work, 'warning');
    await cp(templatesDir, dir, { recursive: true });
    const path = join(dir, 'charts/bars.vl.json');
    const template = JSON.parse(await readFile(path, 'utf8'));
    template.encoding.y.sort = { field: 'order', op: 'sum' }; // an aggregate sort Vega-Lite drops with a warning
    await writeFile(path, JSON.stringify(template));
    const error = await renderCharts(specsFor('sm', 2013, 'nn'), { templatesDir: dir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChartError);
    expect((error as ChartError).message).toMatch(/bars\.vl\.json: Vega-Lite warns: .+\. Fix the template/);
  });

  test('the compiled specs are used while their hash matches; an edited template is compiled anew', async () => {
    const compiledDir = join(work, 'compiled');
    await writeCompiledCharts(templatesDir, compiledDir);
    // Mark the compiled bars spec: if it is used, the marked colour shows.
    const file = join(compiledDir, 'bars.vg.json');
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('#1a9d49', '#00824d'));
    const [used] = await renderCharts(specsFor('sm', 2013, 'nn').slice(0, 1), { compiledDir });
    expect(used!.svg).toContain('#00824d');
    expect(used!.svg).not.toContain('#1a9d49');
    // Edit the template itself: its hash no longer matches, so the marked compiled file is ignored.
    const dir = join(work, 'edited');
    await cp(templatesDir, dir, { recursive: true });
    const template = join(dir, 'charts/bars.vl.json');
    await writeFile(template, (await readFile(template, 'utf8')).replace('"step": 28', '"step": 30'));
    const [fresh] = await renderCharts(specsFor('sm', 2013, 'nn').slice(0, 1), { templatesDir: dir, compiledDir });
    expect(fresh!.svg).toContain('#1a9d49');
    expect(fresh!.svg).not.toContain('#00824d');
  });
});

describe("chart specs from the briefing (buildChartSpecs over the year's facts)", () => {
  test('2013 has size, types and purposes charts; 2019 a trend over the years; 2014 only the trend; the AI briefing industries and a trend', () => {
    expect(specsFor('sm', 2013, 'nn').map((s) => [s.id, s.kind])).toEqual([
      ['groups', 'bars'],
      ['types', 'bars'],
      ['purposes', 'bars'],
    ]);
    expect(specsFor('sm', 2019, 'nn').map((s) => [s.id, s.kind])).toEqual([
      ['groups', 'bars'],
      ['trend', 'trend'],
    ]);
    expect(specsFor('sm', 2014, 'nb').map((s) => [s.id, s.kind])).toEqual([['trend', 'trend']]);
    expect(specsFor('ai', 2025, 'nn').map((s) => [s.id, s.kind])).toEqual([
      ['groups', 'bars'],
      ['trend', 'trend'],
    ]);
  });

  test('the trend has measured points only, joined only to the measurement before (2018: not asked; 2014–2016: no figure)', () => {
    const trend = specsFor('sm', 2019, 'nn').find((s) => s.id === 'trend')!;
    expect(trend.series![0]).toBe('Sosiale medium i alt');
    const networks = trend.points!.filter((p) => p.series === 'Sosiale nettverk');
    expect(networks.map((p) => [p.period, p.value, p.joinPrevious])).toEqual([
      [2013, 44, false],
      [2014, 51, true],
      [2015, 59, true],
      [2016, 67, true],
      [2017, 71, true],
      [2019, 76, true],
    ]);
    // "Any social media" has no figure for 2014–2016, years it was asked: 2013 and 2017 stand apart.
    expect(trend.points!.filter((p) => p.series === 'Sosiale medium i alt').map((p) => [p.period, p.joinPrevious])).toEqual([
      [2013, false],
      [2017, false],
      [2019, true],
    ]);
    expect(trend.notes).toEqual(['Spørsmåla vart ikkje stilte i 2018.']);
    // Every point is an observation the spec names, and every named observation is drawn.
    expect(trend.observations).toHaveLength(trend.points!.length);
  });

  test('each data table has a heading row and one row per bar or year; an empty cell where the dataset has no figure, and a note saying so', () => {
    const [groups, trend] = specsFor('sm', 2019, 'nn');
    expect(groups!.table).toEqual([
      ['Gruppe', 'Prosent'],
      ['Alle næringar, inkludert finansnæringane', '76'],
      ['Handel med og reparasjon av motorvogner', '92'],
      ['Informasjon og kommunikasjon', '92'],
    ]);
    expect(groups!.bars!.map((b) => b.highlight)).toEqual([true, false, false]);
    expect(trend!.table[0]).toEqual(['År', 'Sosiale medium i alt', 'Sosiale nettverk', 'Deling av multimedieinnhald', 'Bloggar og mikrobloggar', 'Wikiar']);
    expect(trend!.table.find((r) => r[0] === '2014')).toEqual(['2014', '', '51', '', '', '']);
    expect(trend!.table.map((r) => r[0])).not.toContain('2018');
    expect(trend!.tableNotes).toEqual(['Tom celle: datagrunnlaget har ikkje dette talet.']);
    // The AI briefing: all industries (excluding finance) first, then highest first.
    const ai = specsFor('ai', 2025, 'nn').find((s) => s.id === 'groups')!;
    expect(ai.table[1]).toEqual(['Alle næringar, utan finansnæringane', '30']);
    expect(ai.table[2]).toEqual(['Informasjon og kommunikasjon', '80']);
    const values = ai.bars!.slice(1).map((b) => b.value);
    expect(values).toEqual([...values].sort((a, b) => b - a));
  });

  test('each text alternative names every largest bar (ties included) and says "rose" or "fell" only when the series did', () => {
    const rose =
      /(?:^|\. )([^.]+?) (auka|økte|rose|gjekk ned|gikk ned|fell) (?:frå|fra|from) ([\d,.]+) (?:prosent|per cent) i?n? ?\d{4} (?:til|to) ([\d,.]+) /g;
    const number = (text: string) => Number(text.replace(',', '.'));
    let sentences = 0;
    for (const [name, year, lang] of cases) {
      for (const spec of specsFor(name, year, lang)) {
        const where = `${name} ${year} ${lang} ${spec.id}: ${spec.alt}`;
        const values = spec.kind === 'trend' ? spec.points!.map((p) => p.value) : spec.bars!.filter((b) => !b.highlight).map((b) => b.value);
        const max = Math.max(...values);
        expect(spec.alt, where).toContain(`${formatNumber(max, lang)} ${lang === 'en' ? 'per cent' : 'prosent'}`);
        if (spec.kind === 'bars') for (const bar of spec.bars!.filter((b) => !b.highlight && b.value === max)) expect(spec.alt, where).toContain(bar.name);
        for (const m of spec.alt.matchAll(rose)) {
          sentences++;
          const [from, to] = [number(m[3]!), number(m[4]!)];
          expect(/auka|økte|rose/.test(m[2]!) ? to > from : to < from, `${where}: "${m[0]}"`).toBe(true);
        }
      }
    }
    expect(sentences).toBeGreaterThan(10); // the pattern does find the trend sentences
    // 2019's industries tie at 92: both are named, neither alone is "the highest".
    const groups = specsFor('sm', 2019, 'en').find((s) => s.id === 'groups')!;
    expect(groups.alt).toBe(
      'Bar chart: Use of social media by industry, 2019. Highest is Trade and repair of motor vehicles and Information and communication at 92 per cent.',
    );
    // A series that ends where it began is said to be unchanged, not to have risen.
    expect(specsFor('sm', 2019, 'en').find((s) => s.id === 'trend')!.alt).toContain('Wikis was 5 per cent in both 2013 and 2019.');
  });
});

describe('rendered SVG', () => {
  test.each(cases)('%s %d %s: both layouts render without a warning, named for assistive technology, no label cut short', async (name, year, lang) => {
    const charts = await renderCharts(specsFor(name, year, lang));
    expect(charts.length).toBeGreaterThan(0);
    for (const chart of charts) {
      for (const svg of [chart.svg, chart.svgCompact]) {
        expect(svg.startsWith('<svg role="img" aria-label="')).toBe(true);
        expect(svg).toContain(`<title>${chart.title}</title>`);
        expect(svgTexts(svg).some((t) => t.includes('…'))).toBe(false);
      }
    }
  });

  test.each(cases)("%s %d %s: colours only from SSB's palette (data) and its dark tones (text, axes, grid)", async (name, year, lang) => {
    for (const chart of await renderCharts(specsFor(name, year, lang))) {
      for (const svg of [chart.svg, chart.svgCompact]) {
        const colours = new Set(colourValues(svg));
        for (const colour of colours) expect([...dataColours, ...neutralColours], `${chart.id}: ${colour}`).toContain(colour);
        expect(svg).not.toMatch(/#9272fc|#cb3713|#dc3400|#ff896b/i); // focus purple and alert reds are not for data
      }
    }
  });

  test('bars are drawn in SSB green, the reference bar (all enterprises) in SSB dark', async () => {
    const [groups] = await renderCharts(specsFor('sm', 2019, 'nn').filter((s) => s.id === 'groups'));
    const barFills = [...groups!.svg.matchAll(/<path[^>]*fill="(#[0-9a-f]{6})"[^>]*>/gi)].map((m) => m[1]!.toLowerCase());
    expect(barFills.filter((c) => c === '#274247')).toHaveLength(1);
    expect(barFills.filter((c) => c === '#1a9d49')).toHaveLength(2);
  });

  test('the trend draws a line only between a point and the one it joins: none across a missing year', async () => {
    const spec: ChartSpec = {
      id: 'trend',
      kind: 'trend',
      lang: 'en',
      title: 'Test',
      subtitle: '',
      alt: 'Test',
      unitLabel: 'Per cent',
      table: [],
      notes: [],
      tableNotes: [],
      observations: [],
      series: ['A', 'B'],
      points: [
        { series: 'A', period: 2013, value: 40, joinPrevious: false },
        { series: 'A', period: 2014, value: 45, joinPrevious: true },
        { series: 'A', period: 2016, value: 60, joinPrevious: false }, // 2015 has no figure: no line 2014–2016
        { series: 'A', period: 2017, value: 65, joinPrevious: true },
        { series: 'B', period: 2013, value: 10, joinPrevious: false },
        { series: 'B', period: 2017, value: 20, joinPrevious: false }, // measured four years apart: points only
      ],
    };
    const [chart] = await renderCharts([spec]);
    for (const svg of [chart!.svg, chart!.svgCompact]) {
      const lines = [...svg.matchAll(/<g class="mark-line role-mark[^"]*">(.*?)<\/g>/gs)].flatMap((m) =>
        [...m[1]!.matchAll(/<path\b[^>]*\bd="([^"]+)"/g)].map((p) => p[1]!),
      );
      expect(lines).toHaveLength(2); // 2013–2014 and 2016–2017 of A
      const xs = lines.map((d) => [...d.matchAll(/[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)].map((m) => Number(m[1])));
      for (const x of xs) expect(x).toHaveLength(2); // each line joins exactly two measured points
      const [first, second] = xs as [number[], number[]];
      const yearWidth = first[1]! - first[0]!;
      expect(yearWidth).toBeGreaterThan(0);
      expect(second[1]! - second[0]!).toBeCloseTo(yearWidth, 0); // 2016–2017: one year, like 2013–2014
      expect(second[0]! - first[1]!).toBeCloseTo(2 * yearWidth, 0); // and nothing drawn over 2014–2016
      expect(svg).not.toContain('stroke-dasharray'); // no dashed "gap" segments
    }
    expect(svgTexts(chart!.svg)).toEqual(expect.arrayContaining(['A 65', 'B 20']));
  });

  const withTrend = cases.filter(([name, year, lang]) => specsFor(name, year, lang).some((s) => s.kind === 'trend'));
  test.each(withTrend)('%s %d %s: the trend draws one line piece per joined point, none else', async (name, year, lang) => {
    const trends = (await renderCharts(specsFor(name, year, lang))).filter((c) => c.kind === 'trend');
    expect(trends).toHaveLength(1);
    for (const chart of trends) {
      const joined = chart.points!.filter((p) => p.joinPrevious).length;
      expect(chart.points!.length - joined, `${chart.id}: points that stand alone`).toBeGreaterThan(0);
      for (const svg of [chart.svg, chart.svgCompact]) {
        const pieces = [...svg.matchAll(/<g class="mark-line role-mark[^"]*">(.*?)<\/g>/gs)].flatMap((m) => [...m[1]!.matchAll(/<path\b/g)]);
        expect(pieces, `${name} ${year} ${lang}: line pieces`).toHaveLength(joined);
      }
    }
  });

  test('a point that joins a previous point it does not have, or a series not listed, is a ChartError', async () => {
    const base: Omit<ChartSpec, 'points'> = {
      id: 'trend',
      kind: 'trend',
      lang: 'nn',
      title: 'T',
      subtitle: '',
      alt: 'T',
      unitLabel: 'Prosent',
      table: [],
      notes: [],
      tableNotes: [],
      observations: [],
      series: ['A'],
    };
    await expect(renderCharts([{ ...base, points: [{ series: 'A', period: 2013, value: 1, joinPrevious: true }] }])).rejects.toThrow(
      'Chart "trend": the first point of A (2013) joins a previous point it does not have.',
    );
    await expect(renderCharts([{ ...base, points: [{ series: 'C', period: 2013, value: 1, joinPrevious: false }] }])).rejects.toThrow(ChartError);
  });

  test('Norwegian charts use a decimal comma', async () => {
    const spec = specsFor('sm', 2013, 'nn').find((s) => s.id === 'types')!;
    spec.bars![0]!.value = 44.5;
    const [chart] = await renderCharts([spec]);
    expect(svgTexts(chart!.svg)).toContain('44,5');
    expect(svgTexts(chart!.svgCompact)).toContain('44,5');
  });

  test('line-end labels stay apart, keeping their order, inside the scale', () => {
    expect(placeLabels([76, 15, 5], { min: 0, max: 100, gap: 7 })).toEqual([76, 15, 5]);
    expect(placeLabels([76, 76, 15, 10, 5], { min: 0, max: 100, gap: 7 })).toEqual([76, 69, 15, 8, 1]);
    expect(placeLabels([1, 0, 2], { min: 0, max: 100, gap: 5 })).toEqual([5, 0, 10]);
  });
});

/** A4 less the stylesheet's @page side margins, in CSS px: the width the printed page lays the briefing out in. */
async function printColumnPx(): Promise<number> {
  const css = await readFile(join(templatesDir, 'briefing.css'), 'utf8');
  const margin = /@page\s*\{[^}]*margin:\s*([^;]+);/.exec(css)?.[1]?.trim().split(/\s+/) ?? [];
  const mm = (value: string | undefined) => {
    const m = /^([\d.]+)mm$/.exec(value ?? '');
    if (!m) throw new Error(`cannot read the @page margin "${value}" in mm from briefing.css`);
    return Number(m[1]);
  };
  const [, right = margin[0], , left = right] = margin;
  return ((210 - mm(right) - mm(left)) / 25.4) * 96;
}

interface TextBox {
  text: string;
  pt: number;
  x: number;
  y: number;
  width: number;
  height: number;
  inside: boolean;
}

describe('in the printed briefing (real Chromium, the real stylesheet)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchTestBrowser();
  });
  afterAll(() => browser?.close());

  /** Every visible chart label: its effective size in pt and its box, in the charts of `selector`. */
  async function labels(html: string, selector: string, viewport: { width: number; print: boolean }): Promise<TextBox[][]> {
    const page = await browser.newPage();
    try {
      await page.setViewport({ width: Math.floor(viewport.width), height: 1200 });
      await page.emulateMediaType(viewport.print ? 'print' : 'screen');
      await page.setContent(html, { waitUntil: 'load' });
      await page.evaluate(() => document.fonts.ready);
      return await page.$$eval(selector, (svgs) =>
        (svgs as SVGSVGElement[]).map((svg) => {
          const box = svg.getBoundingClientRect();
          const scale = box.width / svg.width.baseVal.value;
          return Array.from(svg.querySelectorAll('text'))
            .filter((t) => (t.textContent ?? '').trim() !== '' && Number(getComputedStyle(t).opacity) > 0 && t.closest('[opacity="0"]') === null)
            .map((t) => {
              const r = t.getBoundingClientRect();
              const px = Number.parseFloat(getComputedStyle(t).fontSize);
              const inside = r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5;
              return { text: t.textContent!, pt: px * scale * 0.75, x: r.left, y: r.top, width: r.width, height: r.height, inside };
            });
        }),
      );
    } finally {
      await page.close();
    }
  }

  const overlaps = (boxes: TextBox[]) =>
    boxes.flatMap((a, i) =>
      boxes
        .slice(i + 1)
        .filter((b) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5)
        .map((b) => `"${a.text}" × "${b.text}"`),
    );

  test.each(cases)('%s %d %s: every label at least 8 pt printed, inside its chart, none overlapping another', async (name, year, lang) => {
    const { html, charts } = await buildDocument(folders[name], year, lang);
    const column = await printColumnPx();
    const printed = await labels(html, '.chart-wide svg', { width: column, print: true });
    expect(printed).toHaveLength(charts.length);
    for (const [i, boxes] of printed.entries()) {
      expect(boxes.length, charts[i]!.id).toBeGreaterThan(3);
      const small = boxes.filter((b) => b.pt < 8).map((b) => `"${b.text}" ${b.pt.toFixed(2)} pt`);
      expect(small, `${charts[i]!.id}: labels under 8 pt`).toEqual([]);
      expect(overlaps(boxes), `${charts[i]!.id}: overlapping labels`).toEqual([]);
      expect(
        boxes.filter((b) => !b.inside).map((b) => b.text),
        `${charts[i]!.id}: labels cut off`,
      ).toEqual([]);
    }
    // On a phone the compact charts: no overlap, nothing cut off.
    const phone = await labels(html, '.chart-compact svg', { width: 360, print: false });
    for (const [i, boxes] of phone.entries()) {
      expect(overlaps(boxes), `${charts[i]!.id} compact: overlapping labels`).toEqual([]);
      expect(
        boxes.filter((b) => !b.inside).map((b) => b.text),
        `${charts[i]!.id} compact: labels cut off`,
      ).toEqual([]);
    }
  });

  test("the layout's text widths (Roboto metrics) agree with Chromium's within 3 %", async () => {
    const { charts } = await buildDocument(folders.ai, 2025, 'nb');
    const { textWidth } = await import('../../pipeline/render/svg.js');
    const metrics = JSON.parse(await readFile(join(templatesDir, 'charts/font-metrics.json'), 'utf8')).widths;
    const page = await browser.newPage();
    try {
      const { fonts } = await (await import('../../pipeline/render/html.js')).loadTemplateAssets(templatesDir);
      await page.setContent(`<style>${fonts}</style><div>${charts.map((c) => c.svg).join('')}</div>`, { waitUntil: 'load' });
      await page.evaluate(() => document.fonts.ready);
      const measured = await page.$$eval('svg text', (texts) =>
        (texts as SVGTextElement[]).map((t) => ({
          text: t.textContent ?? '',
          width: t.getComputedTextLength(),
          size: getComputedStyle(t).fontSize,
          weight: getComputedStyle(t).fontWeight,
        })),
      );
      expect(measured.length).toBeGreaterThan(10);
      for (const m of measured.filter((x) => x.text.trim().length > 2)) {
        const estimate = textWidth(metrics, { fontSize: Number.parseFloat(m.size), fontWeight: m.weight }, m.text);
        expect(Math.abs(estimate - m.width) / m.width, `"${m.text}": ${estimate.toFixed(1)} vs ${m.width.toFixed(1)} px`).toBeLessThan(0.03);
      }
    } finally {
      await page.close();
    }
  });
});
