import type { Dataset } from '../store/dataset.js';
import { deriveFacts, TOTAL_SIZE, type Figure, type YearFacts } from './facts.js';
import { formatDate, formatDateTime, formatPercent, formatPercentShort, type Lang } from '../text/format.js';
import { industryText, measureText, sizeClassText, typeMeasures } from '../text/labels.js';
import { phrasebooks, type UiText } from '../text/phrasebook.js';
import { shortChange } from '../text/common.js';

/**
 * The briefing's content for one year and language: headline, lede, key figures, sections, notes and the
 * "Om statistikken" box, all derived from the dataset (and the optional edition context). Pure: values in,
 * values out. A section whose figures the year lacks is left out; no figure is ever filled in. Every string is
 * plain text: the templates escape it, so data can never become markup.
 */

/** Running text with footnote references. */
export type Paragraph = (string | { note: number })[];

export interface Section {
  id: 'size' | 'types' | 'purposes' | 'policy';
  heading: string;
  paragraphs: Paragraph[];
  /** Ids of the charts that belong to this section. */
  charts: string[];
}

/** What the caller knows besides the dataset: the next release (pipeline/release.ts) and the dataset's history. */
export interface BriefingContext {
  nextRelease?: { date: string; link: string } | null;
  changes?: {
    added: number;
    revised: { measure: string; year: number; sizeClass: string; industry: string; before: number | null; after: number | null }[];
    withdrawn: number;
  };
}

export interface AboutBox {
  paragraphs: string[];
  /** Source tables (with their update time in Oslo) or, without tables, the articles the figures come from. */
  sources: { label: string; detail: string | null; url: string | null; notes: string[] }[];
  nextRelease: { text: string; url: string | null } | null;
  changes: { heading: string; summary: string; items: string[] } | null;
  statisticUrl: string;
  /** Says whose the notes to a source table are: "Merknad frå SSB". */
  tableNotesLabel: string;
}

export interface Briefing {
  lang: Lang;
  year: number;
  series: 'SN2007' | 'SN2025';
  kicker: string;
  title: string;
  headline: string;
  lede: string;
  /** `change`: "Opp 4 prosentpoeng frå 2017", null with no earlier year to compare with. */
  keyFigures: { value: string; label: string; change: string | null }[];
  sections: Section[];
  notes: { number: number; text: string }[];
  about: AboutBox;
  ui: UiText;
  facts: YearFacts;
}

export const statisticUrl = 'https://www.ssb.no/teknologi-og-innovasjon/statistikker/iktbrukn';

