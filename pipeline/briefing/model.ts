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

// ─── The definition: data/<briefing>/briefing.json ──────────────────────────────────────────────────────────────

export type Definition = Omit<v.InferOutput<typeof definitionSchema>, '$comment'>;
/** The words a briefing's subject needs, in one language. */
export type BriefingWords = Definition['words'][Lang];
export type MeasureDefinition = Definition['measures'][number];
/** How one measure is said, in the language's own spelling. */
export type MeasureWords = MeasureDefinition['words'][Lang];
/** Who a share is a share of: every enterprise in the population, or only those that use the thing the table is about. */
export type Base = MeasureDefinition['base'];
export type Story = Definition['story'];

// ─── The dataset: data/<briefing>/dataset.json ──────────────────────────────────────────────────────────────────

/** What the last fetch learnt of a table, kept so every figure can be named by SSB's own labels. */
export type TableState = v.InferOutput<typeof tableStateSchema>;
export type TableDimension = TableState['dimensions'][number];
export type DimensionRole = TableDimension['role'];
export type Classification = NonNullable<TableState['classification']>;

/** One figure: a row of dataset.json, with its `id` (stable within the dataset; claims and the HTML refer to it) and its `year` (the period's leading four digits). */
export type Observation = v.InferOutput<typeof rowSchema> & { id: string; year: number };

/** A statement SSB published in words (no figure), recorded so it can be told with its source. */
export type Finding = v.InferOutput<typeof findingSchema>;

type DatasetHeader = v.InferOutput<typeof datasetHeaderSchema>;
/** A figure quoted in one of SSB's articles: the source of record for years the tables don't reach here. */
export type ArticleSource = DatasetHeader['articles'][number];
export type Dataset = Omit<DatasetHeader, 'columns' | 'observations'> & { observations: Observation[] };
