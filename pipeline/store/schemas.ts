import * as v from 'valibot';
import { languages, statusSymbols } from '../briefing/vocabulary.js';

/**
 * The schemas of briefing.json, dataset.json and history.jsonl; the core's types are derived from them (briefing/model.ts).
 * What depends on more than one row or file is checked in store/dataset.ts, which names the row.
 */

const calendarDates = new Map<string, boolean>();

/** A real calendar date, YYYY-MM-DD. Each text is checked once: a dataset repeats a few dates over thousands of rows (measured: bench merge). */
function isCalendarDate(text: string): boolean {
  let real = calendarDates.get(text);
  if (real === undefined) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (!match) return false;
    const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
    const date = new Date(Date.UTC(year, month - 1, day));
    real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
    if (calendarDates.size < 10_000) calendarDates.set(text, real);
  }
  return real;
}

/** ISO 8601 as SSB sends `updated`: a real date, optionally with a time and zone (`2025-09-24T06:00:00Z`). */
function isIsoTimestamp(text: string): boolean {
  const match = /^(\d{4}-\d{2}-\d{2})(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  return match !== null && isCalendarDate(match[1]!) && !Number.isNaN(Date.parse(text));
}

const nonEmpty = v.pipe(v.string(), v.minLength(1, 'a non-empty text'));
const calendarDate = v.pipe(v.string(), v.check(isCalendarDate, 'a real date as YYYY-MM-DD'));
const timestamp = v.pipe(v.string(), v.check(isIsoTimestamp, 'an ISO 8601 date or date-time such as 2025-09-24T06:00:00Z'));
const tableId = v.pipe(v.string(), v.regex(/^\d{5}$/, 'a five-digit StatBank table id such as 10977'));
const measureId = v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]*$/, 'a measure id such as social_networks'));
const httpUrl = v.pipe(v.string(), v.regex(/^https?:\/\/\S+$/i, 'an http(s) URL'));
const regexText = v.pipe(
  nonEmpty,
  v.check((text) => {
    try {
      new RegExp(text, 'iu');
      return true;
    } catch {
      return false;
    }
  }, 'a valid regular expression'),
);
const otherLabel = v.optional(v.nullable(v.string()));
export const labelsSchema = v.strictObject({ no: v.string(), en: otherLabel, nb: otherLabel, nn: otherLabel });
const texts = <K extends string>(keys: readonly K[]) => v.strictObject(Object.fromEntries(keys.map((k) => [k, nonEmpty])) as Record<K, typeof nonEmpty>);
const perLanguage = <T extends v.GenericSchema>(schema: T) => v.strictObject({ nn: schema, nb: schema, en: schema });

/**
 * How one measure is said: its label in charts, tables and lists; the verb, present for headlines ("bruker") and past
 * for the year's figures ("brukte"); what the enterprises use or have (object); examples after the object on its first
 * mention ("Facebook og LinkedIn"); a noun phrase for lists and headings (default: the object); a heading for the
 * section when few have it ("Få har ein klar strategi").
 */
const measureWords = v.strictObject({
  label: nonEmpty,
  verb: v.optional(v.strictObject({ present: nonEmpty, past: nonEmpty })),
  object: nonEmpty,
  examples: v.optional(nonEmpty),
  noun: v.optional(nonEmpty),
  lowHeading: v.optional(nonEmpty),
});

