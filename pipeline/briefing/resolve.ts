import type { Definition, TableDimension } from './model.js';

/**
 * Which of a table's measures the definition's measures are: by the codes recorded in the definition, or, the first
 * time, by the definition's pattern over SSB's label. Pure. A recorded code the table no longer has is a problem
 * that stops the fetch (old and new rows would disagree); a pattern that matches nothing, or more than one measure,
 * leaves the measure unresolved with a warning (the briefing is told without it).
 */

export function resolveMeasures(
  definition: Pick<Definition, 'measures'>,
  table: string,
  /** The table's measures: their codes, and the measure dimensions' labels (lang=no) of the codes that tell them apart. */
  measures: { codes: Record<string, string>; label: string }[],
  dims: Pick<TableDimension, 'id' | 'role' | 'categories'>[],
) {
  // Each measure's codes in this table (recorded or newly resolved); those resolved by pattern now, to be recorded.
  const resolution = { codes: {} as Record<string, Record<string, string>>, newly: [] as string[], problems: [] as string[], warnings: [] as string[] };
  const measureDims = dims.filter((d) => d.role === 'measure');
  const known = new Map(measureDims.map((d) => [d.id, new Set(d.categories.map((c) => c.code))]));
  const claimed = new Set<string>();
  const key = (codes: Record<string, string>) => measureDims.map((d) => codes[d.id]).join('\u0000');
  for (const m of definition.measures) {
    if (!m.tables.includes(table)) continue;
    const recorded = m.codes?.[table];
    if (recorded) {
      const gone = Object.entries(recorded).filter(([dim, code]) => !known.get(dim)?.has(code));
      const missingDims = measureDims.filter((d) => recorded[d.id] === undefined).map((d) => d.id);
      if (gone.length) {
        resolution.problems.push(`measure ${m.id} was recorded as ${gone.map(([dim, code]) => `${dim} "${code}"`).join(', ')}, which the table no longer has`);
      } else if (missingDims.length) {
        resolution.problems.push(`measure ${m.id} was recorded without a code for ${missingDims.join(', ')}, a dimension the table now has`);
      } else {
        resolution.codes[m.id] = recorded;
        claimed.add(key(recorded));
      }
      continue;
    }
    if (!m.match) {
      resolution.warnings.push(`measure ${m.id} has neither recorded codes nor a pattern for table ${table}: left out`);
      continue;
    }
    const pattern = new RegExp(m.match, 'iu');
    const candidates = measures.filter((x) => pattern.test(x.label) && !claimed.has(key(x.codes)));
    if (candidates.length === 1) {
      resolution.codes[m.id] = candidates[0]!.codes;
      resolution.newly.push(m.id);
      claimed.add(key(candidates[0]!.codes));
    } else if (candidates.length === 0) {
      resolution.warnings.push(
        `measure ${m.id}: no measure of table ${table} matches /${m.match}/ (it has: ${measures.map((x) => `"${x.label}"`).join(', ')}); left out`,
      );
    } else {
      resolution.warnings.push(
        `measure ${m.id}: ${candidates.length} measures of table ${table} match /${m.match}/ (${candidates.map((x) => `"${x.label}"`).join(', ')}); ` +
          'left out until the definition records one (codes) or its pattern is narrowed',
      );
    }
  }
  return resolution;
}
