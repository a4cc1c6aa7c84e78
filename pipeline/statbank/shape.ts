import { FetchError } from '../errors.js';
import type { JsonStatDataset, JsonStatDimension } from './jsonstat.js';

/**
 * How a StatBank table is laid out, read from its metadata as it is. Pure. Every dimension gets one role:
 * - `time`: JSON-stat role.time, else the id `Tid`, else a label "år" / "year" / "tid";
 * - `size`: a code starting `SyssGrp`, or a label containing "sysselsett" / "employ";
 * - `industry`: a code starting `NACE`, or a label matching /næring|industry/; its classification is the SN/SIC/NACE
 *   year (2007 or 2025) in its code or label;
 * - `measure`: everything else, the metric (role.metric, else `ContentsCode`) included.
 * One dimension per role: a code that fits wins over a label that fits, then the first in the table's order (the
 * metric is never size or industry); another one that would fit is a measure dimension.
 */

export type DimensionRole = 'time' | 'size' | 'industry' | 'measure';
export type IndustryClassification = 'SN2007' | 'SN2025';

export interface TableShape {
  /** The time dimension's id. */
  time: string;
  size: string | null;
  industry: string | null;
  classification: IndustryClassification | null;
  /** Ids of the measure dimensions, in the table's order. */
  measureDims: string[];
  /** The metric dimension (role.metric, else ContentsCode), one of measureDims. */
  metric: string | null;
  /** Every dimension and its codes, in the table's order. */
  dims: { id: string; label: string; role: DimensionRole; codes: { code: string; label: string }[] }[];
}

/**
 * One thing the table measures: a code of every measure dimension. `label` joins the labels of the measure
 * dimensions with more than one code (" – "); when all have one, the metric's label (else all labels joined).
 */
export interface Measure {
  codes: Record<string, string>;
  label: string;
}

const timeLabel = /^\s*(år|year|tid)\s*$/i;
const sizeLabel = /sysselsett|employ/i;
const industryLabel = /næring|industry/i;
const classificationPattern = /(?:SN|SIC|NACE)\s*-?\s*(2007|2025)/i;

/** The SN year named in an industry dimension's code or label (SN2007, SIC2007, NACE2025…); null if none. */
export function industryClassification(dim: Pick<JsonStatDimension, 'id' | 'label'>): IndustryClassification | null {
  const year = classificationPattern.exec(dim.id)?.[1] ?? classificationPattern.exec(dim.label)?.[1];
  return year === '2007' ? 'SN2007' : year === '2025' ? 'SN2025' : null;
}

/** The roles of a table's dimensions. Throws a FetchError (reason 'malformed') only when none is time. */
export function readShape(meta: JsonStatDataset): TableShape {
  const dims = meta.dimensions;
  const time = dims.find((d) => d.role === 'time') ?? dims.find((d) => d.id === 'Tid') ?? dims.find((d) => timeLabel.test(d.label));
  if (!time) {
    const table = meta.table ?? 'without an id';
    throw new FetchError(
      `Table ${table} has no time dimension (none has role.time, the id Tid or the label "år"/"year"/"tid"; its dimensions are ` +
        `${dims.map((d) => `${d.id} "${d.label}"`).join(', ') || 'none'}). A briefing reads figures by year, so the table can not be used as ` +
        'it is; check the table id.',
      { ...(meta.table ? { table: meta.table } : {}), reason: 'malformed' },
    );
  }
  const metric = dims.find((d) => d.role === 'metric') ?? dims.find((d) => d.id === 'ContentsCode') ?? null;
  const candidates = dims.filter((d) => d !== time && d !== metric);
  const size = candidates.find((d) => d.id.startsWith('SyssGrp')) ?? candidates.find((d) => sizeLabel.test(d.label)) ?? null;
  const rest = candidates.filter((d) => d !== size);
  const industry = rest.find((d) => d.id.startsWith('NACE')) ?? rest.find((d) => industryLabel.test(d.label)) ?? null;
  const roleOf = (d: JsonStatDimension): DimensionRole => (d === time ? 'time' : d === size ? 'size' : d === industry ? 'industry' : 'measure');
  const shaped = dims.map((d) => ({ id: d.id, label: d.label, role: roleOf(d), codes: d.categories.map(({ code, label }) => ({ code, label })) }));
  return {
    time: time.id,
    size: size?.id ?? null,
    industry: industry?.id ?? null,
    classification: industry ? industryClassification(industry) : null,
    measureDims: shaped.filter((d) => d.role === 'measure').map((d) => d.id),
    metric: metric?.id ?? null,
    dims: shaped,
  };
}

/** Every combination of the measure dimensions' codes (the last dimension varying fastest), with its label. */
export function measures(shape: TableShape): Measure[] {
  const dims = shape.measureDims.map((id) => shape.dims.find((d) => d.id === id)!);
  const varying = dims.filter((d) => d.codes.length > 1);
  const metric = dims.find((d) => d.id === shape.metric);
  let combos: { codes: Record<string, string>; labels: Record<string, string> }[] = [{ codes: {}, labels: {} }];
  for (const d of dims) {
    combos = combos.flatMap((c) => d.codes.map((code) => ({ codes: { ...c.codes, [d.id]: code.code }, labels: { ...c.labels, [d.id]: code.label } })));
  }
  if (dims.length === 0) return [];
  return combos.map(({ codes, labels }) => ({
    codes,
    label: varying.length > 0 ? varying.map((d) => labels[d.id]).join(' – ') : metric ? labels[metric.id]! : dims.map((d) => labels[d.id]).join(' – '),
  }));
}
