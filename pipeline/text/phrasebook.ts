import type { Figure } from '../briefing/facts.js';
import type { Lang } from './format.js';
import type { News } from '../briefing/news.js';
import type { SizeItem } from './common.js';
import { en } from './en.js';
import { nb } from './nb.js';
import { nn } from './nn.js';

/**
 * The briefing's sentences, one phrasebook per language (wording-nn.ts, wording-nb.ts, wording-en.ts). Each
 * function takes figures and returns plain text (templates escape it); none invents a number. Shares are said as
 * fractions where the rounded share allows it ("eitt av to"), with the percentage beside the words in running
 * text; "om lag" marks a fraction that is not exact.
 */

export type { SizeItem } from './common.js';

export interface LedeInput {
  headline: Figure;
  news: News;
  /** The purpose most enterprises use social media for, if the year has purposes. */
  topPurpose: Figure | undefined;
}

export interface ChangeCounts {
  added: number;
  revised: number;
  withdrawn: number;
}

export interface Phrasebook {
  kicker(year: number): string;
  title(year: number): string;
  /** The edition's headline: its most newsworthy fact (pipeline/news.ts). */
  headline(news: News): string;
  lede(input: LedeInput): string;
  keyHeadline(f: Figure): string;
  keySize(f: Figure): string;
  keyPurpose(f: Figure): string;
  keyPolicy(): string;
  keyIndustry(f: Figure): string;
  sizeHeading(largerUseMore: boolean): string;
  sizeSentence(items: SizeItem[]): string;
  industrySentence(top: Figure[], others: Figure[]): string;
  typesHeading(top: Figure): string;
  typesFirst(top: Figure): string;
  typesRest(rest: Figure[]): string;
  purposesHeading(top: Figure): string;
  purposesFirst(top: Figure): string;
  purposesRest(rest: Figure[]): string;
  policyHeading(low: boolean): string;
  policySentence(f: Figure, low: boolean): string;
  policyReading(): string;
  revisionNote(name: string, year: number, from: string, to: string): string;
  missingNote(name: string, symbol: string, meaning: string): string;
  seriesBreakNote(): string;
  /** SSB's symbols for figures that are not there, and what they mean. */
  statusMeanings: Record<string, string>;
  about: AboutText;
  ui: UiText;
}

/** The "Om statistikken" box. */
export interface AboutText {
  coverage(year: number): string;
  definition: string;
  table(id: string, label: string | null): string;
  updated(when: string): string;
  article(published: string | null): string;
  tableNotes: string;
  nextRelease(date: string): string;
  changesHeading: string;
  changesSummary(counts: ChangeCounts): string;
  changeItem(name: string, before: string, after: string): string;
  /** Said for a value that is not there, before or after a revision. */
  missing: string;
}

export interface UiText {
  source: string;
  sourceTable: (table: string) => string;
  page: string;
  of: string;
  keyFigures: string;
  notes: string;
  about: string;
  aboutSources: string;
  readMore: string;
  published: string;
  percent: string;
  year: string;
  chartData: string;
  appendix: string;
  generated: string;
  /** A footnote reference's accessible name is this word and the note's number: "Merknad 1". */
  noteLabel: string;
}

export const phrasebooks: Record<Lang, Phrasebook> = { nn, nb, en };
