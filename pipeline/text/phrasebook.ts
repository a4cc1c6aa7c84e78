import type { Change, Ranking, YearFacts } from '../briefing/facts.js';
import type { Figure } from '../briefing/figures.js';
import type { BriefingWords, Lang, MeasureWords, Observation, StatusSymbol } from '../briefing/model.js';
import type { Fraction } from './format.js';
import type { FigureSegment, Rich } from './rich.js';

/**
 * The interface every language implements (text/nn.ts, nb.ts, en.ts). A phrasebook only phrases: which facts are said,
 * and in which order, is decided once for every language in briefing/content.ts. Each method gets facts whose
 * precondition already holds and returns Rich text whose numbers carry the ids of the observations behind them.
 */

/** What a phrasebook can ask about the briefing it phrases (built per language by briefing/content.ts). */
export interface Say {
  lang: Lang;
  year: number;
  words: BriefingWords;
  /** A share in running text, with a published bound: "50 prosent", "over 70 prosent". */
  share(f: Figure): FigureSegment;
  /** The same for one row behind a figure (what it was first published as). */
  obs(o: Observation): FigureSegment;
  /** A share with the per-cent sign, as published: "50 %", "50%". */
  sign(f: Figure): FigureSegment;
  /** A change in percentage points (absolute): "4 prosentpoeng". */
  points(c: Change): FigureSegment;
  /** The share as a fraction in words ("eitt av to", "vel tre av fire"), when it can be said as one. */
  fraction(f: Figure): { fraction: Fraction; words: FigureSegment } | null;
  /** The definition's words for a measure, with the default verb filled in. */
  m(measure: string): Required<Pick<MeasureWords, 'label' | 'object' | 'verb'>> & MeasureWords;
  /** SSB's label of a size class or industry, as it reads inside a sentence. */
  size(code: string): string;
  industry(code: string): string;
  /** A year's label as SSB names it (the time code is the year). */
  period(f: Figure): string;
  /**
   * Whose share it is, after "av"/"of": for a `users` base the users; otherwise the enterprises, in full ("føretaka
   * med minst ti sysselsette", and "utanom finansnæringane" for SSB's Total-K) when `full`, else short ("føretaka").
   */
  of(f: Figure, full?: boolean): string;
  /** Whose share: every enterprise in the population, or the users of the topic. */
  base(f: Figure): 'all' | 'users';
  /** Size class and industry of a figure other than all enterprises and all industries. */
  isAllSizes(f: Figure): boolean;
  isTotal(f: Figure): boolean;
  /** The total in use has no figures for finance (SSB's Total-K). */
  excludesFinance: boolean;
  date(iso: string): string;
}

export interface SectionHeadings {
  /** The size and industry section: larger enterprises more active, or what the section is by. */
  sizes(largerMore: boolean, bySize: boolean, byIndustry: boolean): string;
  typesTop(top: Figure, say: Say): Rich;
  purposesTop(top: Figure, say: Say): Rich;
}

export interface Phrasebook {
  lang: Lang;
  /** "Eitt av to norske føretak bruker sosiale medium". */
  headlineFraction(f: Figure, say: Say): Rich;
  headlineChange(c: Change, say: Say): Rich;
  headlineLevel(f: Figure, say: Say): Rich;
  /** The year's headline figure, with its change since the last measurement when there is one. */
  ledeLevel(f: Figure, change: Change | null, say: Say): Rich;
  ledeMilestone(m: NonNullable<YearFacts['milestone']>, say: Say): Rich;
  ledeRecord(r: NonNullable<YearFacts['record']>, say: Say): Rich;
  /** The purpose (or type) used most, said as a fraction or share. */
  ledeTop(f: Figure, say: Say): Rich;

  headings: SectionHeadings;
  /** "Blant føretaka med 100 sysselsette eller fleire brukte 60 prosent …, mot 50 prosent av alle føretaka." */
  sizeComparison(large: Figure, all: Figure, say: Say): Rich;
  sizeGradient(sizes: Figure[], say: Say): Rich;
  industryRanking(ranking: Ranking, say: Say): Rich;
  /** Industries without a complete set: levels only, equal shares grouped. */
  industryLevels(groups: Figure[][], say: Say): Rich;
  industryBounds(bounds: Figure[], say: Say): Rich;
  /** SSB's own statements in words, attributed: "Ifølgje SSB …". */
  published(findings: { gradient?: string[]; topIndustry?: string }, say: Say): Rich;

