import { describe, expect, test } from 'vitest';
import { buildBriefing, plainNote } from '../../pipeline/briefing/content.js';
import type { Dataset, Observation } from '../../pipeline/store/dataset.js';
import { latestYear } from '../../pipeline/briefing/facts.js';
import { buildObservations } from '../../pipeline/fetch.js';
import { parseJsonStatText } from '../../pipeline/statbank/jsonstat.js';
import { defaultTablesPath, loadTablesConfig } from '../../pipeline/store/tables.js';
import { committedDataset } from '../support/dataset.js';
import { statbankText } from '../support/statbank-fixtures.js';

/** The briefing built from whole StatBank tables (the synthetic 10977 and 14933), not just the articles' figures. */
const tables = await loadTablesConfig(defaultTablesPath);
function fetched(id: '10977' | '14933', updated: string): Observation[] {
  const table = tables.tables.find((t) => t.id === id)!;
  return buildObservations(parseJsonStatText(statbankText(`${id}_data.json`), { table: id }), table, { updated });
}
const base = committedDataset();
const dataset: Dataset = {
  ...base,
  tables: {
    '10977': { id: '10977', series: 'SN2007', label: '10977: Bruk av sosiale medium', updated: '2025-09-10T06:00:00Z', fetchedAt: '2025-09-10T07:00:00Z', notes: ['Sjå [tabell 14933](https://www.ssb.no/statbank/table/14933).'] },
  },
  observations: fetched('10977', '2025-09-10T06:00:00Z'),
};

describe('a briefing from a whole table', () => {
  test('the size paragraph tells the headline measure and at most one type, for the largest and smallest class', () => {
    const b = buildBriefing(dataset, 2025, 'nn');
    const size = b.sections.find((s) => s.id === 'size')!;
    const text = size.paragraphs[0]!.filter((p): p is string => typeof p === 'string').join('');
    expect(text.match(/Blant føretaka med/g)).toHaveLength(2);
    expect(text).toContain('minst 100 sysselsette');
    expect(text).toContain('10–19 sysselsette');
    expect(text).not.toContain('rekruttering');
    expect(text.length).toBeLessThan(500);
  });

  test('the source table is named once, and SSB\'s Markdown note reads as text', () => {
    const b = buildBriefing(dataset, 2025, 'nn');
    const table = b.about.sources.find((s) => s.label.includes('10977'))!;
    expect(table.label).not.toMatch(/10977:?\s*10977/);
    expect(table.notes).toEqual(['Sjå tabell 14933 (https://www.ssb.no/statbank/table/14933).']);
  });

  test('the default year is the latest with a headline figure; an SN2025 year leads with its own total', () => {
    const only2026Types: Dataset = {
      ...dataset,
      observations: [...dataset.observations, ...fetched('14933', '2026-09-09T06:00:00Z').filter((o) => o.measure === 'wikis')],
    };
    expect(latestYear(only2026Types)).toBe(2025);
    const with2026: Dataset = { ...dataset, observations: [...dataset.observations, ...fetched('14933', '2026-09-09T06:00:00Z')] };
    expect(latestYear(with2026)).toBe(2026);
    const b = buildBriefing(with2026, 2026, 'nn');
    expect(b.facts.totalIndustry).toBe('Total');
    expect(b.series).toBe('SN2025');
    expect(b.notes.map((n) => n.text).join(' ')).toContain('SN2025');
  });

  test('plainNote turns Markdown links into text and CRLF into newlines', () => {
    expect(plainNote('a [b](https://x.no/y)\r\nc')).toBe('a b (https://x.no/y)\nc');
    expect(plainNote('[x](javascript:alert(1))')).toBe('[x](javascript:alert(1))');
  });
});
