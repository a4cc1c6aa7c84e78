import type { ListedTable, StatbankClient } from './client.js';

/**
 * Which listed table most plausibly replaces a discontinued one. A heuristic: StatBank records no link to a successor
 * (10977 names 14933 only in a free-text note), and a successor often changes title, dimensions and classification.
 * A person should confirm the guess before a briefing reads the new table.
 */

/** Words a label starts with, after SSB's "12345: " prefix, lower case, punctuation dropped. */
function leadingWords(label: string): string[] {
  return label
    .replace(/^\s*\d+\s*:\s*/, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** How many words two labels start with in common. */
export function sharedLeadingWords(a: string, b: string): number {
  const [x, y] = [leadingWords(a), leadingWords(b)];
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}

/** True when period `a` ("2025", "2024M10", "2024K1") comes after period `b`: same format compared as text, else by year. */
export function periodAfter(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false;
  if (a.length === b.length && /^\d{4}/.test(a) && /^\d{4}/.test(b)) return a > b;
  const [ya, yb] = [a, b].map((period) => /^\d{4}/.exec(period)?.[0]);
  return ya !== undefined && yb !== undefined && ya > yb;
}

const pathKey = (path: { id: string }[]) => path.map((p) => p.id).join('/');

/** The least number of leading words a successor's label must share: enough to pass "Bruk av …" alone. */
const minSharedWords = 3;

/**
 * The best successor (pure): filed under a path in common, not discontinued, first period after `table`'s last,
 * at least `minSharedWords` leading words in common (or the whole of the shorter label); most words shared wins,
 * then the earliest first period.
 */
export function pickSuccessor(table: ListedTable, candidates: ListedTable[]): ListedTable | null {
  const paths = new Set(table.paths.map(pathKey));
  const scored = candidates
    .filter((c) => c.id !== table.id && c.discontinued !== true)
    .filter((c) => c.paths.some((p) => paths.has(pathKey(p))))
    .filter((c) => periodAfter(c.firstPeriod, table.lastPeriod))
    .map((c) => ({ c, words: sharedLeadingWords(c.label, table.label) }))
    .filter(({ c, words }) => words >= Math.min(minSharedWords, leadingWords(c.label).length, leadingWords(table.label).length) && words > 0);
  scored.sort((a, b) => b.words - a.words || (a.c.firstPeriod ?? '').localeCompare(b.c.firstPeriod ?? ''));
  return scored[0]?.c ?? null;
}

/** For a discontinued table, its likely successor among the tables a search for its label's first words finds. */
export async function findSuccessor(client: Pick<StatbankClient, 'listTables'>, info: ListedTable): Promise<ListedTable | null> {
  if (info.discontinued !== true) return null;
  const words = leadingWords(info.label).slice(0, minSharedWords);
  if (words.length === 0) return null;
  const candidates = await client.listTables({ query: words.join(' '), includeDiscontinued: false });
  return pickSuccessor(info, candidates);
}
