import { JsonStatError } from '../errors.js';
import { observations, type JsonStatDataset, type JsonStatNote } from './jsonstat.js';

/**
 * `briefing jsonstat`: one row per cell in row-major order, a column per dimension (the category code), then
 * `value` and `status`. CSV per RFC 4180 (CRLF, header row, null an empty field); JSON an array, an object a line.
 */
export function formatObservations(ds: JsonStatDataset, format: 'json' | 'csv'): string {
  const ids = ds.dimensions.map((d) => d.id);
  const clash = ids.find((id) => id === 'value' || id === 'status');
  if (clash !== undefined) {
    throw new JsonStatError(
      `JSON-stat from ${ds.table === null ? 'an unnamed table' : `table ${ds.table}`}: dimension "${clash}" has the ` +
        `same name as the ${clash} column, so its cells cannot be listed. Rename the dimension in the document.`,
      { table: ds.table },
    );
  }
  if (format === 'csv') {
    const header = [...ids, 'value', 'status'].map(csvField);
    const rows = Array.from(observations(ds), (o) => [...ids.map((id) => csvField(o.codes[id]!)), o.value ?? '', csvField(o.status ?? '')]);
    return [header, ...rows].map((fields) => `${fields.join(',')}\r\n`).join('');
  }
  const rows = Array.from(observations(ds), (o) => JSON.stringify({ ...o.codes, value: o.value, status: o.status }));
  return rows.length === 0 ? '[]\n' : `[\n${rows.join(',\n')}\n]\n`;
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `briefing inspect`: the table's label, `updated`, source and size, each dimension with its codes, the mandatory notes. */
export function describeDataset(ds: JsonStatDataset): string {
  const lines: string[] = [];
  lines.push(`${ds.table === null ? 'Table (no id)' : `Table ${ds.table}`}${ds.label === null ? '' : `: ${ds.label}`}`);
  lines.push(`Updated: ${ds.updated ?? 'not given'}`);
  if (ds.source !== null) lines.push(`Source: ${ds.source}`);
  lines.push(`Cells: ${ds.size.join(' x ')} = ${ds.cellCount}` + (ds.hasValues ? '' : ' (metadata only: no values in this document)'));
  for (const dim of ds.dimensions) {
    const role = dim.role === null ? '' : ` [${dim.role}]`;
    const count = dim.categories.length;
    lines.push('', `${dim.id}: ${dim.label}${role} (${count} ${count === 1 ? 'category' : 'categories'})`);
    const width = dim.categories.reduce((w, c) => Math.max(w, c.code.length), 0);
    for (const c of dim.categories) {
      const decimals = c.unit?.decimals;
      const decimalsText = decimals === undefined ? undefined : `${decimals} decimal${decimals === 1 ? '' : 's'}`;
      const unitText = [c.unit?.label, decimalsText].filter((u) => u !== undefined).join(', ');
      lines.push(`  ${c.code.padEnd(width)}  ${c.label}${unitText === '' ? '' : ` (${unitText})`}`);
    }
  }
  const mandatory: { where: string; note: JsonStatNote }[] = [
    ...ds.notes.map((note) => ({ where: 'table', note })),
    ...ds.dimensions.flatMap((d) => d.notes.map((note) => ({ where: d.id, note }))),
  ].filter((n) => n.note.mandatory);
  if (mandatory.length > 0) {
    lines.push('', 'Notes that must be shown with the figures:');
    for (const { where, note } of mandatory) lines.push(`  - (${where}) ${note.text.replace(/\n/g, '\n    ')}`);
  }
  for (const warning of ds.warnings) lines.push('', `Warning: ${warning}`);
  return lines.join('\n') + '\n';
}
