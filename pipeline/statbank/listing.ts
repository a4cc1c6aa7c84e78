import type { ListedTable } from './client.js';
import { osloStamp } from './release.js';

/**
 * The text of `briefing tables [query]`, pure: one line per table, e.g.
 *   * 10977  updated 2025-09-24 08:00  last 2025  discontinued, successor 14933  Bruk av sosiale medium, etter …
 */

/** `successor`: for a discontinued table, the id of the table that replaces it, when known. */
export type TableLine = ListedTable & { successor?: string | null };

/** `2025-09-24T06:00:00Z` -> `2025-09-24 08:00` (Oslo); a bare date stays as it is; null -> "unknown". */
export function osloTime(updated: string | null): string {
  if (updated === null) return 'unknown';
  if (/^\d{4}-\d{2}-\d{2}$/.test(updated)) return updated;
  const at = Date.parse(updated);
  return Number.isNaN(at) ? updated : osloStamp(at);
}

/** One line of plain text: control characters (a terminal's escape sequences among them) dropped, spaces collapsed. */
const clean = (text: string) =>
  text
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

function status(t: TableLine): string {
  if (t.discontinued === true) return t.successor ? `discontinued, successor ${clean(t.successor)}` : 'discontinued';
  return t.discontinued === false ? 'current' : 'status unknown';
}

/** `reading`: ids of the tables a briefing reads, marked with `*`. */
export function formatTables(tables: TableLine[], options: { reading?: string[] } = {}): string {
  if (tables.length === 0) return 'No StatBank tables found.\n';
  const reading = new Set(options.reading ?? []);
  const rows = tables.map((t) => ({
    mark: reading.has(t.id) ? '*' : ' ',
    columns: [clean(t.id), `updated ${clean(osloTime(t.updated))}`, `last ${clean(t.lastPeriod ?? '?')}`, status(t)],
    label: clean(t.label).replace(/^\d+\s*:\s*/, ''),
  }));
  const widths = rows[0]!.columns.map((_, i) => Math.max(...rows.map((r) => r.columns[i]!.length)));
  const lines = rows.map((r) => `${r.mark} ${r.columns.map((c, i) => c.padEnd(widths[i]!)).join('  ')}  ${r.label}`.trimEnd());
  const legend = reading.size > 0 && rows.some((r) => r.mark === '*') ? ['* read by a briefing'] : [];
  return `${[...lines, ...legend].join('\n')}\n`;
}
