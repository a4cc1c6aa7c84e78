import { FetchError } from '../errors.js';

/** A PxWebApi v2 selection: value codes or expressions (`*`, `top(n)`, `range(a,b)`, ...) per variable. */
export type Selection = { variableCode: string; valueCodes: string[] }[];

const countedExpression = /^\[?(?:top|bottom)\(\s*(\d+)\s*(?:,\s*\d+\s*)?\)\]?$/i;
const openExpression = /[*?]|^\[?(?:range|from|to)\(/i;
const isPlainCode = (code: string) => !countedExpression.test(code) && !openExpression.test(code);

/**
 * How many values one variable selects: a code counts 1, `top(n)`/`bottom(n)` n, an open expression (`*`, `?`,
 * `range`, `from`, `to`) the whole dimension; capped at the dimension size. undefined when that size is not given.
 */
function countValues(codes: string[], size: number | undefined): number | undefined {
  let count = 0;
  for (const code of codes) {
    const counted = countedExpression.exec(code);
    if (counted) count += Number(counted[1]);
    else if (isPlainCode(code)) count += 1;
    else if (size === undefined) return undefined;
    else count += size;
  }
  return size === undefined ? count : Math.min(count, size);
}

/**
 * The selection as requests of at most `maxCells` cells each, repeated codes dropped (StatBank answers them with an
 * empty 500). It is split along the variable with the most explicit codes, recursing into the next when even one
 * code of it is too many. Throws a FetchError, before anything is sent, when the cells can't be counted or split.
 */
export function splitSelection(selection: Selection, dimensionSizes: Record<string, number>, maxCells: number, table?: string): Selection[] {
  const deduped = selection.map((v) => ({ variableCode: v.variableCode, valueCodes: [...new Set(v.valueCodes)] }));
  const counts = deduped.map((v) => countValues(v.valueCodes, dimensionSizes[v.variableCode]));
  const unknown = deduped.find((_, i) => counts[i] === undefined);
  if (unknown) {
    throw new FetchError(
      `Cannot count the cells selected from table ${table ?? '?'}: ${unknown.variableCode} uses ${JSON.stringify(unknown.valueCodes)}. Pass ` +
        `dimensionSizes.${unknown.variableCode} (from the table's metadata) so requests stay within ${maxCells} cells. Nothing was sent.`,
      { table },
    );
  }
  return split(deduped, counts as number[], maxCells, table);
}

function split(selection: Selection, counts: number[], maxCells: number, table?: string): Selection[] {
  const cells = counts.reduce((a, b) => a * b, 1);
  if (cells <= maxCells) return [selection];
  let best = -1;
  selection.forEach((v, i) => {
    const n = counts[i]!;
    if (n > 1 && v.valueCodes.every(isPlainCode) && (best < 0 || n > counts[best]!)) best = i;
  });
  if (best < 0) {
    throw new FetchError(
      `The selection from table ${table ?? '?'} covers ${cells} cells, more than ${maxCells} per request, and cannot be split: no variable ` +
        'lists more than one explicit value code. Replace expressions (*, top(n), range) with explicit codes. Nothing was sent.',
      { table },
    );
  }
  const per = Math.max(1, Math.floor(maxCells / (cells / counts[best]!)));
  const codes = selection[best]!.valueCodes;
  const chunks: Selection[] = [];
  for (let start = 0; start < codes.length; start += per) {
    const part = codes.slice(start, start + per);
    const chunk = selection.map((v, i) => (i === best ? { variableCode: v.variableCode, valueCodes: part } : v));
    const partCounts = counts.map((n, i) => (i === best ? part.length : n));
    chunks.push(...split(chunk, partCounts, maxCells, table));
  }
  return chunks;
}

/**
 * A v2 selection as a v1 query: codes -> filter `item`, `top(n)` -> `top` ["n"], `*` or a wildcard -> `all`.
 * v1 has no `bottom`, `range`, `from`, `to` or `?`: those throw a FetchError before anything is sent.
 */
export function toV1Query(selection: Selection, table?: string) {
  const query = selection.map(({ variableCode, valueCodes }) => {
    if (valueCodes.every(isPlainCode)) return { code: variableCode, selection: { filter: 'item' as const, values: valueCodes } };
    const only = valueCodes.length === 1 ? valueCodes[0]! : '';
    const top = /^\[?top\(\s*(\d+)\s*\)\]?$/i.exec(only);
    if (top) return { code: variableCode, selection: { filter: 'top' as const, values: [top[1]!] } };
    if (/^[^()?[\]]*\*[^()?[\]]*$/.test(only)) return { code: variableCode, selection: { filter: 'all' as const, values: [only] } };
    throw new FetchError(
      `The selection ${JSON.stringify(valueCodes)} for ${variableCode} in table ${table ?? '?'} cannot be sent to PxWebApi v1 (it knows ` +
        'value codes, top(n) and * only). Use explicit codes. Nothing was sent.',
      { table, api: 'v1' },
    );
  });
  return { query, response: { format: 'json-stat2' } };
}
