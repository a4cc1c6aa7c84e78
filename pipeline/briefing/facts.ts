import { NoDataError } from '../errors.js';
import { shareAsFraction } from '../text/format.js';
import { Figures, type Figure } from './figures.js';
import type { Classification, Dataset, Definition } from './model.js';

/**
 * What the data lets a briefing say about one year, before any wording: typed facts, each made only when its
 * precondition holds in the data. Pure. A change is between two consecutive measurements of one series (no expected
 * period missing between them); a milestone (a simple fraction reached for the first time) and a record (the highest
 * share) need every earlier expected period present; a ranking is complete only when every category the table has in
 * use has a figure, else only levels are told; a gradient needs every size class present and rising with size.
 * Nothing is ever interpolated; missing figures keep SSB's symbol and are explained, never made 0.
 */

export interface Change {
  from: Figure;
  to: Figure;
  /** Difference of the rounded shares (as the text prints them), in percentage points. */
  points: number;
  /** Years passed between the two without the question being asked. */
  lastAsked: boolean;
}

export type YearFacts = ReturnType<typeof deriveFacts>;

const round = Math.round;
/** A figure whose share can be told: a value, not a published bound. */
const hasShare = (f: Figure) => f.current.value !== null && f.current.bound === null;

/** Every year the briefing can be told for: a year with the headline figure for all enterprises and industries. */
export function headlineYears(figures: Figures): number[] {
  const { story } = figures.definition;
  const years = [...figures.byKey.values()]
    .filter((f) => story.headline.includes(f.measure) && f.size === story.allSizes && figures.isTotal(f.industry, f.classification) && hasShare(f))
    .map((f) => f.year);
  return [...new Set(years)].sort((a, b) => a - b);
}

/** The default edition: the latest year with the story's headline figure. */
export function latestYear(figures: Figures): number {
  const years = headlineYears(figures);
  if (years.length === 0) {
    throw new NoDataError('The dataset has no year with the headline figure for all enterprises. Run `briefing fetch`, or restore data/ from git.');
  }
  return years.at(-1)!;
}