export function buildBriefing(dataset: Dataset, year: number, lang: Lang, context: BriefingContext = {}): Briefing {
  const facts = deriveFacts(dataset, year);
  const say = phrasebooks[lang];
  const notes: { number: number; text: string }[] = [];
  const noteFor = (text: string): { note: number } => {
    const existing = notes.find((n) => n.text === text);
    if (existing) return { note: existing.number };
    notes.push({ number: notes.length + 1, text });
    return { note: notes.length };
  };
  const shareOrMissing = (v: number | null) => (v === null ? say.about.missing : formatPercent(v, lang));
  const revisionText = (r: YearFacts['revisions'][number]) =>
    say.revisionNote(measureText(r.measure, lang).name, r.year, shareOrMissing(r.from), shareOrMissing(r.to));
  const revisionNote = (f: Figure): { note: number }[] => {
    const revision = facts.revisions.find((r) => r.measure === f.measure && r.sizeClass === f.sizeClass && r.industry === f.industry);
    return revision ? [noteFor(revisionText(revision))] : [];
  };

  const sections: Section[] = [];
  const headlineSize = sizeStory(facts);
  const industries = facts.byIndustry;
  if (headlineSize.length || industries.length) {
    const paragraphs: Paragraph[] = [];
    const sizeClasses = [...new Set(headlineSize.map((s) => s.figure.sizeClass))].sort().reverse();
    if (headlineSize.length) paragraphs.push(sizeClasses.map((code) => say.sizeSentence(headlineSize.filter((s) => s.figure.sizeClass === code))));
    if (industries.length) {
      const measure = industries[0]!.measure;
      const same = industries.filter((f) => f.measure === measure);
      const topValue = same[0]!.value;
      paragraphs.push([say.industrySentence(same.filter((f) => f.value === topValue), same.filter((f) => f.value !== topValue))]);
    }
    const largerUseMore = headlineSize.some((s) => s.total?.value != null && s.figure.value! > s.total.value);
    sections.push({ id: 'size', heading: say.sizeHeading(largerUseMore), paragraphs: joinSentences(paragraphs), charts: ['groups'] });
  }
  if (facts.types.length) {
    const [top, ...rest] = facts.types as [Figure, ...Figure[]];
    const paragraph: Paragraph = [say.typesFirst(top), ...revisionNote(top)];
    if (rest.length) paragraph.push(' ' + say.typesRest(rest), ...rest.flatMap(revisionNote));
    const trendYears = new Set(facts.trend.map((f) => f.year));
    sections.push({ id: 'types', heading: say.typesHeading(top), paragraphs: [paragraph], charts: trendYears.size >= 2 ? ['trend'] : ['types'] });
  }
  if (facts.purposes.length) {
    const [top, ...rest] = facts.purposes as [Figure, ...Figure[]];
    const paragraph: Paragraph = [say.purposesFirst(top), ...revisionNote(top)];
    if (rest.length) paragraph.push(' ' + say.purposesRest(rest), ...rest.flatMap(revisionNote));
    sections.push({ id: 'purposes', heading: say.purposesHeading(top), paragraphs: [paragraph], charts: rest.length ? ['purposes'] : [] });
  }
  if (facts.policy) {
    const low = facts.policy.value! < 25;
    const paragraphs: Paragraph[] = [[say.policySentence(facts.policy, low), ...revisionNote(facts.policy)]];
    if (low && facts.headline.value! >= 2 * facts.policy.value!) paragraphs.push([say.policyReading()]);
    sections.push({ id: 'policy', heading: say.policyHeading(low), paragraphs, charts: [] });
  }

  // Revisions of figures the text does not mention (the headline share, a size class) are still footnoted.
  for (const r of facts.revisions) noteFor(revisionText(r));
  for (const f of facts.missing) {
    const symbol = f.status ?? '..';
    noteFor(say.missingNote(figureName(f, lang, facts.totalIndustry), symbol, say.statusMeanings[symbol] ?? symbol));
  }
  if (facts.seriesBreak) noteFor(say.seriesBreakNote());

  return {
    lang,
    year,
    series: facts.series,
    kicker: say.kicker(year),
    title: say.title(year),
    headline: say.headline(facts.news),
    lede: say.lede({ headline: facts.headline, news: facts.news, topPurpose: facts.purposes[0] }),
    keyFigures: keyFigures(facts, lang),
    sections,
    notes,
    about: aboutBox(dataset, facts, lang, context),
    ui: say.ui,
    facts,
  };
}

/** Up to three: the headline share, then the largest enterprises or the top purpose, then the policy or an industry. */
function keyFigures(facts: YearFacts, lang: Lang): Briefing['keyFigures'] {
  const say = phrasebooks[lang];
  const chosen: Briefing['keyFigures'] = [];
  const add = (f: Figure | undefined | null, label: (f: Figure) => string) => {
    if (!f || f.value === null || chosen.length >= 3) return;
    const change = shortChange(f, lang);
    chosen.push({ value: formatPercentShort(f.value, lang), label: label(f), change });
  };
  add(facts.headline, say.keyHeadline);
  const largest =
    facts.bySize.find((s) => s.figure.measure === facts.headline.measure && s.figure.sizeClass === '05')?.figure ??
    facts.bySize.find((s) => s.figure.sizeClass === '05')?.figure;
  if (largest) add(largest, say.keySize);
  else add(facts.purposes[0], say.keyPurpose);
  if (facts.policy) add(facts.policy, () => say.keyPolicy());
  else if (facts.byIndustry[0]) add(facts.byIndustry[0], say.keyIndustry);
  else add(facts.bySize[0]?.figure, say.keySize);
  return chosen;
}

/**
 * What the size paragraph tells, so it stays a few readable sentences however many figures the table has: the
 * headline's measure (or social networks), plus the type of social media whose use differs most between the
 * largest enterprises and all (at least 5 points), for the largest and the smallest size class in the data.
 */
