import { currentObservations, revisionsOf, type Dataset, type Observation } from '../store/dataset.js';
import { NoDataError } from '../errors.js';
import { headlineMeasures, policyMeasure, purposeMeasures, typeMeasures } from '../text/labels.js';
import { findNews, type News } from './news.js';

/**
 * What the data says for one year, before any wording: the figures each section of the briefing rests on.
 * Pure. Comparisons are only made within one classification series (SN2007 or SN2025), never across the break.
 */

export const TOTAL_SIZE = '00';
/** All industries in SN2007 (incl. finance). SN2025 tables may name it otherwise: see `totalIndustryOf`. */
export const TOTAL_INDUSTRY = 'Total+K';

/**
 * The code for "all industries" in a series' rows: `Total+K` where the rows have it (SN2007), else the first code
 * starting with "Total" (SN2025 tables are new, and their code isn't known in advance), else `Total+K`.
 */
export function totalIndustryOf(rows: readonly Pick<Observation, 'industry'>[]): string {
  let other: string | undefined;
  for (const o of rows) {
    if (o.industry === TOTAL_INDUSTRY) return TOTAL_INDUSTRY;
    if (other === undefined && o.industry.startsWith('Total')) other = o.industry;
  }
  return other ?? TOTAL_INDUSTRY;
}

export interface Figure {
  measure: string;
  year: number;
  sizeClass: string;
  industry: string;
  /** Null when SSB has no figure; `status` then holds SSB's symbol. */
  value: number | null;
  status: string | null;
  observation: Observation;
  /** The latest earlier year with a figure for the same measure, size class and industry, in the same series. */
  previous?: { year: number; value: number };
}

export interface Revision {
  measure: string;
  year: number;
  sizeClass: string;
  industry: string;
  from: number | null;
  to: number | null;
}

export interface YearFacts {
  year: number;
  series: 'SN2007' | 'SN2025';
  /** The series' code for all industries (`Total+K` in SN2007). */
  totalIndustry: string;
  /** The measure the headline is about: any social media where the data has it, else social networks. */
  headline: Figure;
  types: Figure[];
  purposes: Figure[];
  policy: Figure | null;
  /** Figures for size classes other than all enterprises, with the all-enterprise figure of the same measure. */
  bySize: { figure: Figure; total: Figure | null }[];
  /** Figures for single industries, headline measure first. */
  byIndustry: Figure[];
  /** Every figure of the year that has been revised, with its first published and current value. */
  revisions: Revision[];
  /** Figures of the year that SSB marks as missing, kept with their symbol. */
  missing: Figure[];
  /** All years with a figure for the headline measure (all enterprises), for the trend. */
  years: number[];
  /**
   * Headline measure and types for all enterprises, every year up to this one, in this series: the trend chart.
   * Only measures with a figure this year: a line that stopped years ago would end in the middle of the chart.
   */
  trend: Figure[];
  /** True when the dataset also has figures in the other classification series. */
  seriesBreak: boolean;
  /** The observations the year's briefing rests on (for sources and provenance). */
  used: Observation[];
  /** The edition's most newsworthy fact (pipeline/news.ts): what the headline and lede lead with. */
  news: News;
  /** The year's figures for all enterprises and industries, value present, each with its previous year if any. */
  totals: Figure[];
}

export function availableYears(dataset: Dataset): number[] {
  return [...new Set(currentObservations(dataset).map((o) => o.year))].sort((a, b) => a - b);
}

/**
 * The latest year the briefing can lead with: one with the share of all enterprises using social media (or social
 * networks). A newer year with only other figures is not chosen by default; --year still reaches it.
 */
export function latestYear(dataset: Dataset): number {
  const current = currentObservations(dataset);
  if (current.length === 0) throw new NoDataError('The dataset has no observations. Run `briefing fetch` or restore data/ from git.');
  let latest = -Infinity;
  for (const o of current) {
    if (o.value === null || o.sizeClass !== TOTAL_SIZE || !(headlineMeasures as readonly string[]).includes(o.measure)) continue;
    if (o.industry === TOTAL_INDUSTRY || o.industry.startsWith('Total')) latest = Math.max(latest, o.year);
  }
  return Number.isFinite(latest) ? latest : Math.max(...current.map((o) => o.year));
}