export function deriveFacts(dataset: Dataset, definition: Definition, year: number, figures = new Figures(dataset, definition)) {
  const { story } = definition;
  const all = story.allSizes;
  // The headline: the first headline measure with a figure for all enterprises in one of the total populations, SN2025 first.
  const headline = story.headline
    .flatMap((measure) => {
      const classifications = classificationsOf(figures, measure, year);
      const totals = [...new Set(classifications.flatMap((c) => figures.totals(c)))];
      return totals.flatMap((total) => classifications.map((cls) => figures.get(measure, year, all, total, cls) ?? figures.get(measure, year, all, null, cls)));
    })
    .find((f) => f !== undefined && hasShare(f));
  if (!headline) {
    const years = headlineYears(figures);
    throw new NoDataError(
      `The dataset has no headline figure for ${year} (${story.headline.join(' or ')}, all enterprises). ` +
        (years.length ? `Years with it: ${years.join(', ')}. Choose one with --year.` : 'Run `briefing fetch`, or restore data/ from git.'),
      { year, years },
    );
  }
  const cls = headline.classification;
  const population = headline.industry ?? story.totals[0]!;
  const value = (f: Figure | undefined) => (f && hasShare(f) ? f : undefined);
  const at = (measure: string, size: string | null = all) => value(figures.get(measure, year, size, headline.industry, cls));

  // A milestone (a simple fraction the rounded share is exactly, as text/format.ts says shares) and a record need the
  // whole earlier history, every figure of it below this year's share.
  const history = completeHistory(figures, headline);
  const share = round(headline.current.value!);
  const highest = history.complete && history.earlier.length > 0 && history.earlier.every((e) => round(e.current.value!) < share);
  const since = history.earlier[0]?.year ?? year;
  const fraction = highest ? shareAsFraction(share, 0) : null;
  const milestone = fraction ? { numerator: fraction.numerator, denominator: fraction.denominator, since } : null;
  const record = highest && history.earlier.length >= 2 ? { since } : null;

  const sizeTable = tableDimension(figures, headline, 'size');
  // Size classes as the table has them; for figures from articles, as the survey's codelist has them.
  const sizeCodes = sizeTable ?? figures.dataset.codelists.size?.map((c) => c.code) ?? [];
  const sizeFigures = sizeCodes.filter((c) => c !== all).map((c) => figures.get(headline.measure, year, c, headline.industry, cls));
  const presentSizes = sizeFigures.filter((f): f is Figure => value(f) !== undefined);
  const sizesComplete = sizeTable !== null && sizeFigures.every((f) => value(f) !== undefined || f?.current.status === '.');
  const largest = sizeCodes.filter((c) => c !== all).at(-1);
  const large = largest ? at(headline.measure, largest) : undefined;
  const gradient = sizesComplete && presentSizes.length >= 2 && presentSizes.every((f, i) => i === 0 || f.current.value! > presentSizes[i - 1]!.current.value!);

  const industryCodes = tableDimension(figures, headline, 'industry');
  const industryFigures = figures.ofMeasureYear(headline.measure, year, cls).filter((f) => f.size === all && !figures.isTotal(f.industry, cls));
  const ofIndustry = (code: string) => figures.get(headline.measure, year, all, code, cls);
  const inUse = industryCodes?.filter((c) => !figures.isTotal(c, cls) && ofIndustry(c)?.current.status !== '.');
  const industriesComplete = inUse?.every((c) => value(ofIndustry(c)) !== undefined) === true;

  const group = (measures: string[]) => {
    const list = measures.map((m) => at(m)).filter((f): f is Figure => f !== undefined);
    // Complete when every measure of the group that the year's sources could hold has a figure: for table figures,
    // every measure the definition resolved in that table; for article figures, every measure of the group.
    const expected = measures.filter((m) => figures.expectedYears(m, cls).includes(year) && inUseMeasure(figures, m, year, cls));
    return {
      figures: byValue(list, measures),
      complete: expected.length > 0 && expected.length === measures.length && expected.every((m) => list.some((f) => f.measure === m)),
      changes: new Map(list.map((f) => [f.measure, changeOf(figures, f)])),
    };
  };

  const policy = story.policy ? at(story.policy) : undefined;
  const types = group(story.types);
  const typeSizes = story.types.flatMap((m) => {
    const big = largest ? at(m, largest) : undefined;
    return big ? [{ large: big, all: at(m) ?? null }] : [];
  });
  const purposes = group(story.purposes);
  const findings = figures.dataset.findings.filter((f) => f.year === year);

  const trendMeasures = [headline.measure, ...story.types.filter((m) => m !== headline.measure && at(m) !== undefined)];
  const trend = trendMeasures
    .map((measure) => {
      const series = figures.series(measure, all, headline.industry, cls).filter((f) => f.year <= year && value(f));
      const expected = figures.expectedYears(measure, cls);
      return { measure, points: series.map((f, i) => ({ figure: f, joinPrevious: i > 0 && consecutive(expected, series[i - 1]!.year, f.year) })) };
    })
    .filter((t) => t.points.length > 0);
  const span = trend.flatMap((t) => t.points.map((p) => p.figure.year));
  const first = Math.min(...span);
  const asked = new Set(trendMeasures.flatMap((m) => figures.expectedYears(m, cls)));
  const notAsked = Array.from({ length: year - first - 1 }, (_, i) => first + 1 + i).filter((y) => !asked.has(y));
  const gaps = trend
    .map((t) => {
      const have = new Set(t.points.map((p) => p.figure.year));
      return { measure: t.measure, years: figures.expectedYears(t.measure, cls).filter((y) => y >= t.points[0]!.figure.year && y <= year && !have.has(y)) };
    })
    .filter((g) => g.years.length > 0);

  const missing = [...new Set([headline.measure, ...story.types, ...story.purposes, ...(story.policy ? [story.policy] : [])])]
    .flatMap((m) => figures.ofMeasureYear(m, year, cls))
    .filter((f) => f.current.value === null && f.current.status !== '.' && (f.size === all || f.industry === headline.industry) && f.current.status !== null);
  const told = [headline, large, ...presentSizes, ...industryFigures, policy, ...types.figures, ...purposes.figures].filter((f) => f !== undefined);
  const revisions = [...new Set(told)].filter((f) => f.first !== f.current && f.first.value !== f.current.value);
  const other = [...figures.byKey.values()].find((f) => f.classification !== cls)?.classification ?? null;

  return {
    year,
    classification: cls,
    /** The code for all industries of the headline figure (Total+K, or Total-K when SSB gives no figure with finance). */
    population,
    headline: { figure: headline, value: headline.current.value! },
    headlineChange: changeOf(figures, headline),
    milestone,
    record,
    /** Size classes of the headline measure, all enterprises excluded, in code order (`all`: with those lacking a value). */
    sizes: { figures: presentSizes, complete: sizesComplete, all: sizeFigures.filter((f): f is Figure => f !== undefined) },
    /** The largest size class against all enterprises. */
    sizeComparison: large && large !== headline ? { large, all: headline } : null,
    gradient,
    /** Industries of the headline measure, totals excluded. */
    industries: { figures: byValue(industryFigures.filter(value), []), complete: industriesComplete },
    /** Published bounds of the headline measure by industry ("over 70 prosent"). */
    bounds: figures.ofMeasureYear(headline.measure, year, cls).filter((f) => f.current.bound === 'over' && f.size === all && f.industry !== null),
    types,
    /** The types among the largest size class, with all enterprises' figure of the same type. */
    typeSizes,
    purposes,
    policy: policy ? { figure: policy, value: policy.current.value! } : null,
    policyChange: policy ? changeOf(figures, policy) : null,
    findings,
    /** Every figure the facts use that was revised after it was first published. */
    revisions,
    /** Figures of the told measures that SSB gives no value for, with its symbol. */
    missing,
    /** The headline measure and the types, all enterprises, every measured year up to this one. */
    trend,
    /** Calendar years inside the trend's span in which none of its questions was asked. */
    notAsked,
    /** Years of the trend's series that were asked but have no figure in the dataset (ours, not SSB's). */
    gaps,
    /** Another classification (SN2007/SN2025) has figures too: the industry standard changed. */
    seriesBreak: other === cls ? null : other,
    figures,
  };
}

