import type { Classification, Dataset, Definition, Observation } from './model.js';

/**
 * The dataset as figures a sentence can rest on, keyed by what they mean (measure, period, size class, industry,
 * classification). Pure, linear in the observations. A figure's current row is the latest (a table's highest revision
 * over an article), its first the earliest published. A series is one question for one population in one classification;
 * its expected periods are those the question was asked in (its tables' time codes, its articles' years), not those SSB marks all ".".
 */

export interface Figure {
  key: string;
  measure: string;
  year: number;
  period: string;
  size: string | null;
  industry: string | null;
  classification: Classification | null;
  /** The current row: its value (null with SSB's symbol), bound and publication. */
  current: Observation;
  /** The row first published for this key (the same as current when never revised). */
  first: Observation;
  /** Every row behind the key, oldest publication first. */
  rows: Observation[];
}

const figureKey = (measure: string, year: number, size: string | null, industry: string | null, classification: Classification | null) =>
  `${measure}|${year}|${size ?? '-'}|${industry ?? '-'}|${classification ?? '-'}`;
export const seriesKey = (measure: string, size: string | null, industry: string | null, classification: Classification | null) =>
  `${measure}|${size ?? '-'}|${industry ?? '-'}|${classification ?? '-'}`;

export class Figures {
  readonly byKey = new Map<string, Figure>();
  private readonly bySeries = new Map<string, Figure[]>();
  private readonly byMeasureYear = new Map<string, Figure[]>();
  private readonly expected = new Map<string, Set<number>>();
  readonly allSizes: string;

  constructor(
    readonly dataset: Dataset,
    readonly definition: Definition,
  ) {
    this.allSizes = definition.story.allSizes;
    const rows = new Map<string, Observation[]>();
    // A table without a size dimension counts all enterprises: its figures are the all-sizes figures.
    for (const o of dataset.observations)
      if (o.measure !== null) push(rows, figureKey(o.measure, o.year, o.size ?? this.allSizes, o.industry, o.classification), o);
    for (const [key, list] of rows) {
      const byPublication = [...list].sort(
        (a, b) => publishedOrder(a) - publishedOrder(b) || (a.table === null ? -1 : 0) - (b.table === null ? -1 : 0) || a.revision - b.revision,
      );
      const fromTables = list.filter((o) => o.table !== null);
      const candidates = fromTables.length ? fromTables : list;
      const current = candidates.reduce((a, b) => (b.revision > a.revision || (b.revision === a.revision && publishedOrder(b) > publishedOrder(a)) ? b : a));
      const { measure, year, period, industry, classification } = current;
      const size = current.size ?? this.allSizes;
      const figure: Figure = { key, measure: measure!, year, period, size, industry, classification, current, first: byPublication[0]!, rows: byPublication };
      this.byKey.set(key, figure);
      push(this.bySeries, seriesKey(figure.measure, figure.size, figure.industry, figure.classification), figure);
      push(this.byMeasureYear, `${figure.measure}|${figure.year}|${figure.classification ?? '-'}`, figure);
    }
    for (const list of this.bySeries.values()) list.sort((a, b) => a.year - b.year);
    this.computeExpected();
  }

  get(measure: string, year: number, size: string | null, industry: string | null, classification: Classification | null): Figure | undefined {
    return this.byKey.get(figureKey(measure, year, size ?? this.allSizes, industry, classification));
  }

  /** The figures of one series, oldest first. */
  series(measure: string, size: string | null, industry: string | null, classification: Classification | null): Figure[] {
    return this.bySeries.get(seriesKey(measure, size ?? this.allSizes, industry, classification)) ?? [];
  }

  /** Every figure of a measure in a year and classification (all sizes and industries). */
  ofMeasureYear(measure: string, year: number, classification: Classification | null): Figure[] {
    return this.byMeasureYear.get(`${measure}|${year}|${classification ?? '-'}`) ?? [];
  }

  /**
   * The codes for all industries in a classification, in order of preference: the definition's (Total+K, then
   * Total-K), then any other code the tables use for a total (a code starting "Total", or labelled "Alle næringar" /
   * "All industries"), as a new table may name it otherwise.
   */
  totals(classification: Classification | null): string[] {
    const tables = Object.values(this.dataset.tables).filter((t) => t.classification === classification);
    const categories = tables.flatMap((t) => t.dimensions.find((d) => d.role === 'industry')?.categories ?? []);
    const named = categories.filter((c) => /^total/i.test(c.code) || /^(alle næring|all industr)/i.test(c.label.no) || /^all industr/i.test(c.label.en ?? ''));
    return [...new Set([...this.definition.story.totals, ...named.map((c) => c.code)])];
  }

  isTotal(industry: string | null, classification: Classification | null): boolean {
    return industry === null || this.totals(classification).includes(industry);
  }

  /** The periods in which the question was asked (see the module comment), ascending. */
  expectedYears(measure: string, classification: Classification | null): number[] {
    return [...(this.expected.get(`${measure}|${classification ?? '-'}`) ?? [])].sort((a, b) => a - b);
  }

  private computeExpected(): void {
    const articleYears = new Map<string, Set<number>>();
    const fromArticles = new Set<string>();
    /** measure|classification|year -> whether any table row of it is other than "." (a year where all are was not asked). */
    const asked = new Map<string, boolean>();
    for (const o of this.dataset.observations) {
      const cls = o.classification ?? '-';
      if (o.table === null) {
        articleYears.set(cls, (articleYears.get(cls) ?? new Set()).add(o.year));
        if (o.measure) fromArticles.add(`${o.measure}|${cls}`);
      } else if (o.measure !== null) {
        const key = `${o.measure}|${cls}|${o.year}`;
        asked.set(key, asked.get(key) === true || o.value !== null || o.status !== '.');
      }
    }
    for (const m of this.definition.measures) {
      const classifications = new Set([...this.byKey.values()].filter((f) => f.measure === m.id).map((f) => f.classification));
      for (const cls of classifications) {
        const key = `${m.id}|${cls ?? '-'}`;
        const tables = m.tables.flatMap((t) => (this.dataset.tables[t]?.classification === cls ? [this.dataset.tables[t]!] : []));
        const years = new Set(tables.flatMap((t) => t.dimensions.find((d) => d.role === 'time')?.categories.map((c) => Number(c.code.slice(0, 4))) ?? []));
        if (fromArticles.has(key)) for (const y of articleYears.get(cls ?? '-') ?? []) years.add(y);
        this.expected.set(key, new Set([...years].filter((y) => asked.get(`${key}|${y}`) !== false)));
      }
    }
  }
}

/** Publication order: a date sorts by itself; an undated row after every dated one (it came later, or we can't tell). */
function publishedOrder(o: Observation): number {
  return o.published ? Date.parse(`${o.published}T12:00:00Z`) : Number.MAX_SAFE_INTEGER;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