export const definitionSchema = v.pipe(
  v.strictObject({
    $comment: v.optional(v.union([v.string(), v.array(v.string())])),
    format: v.literal('ssb-briefing/definition@1'),
    statistic: v.strictObject({
      id: nonEmpty,
      name: labelsSchema,
      url: v.strictObject({ no: httpUrl, en: httpUrl }),
      /** The survey's reference month (1 = January). */
      referenceMonth: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(12)),
    }),
    /**
     * The subject's words per language: title, kicker (the statistic's name above the headline), topic as a noun
     * phrase ("sosiale medium"), definition and coverage for "Om statistikken", whose share a figure is after "av"/"of"
     * (population; for a `users` base, users), and the headings of the kinds and purposes.
     */
    words: perLanguage(texts(['title', 'kicker', 'topic', 'definition', 'coverage', 'population', 'users', 'types', 'purposes'])),
    tables: v.array(v.strictObject({ id: tableId, label: nonEmpty })),
    measures: v.pipe(
      v.array(
        v.strictObject({
          /** snake_case id, used by the story and in article figures. */
          id: measureId,
          /** Tables that may hold it. */
          tables: v.array(tableId),
          /** Case-insensitive regular expression over the measure's combined label in the table (lang=no). */
          match: v.optional(regexText),
          /** SSB's codes, recorded once resolved: table id -> measure dimension -> code. */
          codes: v.optional(v.record(tableId, v.record(nonEmpty, nonEmpty))),
          base: v.picklist(['all', 'users'], '"all" (every enterprise) or "users" (those that use the topic)'),
          words: perLanguage(measureWords),
        }),
      ),
      v.minLength(1, 'at least one measure'),
    ),
    story: v.strictObject({
      /** The headline measure: the first with a figure for all enterprises in the year. */
      headline: v.pipe(v.array(measureId), v.minLength(1, 'at least one measure')),
      /** Kinds of the thing (social networks, blogs…): ranked, and the trend chart. */
      types: v.array(measureId),
      /** What the thing is used for. */
      purposes: v.array(measureId),
      /** A single figure told on its own (a formal policy), if any. */
      policy: v.nullable(measureId),
      /** Preferred codes for "all industries" (the population of a total), in order: Total+K, then Total-K. */
      totals: v.pipe(v.array(nonEmpty), v.minLength(1, 'at least one code for all industries, such as "Total+K"')),
      /** The size class of all enterprises. */
      allSizes: nonEmpty,
    }),
  }),
  v.check((d) => new Set(d.measures.map((m) => m.id)).size === d.measures.length, 'two measures have the same id'),
  v.check((d) => {
    const ids = new Set(d.measures.map((m) => m.id));
    return [...d.story.headline, ...d.story.types, ...d.story.purposes, ...(d.story.policy ? [d.story.policy] : [])].every((id) => ids.has(id));
  }, 'the story names a measure that "measures" does not define'),
  v.check((d) => {
    const ids = new Set(d.tables.map((t) => t.id));
    return d.measures.every((m) => m.tables.every((t) => ids.has(t)));
  }, 'a measure names a table that "tables" does not list'),
);

const classification = v.nullable(v.picklist(['SN2007', 'SN2025'], '"SN2007", "SN2025" or null'));
const category = v.strictObject({ code: v.string(), label: labelsSchema });

export const tableStateSchema = v.strictObject({
  id: tableId,
  label: labelsSchema,
  /** SSB's `updated` (ISO 8601), null when the API did not say. */
  updated: v.nullable(timestamp),
  fetchedAt: timestamp,
  classification,
  dimensions: v.array(
    v.strictObject({ id: nonEmpty, role: v.picklist(['time', 'size', 'industry', 'measure']), label: labelsSchema, categories: v.array(category) }),
  ),
  /** Notes SSB marks as mandatory with the figures, lang=no. */
  notes: v.array(v.string()),
  discontinued: v.nullable(v.boolean()),
});

const year = v.pipe(v.number(), v.integer('a whole year'), v.minValue(1990, 'a year from 1990'), v.maxValue(2100, 'a year up to 2100'));

export const findingSchema = v.variant('kind', [
  v.strictObject({ id: nonEmpty, kind: v.literal('top-industry'), year, measure: measureId, industry: nonEmpty, article: v.number() }),
  v.strictObject({ id: nonEmpty, kind: v.literal('size-gradient'), year, measures: v.array(measureId), article: v.number() }),
  v.strictObject({ id: nonEmpty, kind: v.literal('reading'), year, about: measureId, article: v.number(), text: texts(languages) }),
]);

