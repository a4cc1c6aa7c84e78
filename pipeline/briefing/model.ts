import type * as v from 'valibot';
import type { datasetHeaderSchema, definitionSchema, findingSchema, labelsSchema, rowSchema, tableStateSchema } from '../store/schemas.js';
import type { languages, statusSymbols } from './vocabulary.js';

/**
 * The shapes the pure core works on: a briefing's definition (what tells the story) and its dataset (every figure with
 * every code and label SSB gave it, or the article it was quoted from). Types only, derived from the schemas that
 * validate the files (store/schemas.ts, where each field is described), so the two can't drift apart.
 */

export { languages, statusSymbols } from './vocabulary.js';
export type Lang = (typeof languages)[number];
export type StatusSymbol = (typeof statusSymbols)[number];
/** SSB's labels; `nb`/`nn` are forms recorded in a codelist where SSB's Norwegian label is in the other standard. */
export type Labels = v.InferOutput<typeof labelsSchema>;

/** A briefing's definition: data/<briefing>/briefing.json. */
export type Definition = Omit<v.InferOutput<typeof definitionSchema>, '$comment'>;

/** What the last fetch learnt of a table, kept so every figure can be named by SSB's own labels. */
export type TableState = v.InferOutput<typeof tableStateSchema>;
export type TableDimension = TableState['dimensions'][number];
export type DimensionRole = TableDimension['role'];
export type Classification = NonNullable<TableState['classification']>;

/** One figure: a row of dataset.json, with its `id` (stable within the dataset; claims and the HTML refer to it) and its `year` (the period's leading four digits). */
export type Observation = v.InferOutput<typeof rowSchema> & { id: string; year: number };

/** A statement SSB published in words (no figure), recorded so it can be told with its source. */
export type Finding = v.InferOutput<typeof findingSchema>;

/** A briefing's dataset (data/<briefing>/dataset.json), its rows parsed. */
export type Dataset = Omit<v.InferOutput<typeof datasetHeaderSchema>, 'columns' | 'observations'> & { observations: Observation[] };
