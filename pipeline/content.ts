import type { Dataset } from './dataset.js';
import { deriveFacts, TOTAL_INDUSTRY, TOTAL_SIZE, type Figure, type YearFacts } from './facts.js';
import { formatDate, formatPercent, formatPercentShort, type Lang } from './lang.js';
import { industryText, measureText, sizeClassText } from './labels.js';
import { phrasebooks, type UiText } from './wording.js';

/**
 * The briefing's content for one year and language: headline, lede, key figures, sections, notes and the
 * "about" box, all derived from the dataset. Pure: values in, values out. A section whose figures the year
 * lacks is left out; no figure is ever filled in.
 */

/** Running text with footnote references; strings are plain text (the template escapes them). */
export type Paragraph = (string | { note: number })[];

export interface Section {
  id: 'size' | 'types' | 'purposes' | 'policy';
  heading: string;
  paragraphs: Paragraph[];
  /** Ids of the charts that belong to this section. */
  charts: string[];
}

export interface Briefing {
  lang: Lang;
  year: number;
  series: 'SN2007' | 'SN2025';
  kicker: string;
  title: string;
  headline: string;
  lede: string;
  keyFigures: { value: string; label: string }[];
  sections: Section[];
  notes: { number: number; text: string }[];
  sources: { label: string; url: string }[];
  ui: UiText;
  facts: YearFacts;
}

export const statisticUrl = 'https://www.ssb.no/teknologi-og-innovasjon/statistikker/iktbrukn';

export function buildBriefing(dataset: Dataset, year: number, lang: Lang): Briefing {
  const facts = deriveFacts(dataset, year);
  const say = phrasebooks[lang];
  const notes: { number: number; text: string }[] = [];
  const noteFor = (text: string): { note: number } => {
    const existing = notes.find((n) => n.text === text);
    if (existing) return { note: existing.number };
    notes.push({ number: notes.length + 1, text });
    return { note: notes.length };
  };
  const revisionNote = (f: Figure): { note: number }[] => {
    const revision = facts.revisions.find(
      (r) => r.measure === f.measure && r.sizeClass === f.sizeClass && r.industry === f.industry,
    );
    if (!revision || revision.from === null || revision.to === null) return [];
    const name = measureText(f.measure, lang).name;
    return [noteFor(say.revisionNote(name, f.year, formatPercent(revision.from, lang), formatPercent(revision.to, lang)))];
  };

  const sections: Section[] = [];
  const headlineSize = facts.bySize.filter((s) => s.figure.sizeClass !== TOTAL_SIZE);
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
    if (rest.length) paragraph.push(' ' + say.purposesRest(rest));
    sections.push({ id: 'purposes', heading: say.purposesHeading(top), paragraphs: [paragraph], charts: rest.length ? ['purposes'] : [] });
  }
  if (facts.policy) {
    const low = facts.policy.value! < 25;
    const paragraphs: Paragraph[] = [[say.policySentence(facts.policy, low), ...revisionNote(facts.policy)]];
    if (low && facts.headline.value! >= 2 * facts.policy.value!) paragraphs.push([say.policyReading()]);
    sections.push({ id: 'policy', heading: say.policyHeading(low), paragraphs, charts: [] });
  }

  for (const f of facts.missing) {
    const symbol = f.status ?? '..';
    noteFor(say.missingNote(figureName(f, lang), symbol, say.statusMeanings[symbol] ?? symbol));
  }
  if (facts.seriesBreak) noteFor(say.seriesBreakNote());

  return {
    lang,
    year,
    series: facts.series,
    kicker: say.kicker(year),
    title: say.title(year),
    headline: say.headline(facts.headline),
    lede: say.lede(facts.headline, facts.purposes[0]),
    keyFigures: keyFigures(facts, lang),
    sections,
    notes,
    sources: sourcesOf(facts, lang),
    ui: say.ui,
    facts,
  };
}

/** Up to three: the headline share, then the largest enterprises or the top purpose, then the policy or an industry. */
function keyFigures(facts: YearFacts, lang: Lang): { value: string; label: string }[] {
  const say = phrasebooks[lang];
  const chosen: { value: string; label: string }[] = [];
  const add = (f: Figure | undefined | null, label: (f: Figure) => string) => {
    if (f && f.value !== null && chosen.length < 3) chosen.push({ value: formatPercentShort(f.value, lang), label: label(f) });
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

function figureName(f: Figure, lang: Lang): string {
  const parts = [measureText(f.measure, lang).name];
  if (f.sizeClass !== TOTAL_SIZE) parts.push(sizeClassText(f.sizeClass, lang).name.toLowerCase());
  if (f.industry !== TOTAL_INDUSTRY) parts.push(industryText(f.industry, lang).toLowerCase());
  return `${parts.join(', ')} ${f.year}`;
}

/** The articles and tables the year's figures come from, each once. */
function sourcesOf(facts: YearFacts, lang: Lang): { label: string; url: string }[] {
  const ui = phrasebooks[lang].ui;
  const seen = new Map<string, string>();
  for (const o of facts.used) {
    if (seen.has(o.source)) continue;
    const label = o.table
      ? ui.sourceTable(o.table)
      : o.published
        ? `${ui.source}, ${ui.published} ${formatDate(o.published, lang)}`
        : ui.source;
    seen.set(o.source, label);
  }
  return [...seen].map(([url, label]) => ({ url, label }));
}

/** Sentences of a paragraph joined with single spaces. */
function joinSentences(paragraphs: Paragraph[]): Paragraph[] {
  return paragraphs.map((p) => p.flatMap((part, i) => (i > 0 && typeof part === 'string' ? [' ' + part] : [part])));
}
