import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { buildChartSpecs, loadChartTemplates, renderCharts, type ChartSpec } from '../pipeline/charts.js';
import { buildBriefing } from '../pipeline/content.js';
import { ChartError } from '../pipeline/errors.js';
import { projectRoot, templatesDir } from '../pipeline/paths.js';
import { committedDataset } from './support/dataset.js';

// vega-lite's package exports don't list its schema file, so read it from the installed package.
const schema = JSON.parse(readFileSync(join(projectRoot, 'node_modules/vega-lite/build/vega-lite-schema.json'), 'utf8'));
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

const templates = await loadChartTemplates(templatesDir);
const dataset = committedDataset();
const cases = [
  [2013, 'nn'], [2013, 'en'], [2019, 'nb'], [2019, 'en'], [2015, 'nn'], [2017, 'nn'],
] as const;
const specsFor = (year: number, lang: 'nn' | 'nb' | 'en') => buildChartSpecs(buildBriefing(dataset, year, lang), templates);

describe('chart specs', () => {
  test.each(cases)('%d %s: every spec validates against the Vega-Lite schema', (year, lang) => {
    const specs = specsFor(year, lang);
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) {
      const ok = validate(spec.vegaLite);
      expect(ok, `${spec.id}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    }
  });

  test('2013 has size, types and purposes charts; 2019 a trend over the years', () => {
    expect(specsFor(2013, 'nn').map((s) => s.id)).toEqual(['groups', 'types', 'purposes']);
    expect(specsFor(2019, 'nn').map((s) => s.id)).toEqual(['groups', 'trend']);
  });

  test('each text alternative names the largest value', () => {
    for (const [year, lang] of cases) {
      for (const spec of specsFor(year, lang)) {
        const values = (spec.vegaLite.data as { values: { value: number }[] }).values.map((v) => v.value);
        const max = Math.max(...values);
        expect(spec.alt, `${year} ${lang} ${spec.id}`).toMatch(new RegExp(`\\b${max} (prosent|per cent)`));
      }
    }
  });
});

describe('rendered SVG', () => {
  test.each(cases)('%d %s: compiles and renders with no warnings', async (year, lang) => {
    const charts = await renderCharts(specsFor(year, lang));
    for (const chart of charts) {
      expect(chart.svg.startsWith('<svg')).toBe(true);
      expect(chart.svg).toContain(chart.title);
    }
  });

  test('the 2013 purposes chart has one bar and one value label per purpose, in Nynorsk', async () => {
    const [purposes] = await renderCharts(specsFor(2013, 'nn').filter((s) => s.id === 'purposes'));
    const svg = purposes!.svg;
    expect(svg.match(/role="graphics-symbol"[^>]*aria-roledescription="bar"/g)?.length).toBe(6);
    for (const label of ['Marknadsføring og omdømme', 'Rekruttering', 'Kontakt med kundar', '>31<', '>24<', '>12<', 'Prosent']) {
      expect(svg).toContain(label);
    }
    expect(svg).toContain('aria-label="Stolpediagram: Kva føretaka bruker sosiale medium til. Høgast er Marknadsføring og omdømme med 31 prosent');
  });

  test('the trend chart draws one line per type, with years on the axis', async () => {
    const [trend] = await renderCharts(specsFor(2019, 'en').filter((s) => s.id === 'trend'));
    const svg = trend!.svg;
    expect(svg.match(/aria-roledescription="line mark"/g)?.length ?? svg.match(/class="mark-line/g)?.length).toBeGreaterThanOrEqual(1);
    for (const label of ['>2013<', '>2019<', 'Social networks', 'Any social media', 'Wikis']) expect(svg).toContain(label);
    expect(svg).not.toContain('2,013');
  });

  test('Norwegian charts use a decimal comma', async () => {
    const spec = specsFor(2013, 'nn').find((s) => s.id === 'types')!;
    const values = (spec.vegaLite.data as { values: { value: number }[] }).values;
    values[0]!.value = 44.5;
    const [chart] = await renderCharts([spec]);
    expect(chart!.svg).toContain('>44,5<');
  });

  test('a spec with a warning fails as a ChartError naming the chart', async () => {
    const spec: ChartSpec = structuredClone(specsFor(2013, 'nn')[0]!);
    (spec.vegaLite.encoding as Record<string, unknown>).y = { field: 'name', type: 'nominal', sort: { field: 'order', op: 'sum' } };
    await expect(renderCharts([spec])).rejects.toThrow(ChartError);
    await expect(renderCharts([spec])).rejects.toThrow(/Chart "groups" failed to render/);
  });
});