/** The latest earlier figure of the series, when the two are consecutive measurements (same question, base, population). */
function changeOf(figures: Figures, f: Figure): Change | null {
  const previous = hasShare(f) ? earlierOf(figures, f).at(-1) : undefined;
  if (!previous || !consecutive(figures.expectedYears(f.measure, f.classification), previous.year, f.year)) return null;
  return { from: previous, to: f, points: round(f.current.value!) - round(previous.current.value!), lastAsked: f.year - previous.year > 1 };
}

/** The earlier figures of the series that have a value. */
function earlierOf(figures: Figures, f: Figure): Figure[] {
  return figures.series(f.measure, f.size, f.industry, f.classification).filter((x) => x.year < f.year && hasShare(x));
}

/** Two measurements are consecutive when no expected period lies between them. */
function consecutive(expected: number[], from: number, to: number): boolean {
  return !expected.some((y) => y > from && y < to);
}

/** The earlier figures of the series, and whether every earlier expected period has one. */
function completeHistory(figures: Figures, f: Figure): { complete: boolean; earlier: Figure[] } {
  const earlier = earlierOf(figures, f);
  const have = new Set(earlier.map((x) => x.year));
  const expected = figures.expectedYears(f.measure, f.classification).filter((y) => y < f.year);
  return { complete: expected.length > 0 && expected.every((y) => have.has(y)), earlier };
}

function classificationsOf(figures: Figures, measure: string, year: number): (Classification | null)[] {
  const found = [...figures.byKey.values()].filter((f) => f.measure === measure && f.year === year).map((f) => f.classification);
  // SN2025 first: from 2026 it is the standard the year is told in.
  return [...new Set(found)].sort((a, b) => (a === 'SN2025' ? -1 : b === 'SN2025' ? 1 : 0));
}

/** The codes of a dimension in the table the figure came from, or null for an article figure. */
function tableDimension(figures: Figures, f: Figure, role: 'size' | 'industry'): string[] | null {
  const table = f.current.table ? figures.dataset.tables[f.current.table] : undefined;
  return table?.dimensions.find((d) => d.role === role)?.categories.map((c) => c.code) ?? null;
}

/** A measure whose every figure of the year is "." was not asked that year. */
function inUseMeasure(figures: Figures, measure: string, year: number, cls: Classification | null): boolean {
  const list = figures.ofMeasureYear(measure, year, cls);
  return list.length === 0 || list.some((f) => f.current.status !== '.');
}

/** Highest value first; ties keep the definition's order (or code order). */
function byValue(list: Figure[], order: string[]): Figure[] {
  const rank = (f: Figure) => (order.includes(f.measure) ? order.indexOf(f.measure) : 0);
  return [...list].sort((a, b) => b.current.value! - a.current.value! || rank(a) - rank(b) || (a.industry ?? '').localeCompare(b.industry ?? ''));
}
