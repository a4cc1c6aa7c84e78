import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { buildChartSpecs, collectingLogger, loadChartTemplates, placeLabels, renderCharts, type ChartSpec } from '../../pipeline/render/svg.js';
import { buildBriefing } from '../../pipeline/briefing/content.js';
import { ChartError } from '../../pipeline/errors.js';
import { formatPercent } from '../../pipeline/text/format.js';
import { projectRoot, templatesDir } from '../../pipeline/io/paths.js';
import { committedDataset } from '../support/dataset.js';

// vega-lite's package exports don't list its schema file, so read it from the installed package.
const schema = JSON.parse(readFileSync(join(projectRoot, 'node_modules/vega-lite/build/vega-lite-schema.json'), 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: true });
// The formats the schema uses: colours are checked; URIs (only $schema and URLs, which the specs don't use) pass.
ajv.addFormat('color-hex', /^#(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i);
ajv.addFormat('uri', true);
ajv.addFormat('uri-reference', true);
const validate = ajv.compile(schema);

const templates = await loadChartTemplates(templatesDir);
const dataset = committedDataset();
const cases = [
  [2013, 'nn'], [2013, 'en'], [2019, 'nb'], [2019, 'en'], [2015, 'nn'], [2017, 'nn'], [2014, 'nb'], [2016, 'en'],
] as const;
const specsFor = (year: number, lang: 'nn' | 'nb' | 'en') => buildChartSpecs(buildBriefing(dataset, year, lang), templates);
const layouts = (spec: ChartSpec) => [['wide', spec.vegaLite], ['compact', spec.compact]] as const;
/** The text drawn in an SVG, one string per <text> element. */
const svgTexts = (svg: string) => [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

describe('chart specs', () => {
  test.each(cases)('%d %s: every spec, wide and compact, validates against the Vega-Lite schema', (year, lang) => {
    const specs = specsFor(year, lang);
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) {
      for (const [layout, vegaLite] of layouts(spec)) {
        const ok = validate(vegaLite);
        expect(ok, `${spec.id} ${layout}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
      }
    }
  });

  test.each(cases)('%d %s: every spec compiles with vega-lite and parses with vega without a warning', async (year, lang) => {
    const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
    for (const spec of specsFor(year, lang)) {
      for (const [layout, vegaLite] of layouts(spec)) {
        const warnings: string[] = [];
        const logger = collectingLogger(warnings);
        const compiled = vl.compile(vegaLite as never, { logger: logger as never });
        new vega.View(vega.parse(compiled.spec), { renderer: 'none', logger: logger as never }).finalize();
        expect(warnings, `${year} ${lang} ${spec.id} ${layout}`).toEqual([]);
      }
    }
  });

  test('2013 has size, types and purposes charts; 2019 a trend over the years', () => {
    expect(specsFor(2013, 'nn').map((s) => s.id)).toEqual(['groups', 'types', 'purposes']);
    expect(specsFor(2019, 'nn').map((s) => s.id)).toEqual(['groups', 'trend']);
  });

  test('each text alternative states a finding and names the largest value, as the text writes it', () => {
    for (const [year, lang] of cases) {
      for (const spec of specsFor(year, lang)) {
        const max = Math.max(...spec.rows.map((r) => r.value));
        expect(spec.alt, `${year} ${lang} ${spec.id}`).toContain(formatPercent(max, lang));
        expect(spec.alt, `${year} ${lang} ${spec.id}`).toMatch(/(Høgast|Høyest|Highest|auka|økte|rose|gjekk ned|gikk ned|fell)/);
      }
    }
  });

  test('the alternative follows the data: a larger value elsewhere becomes the one named', () => {
    const spec = specsFor(2013, 'nn').find((s) => s.id === 'purposes')!;
    expect(spec.alt).toContain('Høgast er Marknadsføring og omdømme med 31 prosent, lågast Samarbeid med partnarar med 12 prosent.');
    const changed = buildChartSpecs(
      buildBriefing({ ...dataset, observations: dataset.observations.map((o) => (o.measure === 'purpose_recruitment' && o.year === 2013 ? { ...o, value: 41.5 } : o)) }, 2013, 'nn'),
      templates,
    ).find((s) => s.id === 'purposes')!;
    expect(changed.alt).toContain('Høgast er Rekruttering med 41,5 prosent');
  });

  test('each data table has a heading row and one row per bar or year, with SSB\'s symbol for a year without a figure', () => {
    const [groups, trend] = specsFor(2019, 'nn');
    expect(groups!.table).toEqual([['Gruppe', 'Prosent'], ['Alle føretak', '76'], ['Handel med og reparasjon av motorvogner', '92'], ['Informasjon og kommunikasjon', '92']]);
    expect(trend!.table[0]).toEqual(['År', 'Sosiale medium i alt', 'Sosiale nettverk', 'Deling av multimedieinnhald', 'Bloggar og mikrobloggar', 'Wikiar']);
    expect(trend!.table.find((r) => r[0] === '2014')).toEqual(['2014', '..', '51', '..', '..', '..']);
    expect(trend!.tableNotes).toEqual(['Symbol: .. = talgrunnlag manglar.']);
    expect(trend!.notes).toEqual(['Stipla linje: år utan tal.']);
  });

  test('the groups chart is titled by what it groups by', () => {
    expect(specsFor(2013, 'nn')[0]!.title).toBe('Bruk av sosiale medium etter storleik');
    expect(specsFor(2019, 'en')[0]!.title).toBe('Use of social media by industry');
  });
});

describe('labels at the line ends', () => {
  test('stay at their values when they are far enough apart', () => {
    expect(placeLabels([76, 15, 5], { min: 0, max: 100, gap: 5.5 })).toEqual([76, 15, 5]);
  });
  test('are pushed apart, keeping their order, when values are close', () => {
    const y = placeLabels([76, 76, 15, 10, 5], { min: 0, max: 100, gap: 5.5 });
    expect(y).toEqual([76, 70.5, 15, 9.5, 4]);
  });
  test('never leave the scale: a crowd at the bottom is stacked upwards from it', () => {
    const y = placeLabels([1, 0, 2], { min: 0, max: 100, gap: 5 });
    expect(y).toEqual([5, 0, 10]);
  });
});

describe('rendered SVG', () => {
  test.each(cases)('%d %s: renders both layouts; no label is cut short', async (year, lang) => {
    const charts = await renderCharts(specsFor(year, lang));
    for (const chart of charts) {
      for (const svg of [chart.svg, chart.svgCompact]) {
        expect(svg.startsWith('<svg role="img" aria-label="')).toBe(true);
        expect(svg).toContain(`<title>${chart.title}</title>`);
        expect(svgTexts(svg).some((t) => t.includes('…'))).toBe(false);
      }
    }
  });

  test('the 2013 purposes chart has one bar and one value per purpose, in Nynorsk, with every name whole', async () => {
    const [purposes] = await renderCharts(specsFor(2013, 'nn').filter((s) => s.id === 'purposes'));
    for (const svg of [purposes!.svg, purposes!.svgCompact]) {
      expect(svg.match(/<path[^>]*class="[^"]*"[^>]*>|<path /g)?.length ?? 0).toBeGreaterThan(0);
      const texts = svgTexts(svg);
      for (const label of ['Marknadsføring og omdømme', 'Rekruttering', 'Kontakt med kundar', 'Samarbeid med partnarar', '31', '24', '12', 'Prosent']) {
        expect(texts).toContain(label);
      }
    }
    expect(purposes!.svg).toContain('aria-label="Stolpediagram: Kva føretaka bruker sosiale medium til, 2013. Høgast er Marknadsføring og omdømme med 31 prosent');
  });

  test('the trend chart has years on its axis and each line labelled at its end instead of a legend', async () => {
    const [trend] = await renderCharts(specsFor(2019, 'en').filter((s) => s.id === 'trend'));
    const wide = svgTexts(trend!.svg);
    for (const label of ['2013', '2016', '2019', 'Any social media 76', 'Social networks 76', 'Wikis 5']) expect(wide).toContain(label);
    expect(wide.join(' ')).not.toMatch(/2,013|2\.013/);
    expect(trend!.svg).not.toContain('role-legend');
    // On a phone the names go in a legend under the chart; the line ends carry the values.
    const compact = svgTexts(trend!.svgCompact);
    for (const label of ['Any social media', 'Multimedia sharing', '76', '15']) expect(compact).toContain(label);
  });

  test('segments bridging years without figures are dashed', async () => {
    const [trend] = await renderCharts(specsFor(2019, 'nn').filter((s) => s.id === 'trend'));
    expect(trend!.svg).toMatch(/stroke-dasharray="5,4"/);
  });

  test('Norwegian charts use a decimal comma', async () => {
    const spec = specsFor(2013, 'nn').find((s) => s.id === 'types')!;
    const bars = (spec.vegaLite.datasets as { bars: { value: number }[] }).bars;
    bars[0]!.value = 44.5;
    const [chart] = await renderCharts([spec]);
    expect(svgTexts(chart!.svg)).toContain('44,5');
  });

  test('a spec with a warning fails as a ChartError naming the chart', async () => {
    const spec: ChartSpec = structuredClone(specsFor(2013, 'nn')[0]!);
    (spec.vegaLite.encoding as Record<string, unknown>).y = { field: 'name', type: 'nominal', sort: { field: 'order', op: 'sum' } };
    await expect(renderCharts([spec])).rejects.toThrow(ChartError);
    await expect(renderCharts([spec])).rejects.toThrow(/Chart "groups" \(wide layout\) failed to render/);
  });
});
