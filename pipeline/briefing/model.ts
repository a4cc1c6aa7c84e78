/**
 * The shapes the pure core works on: a briefing's definition (what tells the story) and its dataset (every figure with
 * every code and label SSB gave it, or the article it was quoted from). Types only; pipeline/store/schemas.ts validates
 * files into these shapes.
 */

export const languages = ['nn', 'nb', 'en'] as const;
export type Lang = (typeof languages)[number];
/** SSB's labels; `nb` is a Bokmål form recorded in a codelist where SSB's Norwegian label is Nynorsk. */
export type Labels = { no: string; en?: string | null; nb?: string | null; nn?: string | null };

/** SSB's symbols: `.` not applicable (category not in use), `..` missing or too uncertain, `:` confidential, `-` nil, `*` provisional. */
export const statusSymbols = ['.', '..', ':', '-', '*'] as const;
export type StatusSymbol = (typeof statusSymbols)[number];

export type Classification = 'SN2007' | 'SN2025';
/** Who a share is a share of: every enterprise in the population, or only those that use the thing the table is about. */
export type Base = 'all' | 'users';

// ─── The definition: data/<briefing>/briefing.json ──────────────────────────────────────────────────────────────

/**
 * The words a briefing's subject needs, in one language: its title, the statistic's name above the headline (kicker),
 * the topic as a noun phrase ("sosiale medium"), what it covers (definition) and who the survey covers (coverage) for
 * "Om statistikken", whose share a figure is after "av"/"of" ("føretaka med minst ti sysselsette"; for a `users` base
 * "føretaka som brukte sosiale medium"), and the kinds and purposes as headings and chart titles.
 */
export interface BriefingWords {
  title: string;
  kicker: string;
  topic: string;
  definition: string;
  coverage: string;
  population: string;
  users: string;
  types: string;
  purposes: string;
}

/**
 * How one measure is said, in the language's own spelling: its label in charts, tables and lists; the verb, present for
 * headlines ("bruker") and past for the year's figures ("brukte"); what the enterprises use or have (object); examples
 * after the object on its first mention ("Facebook og LinkedIn"); a noun phrase for lists and headings (default: the
 * object); a heading for the section when few have it ("Få har ein klar strategi").
 */
export interface MeasureWords {
  label: string;
  verb?: { present: string; past: string };
  object: string;
  examples?: string;
  noun?: string;
  lowHeading?: string;
}

export interface MeasureDefinition {
  /** snake_case id, used by the story and in article figures. */
  id: string;
  /** Tables that may hold it. */
  tables: string[];
  /** Case-insensitive regular expression over the measure's combined label in the table (lang=no). */
  match?: string;
  /** SSB's codes, recorded once resolved: table id -> measure dimension -> code. */
  codes?: Record<string, Record<string, string>>;
  base: Base;
  words: Record<Lang, MeasureWords>;
}

export interface Story {
  /** The headline measure: the first with a figure for all enterprises in the year. */
  headline: string[];
  /** Kinds of the thing (social networks, blogs…): ranked, and the trend chart. */
  types: string[];
  /** What the thing is used for. */
  purposes: string[];
  /** A single figure told on its own (a formal policy), if any. */
  policy: string | null;
  /** Preferred codes for "all industries" (the population of a total), in order: Total+K, then Total-K. */
  totals: string[];
  /** The size class of all enterprises. */
  allSizes: string;
}

export interface Definition {
  format: 'ssb-briefing/definition@1';
  statistic: { id: string; name: Labels; url: { no: string; en: string } /** The survey's reference month (1 = January). */; referenceMonth: number };
  words: Record<Lang, BriefingWords>;
  tables: { id: string; label: string }[];
  measures: MeasureDefinition[];
  story: Story;
}

// ─── The dataset: data/<briefing>/dataset.json ──────────────────────────────────────────────────────────────────

export type DimensionRole = 'time' | 'size' | 'industry' | 'measure';

export interface TableDimension {
  id: string;
  role: DimensionRole;
  label: Labels;
  categories: { code: string; label: Labels }[];
}

/** What the last fetch learnt of a table, kept so every figure can be named by SSB's own labels. */
export interface TableState {
  id: string;
  label: Labels;
  /** SSB's `updated` (ISO 8601), null when the API did not say. */
  updated: string | null;
  fetchedAt: string;
  classification: Classification | null;
  dimensions: TableDimension[];
  /** Notes SSB marks as mandatory with the figures, lang=no. */
  notes: string[];
  discontinued: boolean | null;
}

/** A figure quoted in one of SSB's articles: the source of record for years the tables don't reach here. */
export interface ArticleSource {
  url: string;
  /** YYYY-MM-DD, null when the article carries no date. */
  published: string | null;
  title: string;
}

export interface Observation {
  /** Stable within the dataset; claims and the HTML refer to it. */
  id: string;
  /** The table it was fetched from, or null for a figure quoted in an article. */
  table: string | null;
  /** For an article figure, index into the dataset's `articles`. */
  article: number | null;
  /** The time code as SSB gives it ("2025"); `year` is its leading four digits. */
  period: string;
  year: number;
  /** The definition's measure, when the definition uses this figure (resolved from `codes` for table rows). */
  measure: string | null;
  /** Size class and industry codes, null when the table has no such dimension. */
  size: string | null;
  industry: string | null;
  classification: Classification | null;
  /** Every code the cell has, one per dimension (table rows only). */
  codes: Record<string, string> | null;
  value: number | null;
  status: StatusSymbol | null;
  /** A published bound: "over 70 prosent" is value 70 with bound 'over'. */
  bound: 'over' | 'under' | null;
  /** When SSB published this value: the table's `updated` date or the article's date. */
  published: string | null;
  /** Higher is later; the current figure of a key is its highest revision. */
  revision: number;
  note: string | null;
}

/** A statement SSB published in words (no figure), recorded so it can be told with its source. */
export type Finding =
  | { id: string; kind: 'top-industry'; year: number; measure: string; industry: string; article: number }
  | { id: string; kind: 'size-gradient'; year: number; measures: string[]; article: number }
  | { id: string; kind: 'reading'; year: number; about: string; text: Record<Lang, string>; article: number };

export interface Dataset {
  format: 'ssb-briefing/dataset@3';
  title: string;
  provenance: { builtFrom: string; licence: string };
  tables: Record<string, TableState>;
  articles: ArticleSource[];
  /** Labels of codes used by article figures, when no table of the dataset names them. */
  codelists: Record<string, { code: string; label: Labels }[]>;
  observations: Observation[];
  findings: Finding[];
}