/** One row, as an object; checked field by field so a problem names its field. */
export const rowSchema = v.strictObject({
  /** The table it was fetched from, or null for a figure quoted in an article. */
  table: v.nullable(tableId),
  /** For an article figure, index into the dataset's `articles`. */
  article: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0))),
  /** The time code as SSB gives it ("2025"). */
  period: v.pipe(v.string(), v.regex(/^\d{4}/, 'a time code starting with a year, such as "2025"')),
  /** The definition's measure, when the definition uses this figure (resolved from `codes` for table rows). */
  measure: v.nullable(measureId),
  /** Size class and industry codes, null when the table has no such dimension. */
  size: v.nullable(nonEmpty),
  industry: v.nullable(nonEmpty),
  classification,
  /** Every code the cell has, one per dimension (table rows only). */
  codes: v.nullable(v.record(nonEmpty, v.string())),
  value: v.nullable(
    v.pipe(v.number('a number or null'), v.finite('a finite number'), v.minValue(0, 'a share from 0 to 100'), v.maxValue(100, 'a share from 0 to 100')),
  ),
  status: v.nullable(v.picklist(statusSymbols, `one of SSB's symbols ${statusSymbols.join(' ')} or null`)),
  /** A published bound: "over 70 prosent" is value 70 with bound 'over'. */
  bound: v.nullable(v.picklist(['over', 'under'], '"over", "under" or null')),
  /** When SSB published this value: the table's `updated` date or the article's date. */
  published: v.nullable(calendarDate),
  /** Higher is later; the current figure of a key is its highest revision. */
  revision: v.pipe(v.number(), v.safeInteger('a whole number'), v.minValue(0, 'a whole number from 0')),
  note: v.nullable(v.string()),
});

/** The columns of a row, in order; each observation is one line, a JSON array of these values. */
export const datasetColumns = Object.keys(rowSchema.entries) as (keyof typeof rowSchema.entries)[];

export const datasetHeaderSchema = v.strictObject({
  format: v.literal('ssb-briefing/dataset@3'),
  title: nonEmpty,
  provenance: v.strictObject({ builtFrom: nonEmpty, licence: nonEmpty }),
  tables: v.record(tableId, tableStateSchema),
  /** `published`: YYYY-MM-DD, null when the article carries no date. */
  articles: v.array(v.strictObject({ url: httpUrl, published: v.nullable(calendarDate), title: nonEmpty })),
  /** Labels of codes used by article figures, when no table of the dataset names them. */
  codelists: v.record(nonEmpty, v.array(category)),
  columns: v.strictTuple(datasetColumns.map((c) => v.literal(c))),
  observations: v.array(v.unknown()),
  findings: v.array(findingSchema),
});

const hex16 = v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/, '16 hexadecimal digits'));
const valueStatus = v.strictObject({ value: v.nullable(v.number()), status: v.nullable(v.picklist(statusSymbols)) });
const lineBase = { at: timestamp, table: tableId, updated: v.nullable(timestamp), batch: hex16, previous: hex16 };

/** One line of history.jsonl. Each batch is its change lines followed by one `table` line that closes it. */
export const historyEntrySchema = v.variant('kind', [
  v.strictObject({ ...lineBase, kind: v.literal('added'), key: v.string(), after: valueStatus }),
  v.strictObject({ ...lineBase, kind: v.literal('revised'), key: v.string(), before: valueStatus, after: valueStatus }),
  v.strictObject({ ...lineBase, kind: v.literal('withdrawn'), key: v.string(), before: valueStatus }),
  v.strictObject({
    ...lineBase,
    kind: v.literal('table'),
    previousUpdated: v.nullable(timestamp),
    counts: v.strictObject({ added: v.number(), revised: v.number(), withdrawn: v.number() }),
  }),
]);
export type HistoryEntry = v.InferOutput<typeof historyEntrySchema>;