export function deriveFacts(dataset: Dataset, year: number): YearFacts {
  const current = currentObservations(dataset);
  const ofYear = current.filter((o) => o.year === year);
  if (ofYear.length === 0) {
    const years = availableYears(dataset);
    throw new NoDataError(
      `The dataset has no figures for ${year}. Years with figures: ${years.join(', ')}. Choose one of them with --year.`,
      { year },
    );
  }
  const series = dominantSeries(ofYear);
  const inSeries = current.filter((o) => o.series === series);
  const totalIndustry = totalIndustryOf(inSeries);
  const figure = (o: Observation): Figure => ({
    measure: o.measure, year: o.year, sizeClass: o.sizeClass, industry: o.industry,
    value: o.value, status: o.status, observation: o,
    previous: previousOf(inSeries, o),
  });
  const find = (measure: string, sizeClass = TOTAL_SIZE, industry = totalIndustry): Figure | null => {
    const o = inSeries.find((x) => x.year === year && x.measure === measure && x.sizeClass === sizeClass && x.industry === industry);
    return o ? figure(o) : null;
  };
  const present = (f: Figure | null): f is Figure => f !== null && f.value !== null;
  const byValue = (a: Figure, b: Figure) => (b.value ?? -1) - (a.value ?? -1) || a.measure.localeCompare(b.measure);

  const headline = headlineMeasures.map((m) => find(m)).find(present);
  if (!headline) {
    throw new NoDataError(
      `The dataset has figures for ${year}, but not the share of all enterprises using social media or social networks, ` +
        'which the briefing leads with. Choose another year with --year.',
      { year },
    );
  }
  const yearRows = inSeries.filter((o) => o.year === year);
  const bySize = yearRows
    .filter((o) => o.sizeClass !== TOTAL_SIZE && o.industry === totalIndustry && o.value !== null)
    .map((o) => ({ figure: figure(o), total: find(o.measure) }))
    .sort((a, b) => measureRank(a.figure.measure) - measureRank(b.figure.measure) || a.figure.sizeClass.localeCompare(b.figure.sizeClass));
  const byIndustry = yearRows
    .filter((o) => o.sizeClass === TOTAL_SIZE && o.industry !== totalIndustry && o.value !== null)
    .map(figure)
    .sort((a, b) => measureRank(a.measure) - measureRank(b.measure) || byValue(a, b));
  const revisions = yearRows.flatMap((o) => {
    const earlier = revisionsOf(dataset, o);
    const first = earlier[0];
    if (!first || first.value === o.value) return [];
    return [{ measure: o.measure, year: o.year, sizeClass: o.sizeClass, industry: o.industry, from: first.value, to: o.value }];
  });
  const totals = yearRows
    .filter((o) => o.sizeClass === TOTAL_SIZE && o.industry === totalIndustry && o.value !== null)
    .map(figure)
    .sort((a, b) => measureRank(a.measure) - measureRank(b.measure));
  const headlineHistory = inSeries
    .filter((o) => o.measure === headline.measure && o.sizeClass === TOTAL_SIZE && o.industry === totalIndustry && o.value !== null && o.year < year)
    .map((o) => ({ year: o.year, value: o.value! }));
  const headlineYears = inSeries
    .filter((o) => o.measure === headline.measure && o.sizeClass === TOTAL_SIZE && o.industry === totalIndustry && o.value !== null && o.year <= year)
    .map((o) => o.year);

  return {
    year,
    series,
    totalIndustry,
    headline,
    types: typeMeasures.map((m) => find(m)).filter(present).sort(byValue),
    purposes: purposeMeasures.map((m) => find(m)).filter(present).sort(byValue),
    policy: [find(policyMeasure)].find(present) ?? null,
    bySize,
    byIndustry,
    revisions,
    missing: yearRows.filter((o) => o.value === null).map(figure),
    years: [...new Set(headlineYears)].sort((a, b) => a - b),
    trend: inSeries
      .filter((o) => (o.measure === 'any_social_media' || (typeMeasures as readonly string[]).includes(o.measure)) &&
        o.sizeClass === TOTAL_SIZE && o.industry === totalIndustry && o.year <= year && o.value !== null &&
        totals.some((t) => t.measure === o.measure))
      .sort((a, b) => measureRank(a.measure) - measureRank(b.measure) || a.year - b.year)
      .map(figure),
    seriesBreak: current.some((o) => o.series !== series),
    used: yearRows,
    news: findNews({ headline, headlineHistory, totals, rank: measureRank }),
    totals,
  };
}

function dominantSeries(rows: Observation[]): 'SN2007' | 'SN2025' {
  const newer = rows.filter((o) => o.series === 'SN2025').length;
  return newer > rows.length - newer ? 'SN2025' : 'SN2007';
}

function previousOf(rows: Observation[], o: Observation): { year: number; value: number } | undefined {
  let best: Observation | undefined;
  for (const x of rows) {
    if (x.measure !== o.measure || x.sizeClass !== o.sizeClass || x.industry !== o.industry) continue;
    if (x.year >= o.year || x.value === null) continue;
    if (!best || x.year > best.year) best = x;
  }
  return best ? { year: best.year, value: best.value! } : undefined;
}

const rankOrder = ['any_social_media', ...typeMeasures, ...purposeMeasures, policyMeasure];
export function measureRank(measure: string): number {
  const rank = rankOrder.indexOf(measure);
  return rank === -1 ? rankOrder.length : rank;
}