function sizeStory(facts: YearFacts): YearFacts['bySize'] {
  const bySize = facts.bySize.filter((s) => s.figure.sizeClass !== TOTAL_SIZE);
  const lead = [facts.headline.measure, 'any_social_media', 'social_networks'].find((m) => bySize.some((s) => s.figure.measure === m));
  if (!lead) return [];
  const gapAtLargest = (measure: string): number => {
    const largest = bySize.find((s) => s.figure.measure === measure && s.figure.sizeClass === '05');
    return largest?.total?.value != null && largest.figure.value !== null ? largest.figure.value - largest.total.value : -Infinity;
  };
  const extra = (typeMeasures as readonly string[])
    .filter((m) => m !== lead && gapAtLargest(m) >= 5)
    .sort((a, b) => gapAtLargest(b) - gapAtLargest(a))[0];
  const measures = extra ? [lead, extra] : [lead];
  const classes = [...new Set(bySize.filter((s) => measures.includes(s.figure.measure)).map((s) => s.figure.sizeClass))].sort();
  const told = new Set([classes.at(-1), classes.length > 1 ? classes[0] : undefined]);
  return bySize.filter((s) => measures.includes(s.figure.measure) && told.has(s.figure.sizeClass));
}

function figureName(f: Pick<Figure, 'measure' | 'sizeClass' | 'industry' | 'year'>, lang: Lang, totalIndustry: string): string {
  const parts = [measureText(f.measure, lang).name];
  if (f.sizeClass !== TOTAL_SIZE) parts.push(sizeClassText(f.sizeClass, lang).name.toLowerCase());
  if (f.industry !== totalIndustry) parts.push(industryText(f.industry, lang).toLowerCase());
  return `${parts.join(', ')} ${f.year}`;
}

/**
 * SSB's notes are Markdown-flavoured text: a link `[tabell 14933](https://…)` reads as "tabell 14933 (https://…)".
 * The result is still plain text, escaped by the template like everything else.
 */
export function plainNote(note: string): string {
  return note.replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '$1 ($2)').replace(/\r\n?/g, '\n');
}

/** Only http(s) addresses become links; anything else (javascript:, data:) is never put in an href. */
export function safeUrl(url: string | null | undefined): string | null {
  return typeof url === 'string' && /^https?:\/\/[^\s"'<>]+$/i.test(url) ? url : null;
}

function aboutBox(dataset: Dataset, facts: YearFacts, lang: Lang, context: BriefingContext): AboutBox {
  const { about } = phrasebooks[lang];
  const sources: AboutBox['sources'] = [];
  // The year's figures first, then the earlier years the trend chart draws: every figure shown has its source.
  const shown = [...facts.used, ...facts.trend.map((f) => f.observation)];
  const tableIds = [...new Set(shown.map((o) => o.table).filter((t): t is string => t !== null))].sort();
  for (const id of tableIds) {
    const table = dataset.tables[id];
    sources.push({
      label: about.table(id, table?.label ? table.label.replace(new RegExp(`^${id}:\\s*`), '') : null),
      detail: table?.updated ? about.updated(formatDateTime(table.updated, lang)) : null,
      url: `https://www.ssb.no/${lang === 'en' ? 'en/' : ''}statbank/table/${id}`,
      notes: (table?.notes ?? []).map(plainNote),
    });
  }
  const articles = new Map<string, string | null>();
  for (const o of shown) {
    if (o.table !== null) continue;
    const seen = articles.get(o.source);
    if (!articles.has(o.source) || (o.published && (!seen || o.published > seen))) articles.set(o.source, o.published);
  }
  for (const [url, published] of articles) {
    sources.push({ label: about.article(published ? formatDate(published, lang) : null), detail: null, url: safeUrl(url), notes: [] });
  }
  const next = context.nextRelease;
  const changes = context.changes;
  return {
    paragraphs: [about.coverage(facts.year), about.definition],
    sources,
    nextRelease: next ? { text: about.nextRelease(formatDate(next.date, lang)), url: safeUrl(next.link) } : null,
    changes: changes
      ? {
          heading: about.changesHeading,
          summary: about.changesSummary({ added: changes.added, revised: changes.revised.length, withdrawn: changes.withdrawn }),
          items: changes.revised.slice(0, 12).map((r) =>
            about.changeItem(
              figureName(r, lang, facts.totalIndustry),
              r.before === null ? about.missing : formatPercent(r.before, lang),
              r.after === null ? about.missing : formatPercent(r.after, lang),
            ),
          ),
        }
      : null,
    statisticUrl,
    tableNotesLabel: about.tableNotes,
  };
}

/** Sentences of a paragraph joined with single spaces. */
function joinSentences(paragraphs: Paragraph[]): Paragraph[] {
  return paragraphs.map((p) => p.flatMap((part, i) => (i > 0 && typeof part === 'string' ? [' ' + part] : [part])));
}