  typeFirst(f: Figure, change: Change | null, say: Say): Rich;
  typeRest(figures: Figure[], say: Say): Rich;
  /** Types among the largest enterprises, each against all enterprises when that figure is there. */
  typeSizes(pairs: { large: Figure; all: Figure | null }[], say: Say): Rich;
  purposeFirst(f: Figure, change: Change | null, say: Say): Rich;
  purposeRest(figures: Figure[], ranked: boolean, say: Say): Rich;
  policy(f: Figure, low: boolean, change: Change | null, say: Say): Rich;

  keyFigure(f: Figure, say: Say): Rich;
  keyChange(c: Change, say: Say): Rich;

  /** The name of a figure for notes: "Sosiale nettverk, 100 sysselsette eller fleire, 2013". */
  figureName(f: Figure, say: Say): string;
  revisionNote(f: Figure, say: Say): Rich;
  missingNote(f: Figure, say: Say): Rich;
  gapNote(measures: string[], years: number[], say: Say): Rich;
  notAskedNote(years: number[], say: Say): Rich;
  seriesBreakNote(say: Say): Rich;
  usersBaseNote(say: Say): Rich;
  /** SSB's own texts for its symbols. */
  symbols: Record<StatusSymbol, string>;

  /** "Referanseperiode: januar 2019 · Publisert 1. oktober 2013 · Sist revidert …". */
  /** Reference period; publication in an article (or "not given"); the StatBank tables' last update; the last revision. */
  editionLine(
    input: { year: number; month: number; published: string | null; tableUpdated: string | null; revised: string | null | 'undated' },
    say: Say,
  ): string;
  about: {
    coverage(say: Say): string;
    table(id: string, label: string, updated: string | null, say: Say): string;
    article(title: string, published: string | null, say: Say): string;
    nextRelease(date: string, say: Say): string;
    /** One table's latest update: "Tabell 13265, oppdatert …: 3 nye tal og 1 revidert tal." */
    changes(update: { table: string; updated: string | null; added: number; revised: number; withdrawn: number }): string;
    changeItem(name: string, before: string, after: string): string;
  };
  charts: {
    trendTitle(say: Say): string;
    typesTitle(say: Say): string;
    purposesTitle(say: Say): string;
    groupsTitle(size: boolean, industry: boolean, say: Say): string;
    /** "Del av føretaka med minst ti sysselsette. 2019. Prosent": whose share, the period, the unit. */
    subtitle(period: string, whose: string): string;
    trendAlt(
      title: string,
      series: { name: string; first: { year: number; value: number }; last: { year: number; value: number } }[],
      top: { name: string; year: number; value: number },
    ): string;
    barsAlt(title: string, top: { name: string; value: number }, bottom: { name: string; value: number } | null): string;
    head: { trend: string; types: string; purposes: string; groups: string };
    /** Under a data table: what an empty cell means (a figure this dataset lacks). */
    emptyCell: string;
    notAsked(years: number[]): string;
  };
  /** Words of the page itself. No digits: every number printed comes from the data (checked by a test). */
  ui: {
    brand: string;
    source: string;
    page: string;
    of: string;
    keyFigures: string;
    notes: string;
    about: string;
    sources: string;
    readMore: string;
    chartData: string;
    appendix: string;
    noteLabel: string;
    tableNotes: string;
    changesHeading: string;
    licence: string;
    author: string;
    percent: string;
    articleLabel: string;
  };
}

export type Phrasebooks = Record<Lang, Phrasebook>;

/** Years as a reader reads them: "2014–2016", "2014, 2016 og 2018". */
export function yearRanges(years: number[], and: string): string {
  const sorted = [...new Set(years)].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const y of sorted) {
    const last = runs.at(-1);
    if (last && y === last[1] + 1) last[1] = y;
    else runs.push([y, y]);
  }
  const parts = runs.map(([a, b]) => (a === b ? String(a) : b === a + 1 ? `${a}, ${b}` : `${a}–${b}`));
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} ${and} ${parts.at(-1)}`;
}
