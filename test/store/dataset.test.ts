import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../pipeline/errors.js';
import { defaultDataRoot } from '../../pipeline/io/paths.js';
import { parseDataset, serializeDataset } from '../../pipeline/store/dataset.js';
import { parseDefinition } from '../../pipeline/store/definition.js';

/**
 * dataset.json read into plain objects and written back: byte for byte as committed, and every kind of bad row
 * refused with the file, the row and the field named.
 */

const folder = (name: string) => join(defaultDataRoot, name);
const read = (name: string, file: string) => readFileSync(join(folder(name), file), 'utf8');
const social = { definition: parseDefinition(read('sosiale-medium', 'briefing.json'), 'briefing.json'), text: read('sosiale-medium', 'dataset.json') };
const ai = { definition: parseDefinition(read('kunstig-intelligens', 'briefing.json'), 'briefing.json'), text: read('kunstig-intelligens', 'dataset.json') };

/** The committed dataset with one row (as an array of column values) changed. */
function withRow(text: string, index: number, change: (row: unknown[]) => void): string {
  const doc = JSON.parse(text);
  change(doc.observations[index]);
  return JSON.stringify(doc);
}

const fails = (text: string, definition = social.definition) => {
  try {
    parseDataset(text, 'dataset.json', definition);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return (error as DatasetError).message;
  }
  throw new Error('the dataset was accepted');
};

describe('the committed datasets', () => {
  it('read and write back byte for byte', () => {
    for (const { definition, text } of [social, ai]) expect(serializeDataset(parseDataset(text, 'dataset.json', definition))).toBe(text);
  });

  it('every article figure is a row of published-figures.csv, with its article and date', () => {
    const dataset = parseDataset(social.text, 'dataset.json', social.definition);
    const csv = read('sosiale-medium', 'published-figures.csv').trim().split('\n').slice(1);
    const rows = dataset.observations.filter((o) => o.article !== null);
    expect(rows.length).toBe(csv.length);
    for (const o of rows) {
      const article = dataset.articles[o.article!]!;
      const line = csv.find((l) =>
        l.startsWith(`${o.period},${o.measure},${o.size},${o.industry},${o.value},${o.bound ?? ''},percent,${article.url},${o.published ?? ''},`),
      );
      expect(line, `${o.id} is not in published-figures.csv`).toBeDefined();
    }
  });

  it("keeps every code of a table cell and SSB's labels for each", () => {
    const dataset = parseDataset(ai.text, 'dataset.json', ai.definition);
    const row = dataset.observations.find((o) => o.measure === 'ai_any' && o.period === '2025' && o.industry === 'Total-K')!;
    expect(row.codes).toEqual({ SyssGrpIKT: '00', NACE2007: 'Total-K', ContentsCode: 'BrukarKunstigIntelli', Tid: '2025' });
    expect(row.value).toBe(30);
    const industry = dataset.tables['13265']!.dimensions.find((d) => d.role === 'industry')!;
    expect(industry.categories.find((c) => c.code === 'Total-K')!.label.no).toBe('Alle næringer, uten finansnæringene');
    expect(dataset.observations.find((o) => o.industry === 'Total+K' && o.period === '2025' && o.measure === 'ai_any')).toMatchObject({
      value: null,
      status: '.',
    });
  });
});

describe('a bad dataset is refused, naming the row and the field', () => {
  it('a share over 100 (760 %)', () => {
    expect(fails(withRow(social.text, 0, (r) => (r[8] = 760)))).toMatch(/row 1, field "value": a share from 0 to 100 \(the row has 760\)/);
  });
  it('a negative share', () => {
    expect(fails(withRow(social.text, 2, (r) => (r[8] = -1)))).toMatch(/row 3, field "value"/);
  });
  it('a misspelt measure', () => {
    expect(fails(withRow(social.text, 4, (r) => (r[3] = 'socal_networks')))).toMatch(
      /row 5, field "measure": "socal_networks" is not a measure of the definition/,
    );
  });
  it('an impossible published date', () => {
    expect(fails(withRow(social.text, 0, (r) => (r[11] = '2013-02-30')))).toMatch(/row 1, field "published": a real date/);
    expect(fails(withRow(social.text, 0, (r) => (r[11] = 'yesterday')))).toMatch(/row 1, field "published"/);
  });
  it("a missing figure without SSB's symbol", () => {
    expect(
      fails(
        withRow(social.text, 0, (r) => {
          r[8] = null;
          r[9] = null;
        }),
      ),
    ).toMatch(/row 1, field "status": a missing figure/);
  });
  it('a symbol SSB does not use', () => {
    expect(
      fails(
        withRow(social.text, 0, (r) => {
          r[8] = null;
          r[9] = '?';
        }),
      ),
    ).toMatch(/row 1, field "status"/);
  });
  it('a size class the codelist does not know', () => {
    expect(fails(withRow(social.text, 0, (r) => (r[4] = '09')))).toMatch(/row 1, field "size": "09" is not in codelists.size/);
  });
  it("a table row with a code the table's metadata does not have", () => {
    expect(
      fails(
        withRow(ai.text, 0, (r) => ((r[7] as Record<string, string>).NACE2007 = '58-63X')),
        ai.definition,
      ),
    ).toMatch(/row 1, field "codes.NACE2007": "58-63X" is not a code of NACE2007 in table 13265/);
  });
  it('two rows for the same figure and revision', () => {
    const doc = JSON.parse(social.text);
    doc.observations.push(doc.observations[0]);
    expect(fails(JSON.stringify(doc))).toMatch(/a second row for .* with revision 0/);
  });
  it('a row of the wrong length, and text that is not JSON', () => {
    expect(fails(withRow(social.text, 0, (r) => r.pop()))).toMatch(/row 1, field "\(row\)": expected an array of 14 values/);
    expect(fails(social.text.slice(0, 500))).toMatch(/not valid JSON/);
  });
});
