import { phrasebooks } from '../text/index.js';
import { cleanText, formatShare } from '../text/format.js';
import type { Phrasebook } from '../text/en.js';
import { plain, r, refsOf, type Rich } from '../text/rich.js';
import { makeSay } from '../text/say.js';
import { buildChartSpecs } from './chart-specs.js';
import { deriveFacts, type Change, type YearFacts } from './facts.js';
import type { Figure } from './figures.js';
import { codeLabel, pickLabel } from './labels.js';
import type { Dataset, Definition, Finding, Lang, Observation } from './model.js';

/**
 * The briefing for one year and language: which facts are said, in which order, decided once here for every language;
 * the words come from the language's phrasebook and the definition. Pure. Every sentence is a claim: its text, the
 * typed facts it rests on and the observations those used, so that every number printed can be traced (claims.json).
 */

export interface FactRecord {
  kind: string;
  /** Observation ids (store/dataset.ts observationId). */
  observations: string[];
  [detail: string]: unknown;
}

export interface Claim {
  id: string;
  /** Where it is printed: headline, lede, key-figure, section:<id>, note, about, chart:<id>, edition, page. */
  where: string;
  text: string;
  facts: FactRecord[];
}

export type Sentence = { claim: string; text: Rich };

export interface SourceRef {
  /** Anchor of the entry in "Om statistikken". */
  anchor: string;
  text: string;
  url: string | null;
}

export interface Section {
  id: 'groups' | 'types' | 'purposes' | 'policy';
  heading: Sentence;
  paragraphs: Sentence[][];
  charts: string[];
  /** The sources of the section's figures, one line under it. */
  sources: SourceRef[];
}

export interface BriefingContext {
  nextRelease?: { date: string; link: string } | null;
  /**
   * What the latest update of each table changed (store/history.ts lastChanges): how many figures it added, revised and
   * withdrew, and which were revised; only for tables updated more than once, as a first fetch is not a change.
   */
  changes?:
    | { table: string; updated: string | null; added: number; withdrawn: number; revised: { key: string; before: ValueStatus; after: ValueStatus }[] }[]
    | null;
}
type ValueStatus = { value: number | null; status: string | null };

/** A briefing as html.ts, pdf-meta.ts and build.ts read it. */
export type Briefing = ReturnType<typeof buildBriefing>;

export function buildBriefing(
  dataset: Dataset,
  definition: Definition,
  year: number,
  lang: Lang,
  context: BriefingContext = {},
  facts = deriveFacts(dataset, definition, year),
) {
  const book = phrasebooks[lang];
  const say = makeSay(dataset, definition, facts, lang, book.terms);
  const claims: Claim[] = [];
  const claim = (where: string, text: Rich, records: FactRecord[] = []): Sentence => {
    const id = `c${claims.length + 1}`;
    const known = new Set(records.flatMap((f) => f.observations));
    const rest = refsOf(text).filter((ref) => !known.has(ref));
    claims.push({ id, where, text: plain(text), facts: rest.length ? [...records, { kind: 'level', observations: rest }] : records });
    return { claim: id, text };
  };
  const level = (f: Figure): FactRecord => ({
    kind: 'level',
    observations: [f.current.id],
    measure: f.measure,
    year: f.year,
    base: say.base(f),
    population: f.industry,
  });
  const ids = (figures: Figure[]) => figures.map((f) => f.current.id);
  const change = (c: Change): FactRecord => ({ kind: 'change', observations: [c.from.current.id, c.to.current.id], points: c.points, lastAsked: c.lastAsked });

  // Headline: a milestone first, then a newsworthy change, then the level, as a fraction when one fits.
  const h = facts.headline.figure;
  const hc = facts.headlineChange;
  const newsworthy = hc && Math.abs(hc.points) >= 5 ? hc : null;
  const fraction = say.fraction(h) !== null;
  const milestone = fraction && facts.milestone ? [{ kind: 'milestone', observations: [h.current.id], ...facts.milestone }] : [];
  const headline =
    newsworthy && !facts.milestone
      ? claim('headline', book.headlineChange(newsworthy, say), [change(newsworthy)])
      : claim('headline', fraction ? book.headlineFraction(h, say) : book.headlineLevel(h, say), [level(h), ...milestone]);

  const lede: Sentence[] = [claim('lede', book.ledeLevel(h, hc, say), [level(h), ...(hc ? [change(hc)] : [])])];
  if (facts.milestone)
    lede.push(claim('lede', book.ledeMilestone(facts.milestone), [{ kind: 'milestone', observations: historyIds(facts), ...facts.milestone }]));
  else if (facts.record) lede.push(claim('lede', book.ledeRecord(facts.record), [{ kind: 'record', observations: historyIds(facts), ...facts.record }]));
  // What the topic is used for most, when every purpose the survey asked about has a figure (the seed's second sentence).
  const topPurpose = facts.purposes.complete ? facts.purposes.figures[0] : undefined;
  const topType = facts.types.complete ? facts.types.figures.find((f) => f.measure !== h.measure) : undefined;
  if (topPurpose)
    lede.push(claim('lede', book.ledeTop(topPurpose, say), [{ kind: 'ranking', observations: ids(facts.purposes.figures), top: topPurpose.measure }]));

  const notes: { number: number; sentence: Sentence }[] = [];
  const note = (text: Rich, records: FactRecord[]): { note: number } => {
    const existing = notes.find((n) => plain(n.sentence.text) === plain(text));
    if (!existing) notes.push({ number: notes.length + 1, sentence: claim('note', text, records) });
    return { note: existing?.number ?? notes.length };
  };
  const revisionRef = (f: Figure): Rich =>
    facts.revisions.includes(f) ? [note(book.revisionNote(f, say), [{ kind: 'revision', observations: f.rows.map((o) => o.id) }])] : [];

  const comparison = (a: Figure, b: Figure): FactRecord => ({ kind: 'comparison', observations: [a.current.id, b.current.id] });
  const publishedRecord = (f: Finding): FactRecord => ({ kind: 'published', observations: [], finding: f.id, article: dataset.articles[f.article]!.url });

  const sections: Section[] = [];
  const section = (id: Section['id'], heading: Sentence, paragraphs: Sentence[][], charts: string[]) =>
    sections.push({ id, heading, paragraphs, charts, sources: [] });
  // 1 Size and industry.
  const groups: Sentence[] = [];
  const tell = (text: Rich, records: FactRecord[]) => groups.push(claim('section:groups', text, records));
  const sizeFacts = facts.sizeComparison;
  if (sizeFacts)
    tell([...book.sizeComparison(sizeFacts.large, sizeFacts.all, say), ...revisionRef(sizeFacts.large)], [comparison(sizeFacts.large, sizeFacts.all)]);
  if (facts.gradient) tell(book.sizeGradient(facts.sizes.figures, say), [{ kind: 'gradient', observations: ids(facts.sizes.figures) }]);
  const industries = facts.industries.figures;
  if (industries.length >= 2 && facts.industries.complete) {
    const top = industries.filter((f) => f.current.value === industries[0]!.current.value);
    const bottom = industries.filter((f) => f.current.value === industries.at(-1)!.current.value);
    const text = top.length === industries.length ? book.industrySame(top[0]!, say) : book.industryRanking(top, bottom, say);
    tell(text, [{ kind: 'ranking', observations: ids(industries), over: 'industry', complete: true }]);
  } else if (industries.length) {
    const byValue = new Map<number, Figure[]>();
    for (const f of industries) byValue.set(f.current.value!, [...(byValue.get(f.current.value!) ?? []), f]);
    tell(book.industryLevels([...byValue.values()], say), industries.map(level));
  }
  if (facts.bounds.length)
    tell(book.industryBounds(facts.bounds, say), [{ kind: 'bound', observations: ids(facts.bounds), bound: facts.bounds[0]!.current.bound }]);
  const gradientFinding = facts.findings.find((f) => f.kind === 'size-gradient');
  const topFinding = facts.findings.find((f) => f.kind === 'top-industry');
  const found = [gradientFinding, topFinding].filter((f) => f !== undefined);
  if (found.length) tell(book.published({ gradient: gradientFinding?.measures, topIndustry: topFinding?.industry }, say), found.map(publishedRecord));
  if (groups.length) {
    const largerMore = !!sizeFacts && sizeFacts.large.current.value! > sizeFacts.all.current.value!;
    const bySize = facts.sizes.figures.length > 0 || !!sizeFacts;
    const byIndustry = industries.length > 0 || facts.bounds.length > 0 || !!topFinding;
    const heading = r`${book.sizesHeading(largerMore, bySize, byIndustry)}`;
    const records = largerMore ? [comparison(sizeFacts.large, sizeFacts.all)] : [];
    section('groups', claim('section:groups', heading, records), [groups], facts.sizes.figures.length + industries.length >= 1 ? ['groups'] : []);
  }

  // 2 Types and 3 purposes: the top one with its change, then the rest; a heading ranks them only when the set is complete.
  // When the only type with a figure is the headline's own measure, the lede has said it: only the trend.
  const trendYears = new Set(facts.trend.flatMap((t) => t.points.map((p) => p.figure.year)));
  for (const id of ['types', 'purposes'] as const) {
    const group = facts[id];
    const where = `section:${id}`;
    const isTypes = id === 'types';
    if (!(isTypes ? group.figures.some((f) => f.measure !== h.measure) : group.figures.length)) {
      if (isTypes && trendYears.size >= 2) section(id, claim(where, r`${book.charts.trendTitle(say)}`), [], ['trend']);
      continue;
    }
    const [top, ...rest] = group.figures as [Figure, ...Figure[]];
    const ranked = group.complete && rest.every((f) => f.current.value! < top.current.value!);
    const topChange = group.changes.get(top.measure) ?? null;
    const ranking = { kind: 'ranking', observations: ids(group.figures) };
    const first = isTypes ? book.typeFirst(top, topChange, say) : book.purposeFirst(top, topChange, say);
    const sentences = [claim(where, [...first, ...revisionRef(top)], [level(top), ...(topChange ? [change(topChange)] : [])])];
    if (rest.length) {
      const text = isTypes ? book.typeRest(rest, say) : book.purposeRest(rest, ranked, say);
      const rankingRecord = !isTypes && ranked ? [{ ...ranking, complete: true }] : [];
      sentences.push(claim(where, [...text, ...rest.flatMap(revisionRef)], [...rest.map(level), ...rankingRecord]));
    }
    if (isTypes && facts.typeSizes.length) {
      const records = facts.typeSizes.map((p) => ({ kind: 'comparison', observations: ids(p.all ? [p.large, p.all] : [p.large]) }));
      sentences.push(claim(where, book.typeSizes(facts.typeSizes, say), records));
    }
    if (!isTypes && group.figures.some((f) => say.base(f) === 'users')) note(book.usersBaseNote(say), []);
    const title = isTypes ? book.charts.typesTitle(say) : book.charts.purposesTitle(say);
    const topHeading = isTypes ? book.typesHeading(top, say) : book.purposesHeading(top, say);
    const heading = ranked ? claim(where, topHeading, [{ ...ranking, top: top.measure, complete: true }]) : claim(where, r`${title}`);
    section(id, heading, [sentences], isTypes && trendYears.size >= 2 ? ['trend'] : group.figures.length >= 2 ? [id] : []);
  }

  // 4 A single figure told on its own (a formal policy), with SSB's own reading of it when SSB published one.
  if (facts.policy) {
    const p = facts.policy.figure;
    const low = p.current.value! < 25 && h.current.value! >= 2 * p.current.value!;
    const words = say.m(p.measure);
    const pc = facts.policyChange;
    const lowRecord = low ? [comparison(p, h)] : [];
    const paragraphs = [[claim('section:policy', [...book.policy(p, low, pc, say), ...revisionRef(p)], [level(p), ...(pc ? [change(pc)] : []), ...lowRecord])]];
    const reading = facts.findings.filter((f) => f.kind === 'reading').find((f) => f.about === p.measure);
    if (reading) paragraphs.push([claim('section:policy', r`${reading.text[lang]}`, [publishedRecord(reading)])]);
    const heading = claim('section:policy', r`${low && words.lowHeading ? words.lowHeading : words.label}`, lowRecord);
    section('policy', heading, paragraphs, []);
  }

  // Notes: revisions the text did not footnote, SSB's symbols, our gaps, questions not asked, the break in standard.
  for (const f of facts.revisions) note(book.revisionNote(f, say), [{ kind: 'revision', observations: f.rows.map((o) => o.id) }]);
  for (const f of facts.missing) note(book.missingNote(f, say), [{ kind: 'missing', observations: [f.current.id], status: f.current.status }]);
  const gapsByYears = new Map<string, { measures: string[]; years: number[] }>();
  for (const g of facts.gaps) {
    const key = g.years.join(',');
    gapsByYears.set(key, { measures: [...(gapsByYears.get(key)?.measures ?? []), g.measure], years: g.years });
  }
  for (const g of gapsByYears.values()) note(book.gapNote(g.measures, g.years, say), [{ kind: 'gap', observations: [], measures: g.measures, years: g.years }]);
  // Years without the question: said under the trend chart when there is one, else as a note.
  if (facts.notAsked.length && !sections.some((s) => s.charts.includes('trend')))
    note(book.notAskedNote(facts.notAsked), [{ kind: 'not-asked', observations: [], years: facts.notAsked }]);
  // After the change of industry standard (SN2007 to SN2025), say why nothing is compared across it.
  if (facts.seriesBreak && facts.classification === 'SN2025')
    note(book.seriesBreakNote(), [{ kind: 'series-break', observations: [], other: facts.seriesBreak }]);

  // Key figures: the headline, the largest enterprises (or the top purpose), the policy (or the top industry).
  const keyFigures: { value: Sentence; label: Sentence; change: Sentence | null }[] = [];
  const key = (f: Figure | undefined, c: Change | null) => {
    if (!f || keyFigures.length >= 3 || keyFigures.some((k) => refsOf(k.value.text).includes(f.current.id))) return;
    keyFigures.push({
      value: claim('key-figure', [say.sign(f)], [level(f)]),
      label: claim('key-figure', book.keyFigure(f, say), [level(f)]),
      change: c ? claim('key-figure', book.keyChange(c, say), [change(c)]) : null,
    });
  };
  key(h, hc);
  key(sizeFacts?.large ?? topPurpose, null);
  const [top, second] = facts.industries.figures;
  const topIndustry = facts.industries.complete && top && (!second || second.current.value! < top.current.value!) ? top : undefined;
  key(facts.policy?.figure ?? topIndustry ?? topType, facts.policy ? facts.policyChange : null);

  // Charts, then the sources of every section from the figures its sentences and charts rest on.
  const chartIds = sections.flatMap((s) => s.charts);
  const charts = buildChartSpecs(facts, say, book, chartIds);
  for (const chart of charts) {
    const text = r`${chart.title} ${chart.subtitle} ${chart.table.flat().join(' ')} ${chart.notes.join(' ')} ${chart.tableNotes.join(' ')}`;
    claim(`chart:${chart.id}`, text, [{ kind: 'chart', observations: chart.observations }]);
  }
  const byId = new Map(dataset.observations.map((o) => [o.id, o]));
  const rows = (ids: Iterable<string>) => [...ids].flatMap((id) => byId.get(id) ?? []);
  const sourcesOf = makeSources(dataset, definition, book, lang);
  const chartSources: Record<string, string> = {};
  for (const chart of charts) {
    const refs = sourcesOf(rows(chart.observations), []);
    chartSources[chart.id] = `${book.ui.source}, ${refs.map((x) => x.text).join('; ')}`;
    claim(`chart:${chart.id}`, r`${chartSources[chart.id]!}`, [{ kind: 'source', observations: chart.observations }]);
  }
  // A section's source line, from the figures its sentences and charts rest on, unless its one chart says the same just above it.
  for (const s of sections) {
    const records = [s.heading, ...s.paragraphs.flat()].flatMap((sentence) => claims.find((c) => c.id === sentence.claim)!.facts);
    const drawn = s.charts.flatMap((id) => charts.find((chart) => chart.id === id)?.observations ?? []);
    const observed = rows(new Set([...records.flatMap((f) => f.observations), ...drawn]));
    const articles = records.flatMap((f) => (typeof f.article === 'string' ? [f.article] : []));
    const sources = sourcesOf(observed, articles);
    const line = `${book.ui.source}, ${sources.map((x) => x.text).join('; ')}`;
    if (!sources.length || (s.charts.length === 1 && chartSources[s.charts[0]!] === line)) continue;
    s.sources = sources;
    claim(`section:${s.id}`, r`${line}`, [{ kind: 'source', observations: observed.map((o) => o.id), anchors: sources.map((x) => x.anchor) }]);
  }

  const used = new Set(claims.flatMap((c) => c.facts.flatMap((f) => f.observations)));
  const observations = dataset.observations.filter((o) => used.has(o.id));
  const { published, tableUpdated, revised } = publicationDates(dataset, facts, observations);
  const edition = { year, month: definition.statistic.referenceMonth, published, tableUpdated, revised };
  const ofYear = observations.filter((o) => o.year === year).map((o) => o.id);
  const dates = { kind: 'date', observations: ofYear, published, tableUpdated, revised, referenceMonth: edition.month };
  const editionLine = claim('edition', r`${book.editionLine(edition)}`, [dates]);

  const findingUrls = dataset.findings.filter((f) => observations.some((o) => o.year === f.year)).map((f) => dataset.articles[f.article]!.url);
  const aboutSources = sourcesOf(observations, findingUrls, true).map(({ tableNotes = [], ...s }) => ({
    ...s,
    notes: tableNotes.map((n) => claim('about', r`${n}`, [{ kind: 'source-note', observations: [] }])),
  }));
  for (const s of aboutSources) claim('about', r`${s.text} ${s.url ?? ''}`, [{ kind: 'source', observations: [] }]);
  const next = context.nextRelease?.date;
  const byKey = new Map(dataset.observations.map((o) => [o.id.split('#')[0]!, o]));
  /** A revised figure: its measure, its group when not all enterprises, and its period. */
  const changedName = (o: Observation) => {
    const measure = definition.measures.find((m) => m.id === o.measure)!.words[lang].label;
    const size = o.size !== null && o.size !== facts.figures.allSizes && codeLabel(dataset, 'size', o.size, null, lang);
    const industry =
      o.industry !== null && !facts.figures.isTotal(o.industry, o.classification) && codeLabel(dataset, 'industry', o.industry, o.classification, lang);
    return [measure, size, industry, o.period].filter((part) => part !== false).join(', ');
  };
  /** A value as the briefing prints shares, or SSB's symbol for a cell without one. */
  const changedValue = (x: ValueStatus) => (x.value === null ? (x.status ?? '–') : `${formatShare(x.value, lang)}${x.status ? ` (${x.status})` : ''}`);
  /** One table's latest update, and the revised figures the briefing's measures use, named in this language (at most 12 a table). */
  const tableChanges = (c: NonNullable<BriefingContext['changes']>[number]) => {
    const items = c.revised.flatMap((change) => {
      const o = byKey.get(change.key);
      return o?.measure ? [{ o, change }] : [];
    });
    return {
      summary: claim('about', r`${book.about.changes({ ...c, revised: c.revised.length })}`, [{ kind: 'history', observations: items.map((i) => i.o.id) }]),
      items: items.slice(0, 12).map(({ o, change }) => {
        const text = book.about.changeItem(changedName(o), changedValue(change.before), changedValue(change.after));
        return claim('about', r`${text}`, [{ kind: 'history', observations: [o.id] }]);
      }),
    };
  };
  return {
    name: definition.statistic.id,
    lang,
    year,
    title: `${say.words.title} ${year}`,
    kicker: `${say.words.kicker} ${year}`,
    headline,
    lede,
    editionLine,
    keyFigures,
    sections,
    notes,
    about: {
      coverage: claim('about', r`${say.words.coverage}`),
      definition: say.words.definition,
      sources: aboutSources,
      nextRelease: next ? claim('about', r`${book.about.nextRelease(next)}`, [{ kind: 'date', observations: [], nextRelease: next }]) : null,
      changes: context.changes?.length ? context.changes.map(tableChanges) : null,
      statisticUrl: definition.statistic.url[lang === 'en' ? 'en' : 'no'],
    },
    charts,
    /** Each chart's source line: "Kjelde: Statistisk sentralbyrå, tabell 10977 (sist oppdatert …)". */
    chartSources,
    claims,
    ui: book.ui,
    /** The date the year's figures were first published, and last revised (null when not known). */
    published: published ?? (tableUpdated ? tableUpdated.slice(0, 10) : null),
    revised: revised === 'undated' ? null : revised,
    /** A figure was revised after it was first published, by a source that gives no date. */
    revisedUndated: revised === 'undated',
    /** Every observation the edition rests on. */
    observations,
    facts,
  };
}

/** The earlier figures a milestone or record rests on: every earlier figure of the headline series. */
function historyIds(facts: YearFacts): string[] {
  const h = facts.headline.figure;
  const series = facts.figures.series(h.measure, h.size, h.industry, h.classification);
  return series.filter((f) => f.year <= h.year).map((f) => f.current.id);
}

/**
 * The dates an edition names: when the year's figures were first published in an article (null when they come from
 * tables only, or no article gives a date), when the StatBank tables they come from were last updated, and when the
 * last of them was revised after it was first published ('undated' when the revising source has no date).
 */
function publicationDates(dataset: Dataset, facts: YearFacts, observations: Observation[]) {
  const ofYear = observations.filter((o) => o.year === facts.year);
  const published = ofYear.flatMap((o) => (o.table === null && o.published ? [o.published] : [])).sort()[0] ?? null;
  const updated = ofYear.flatMap((o) => (o.table ? [dataset.tables[o.table]?.updated] : [])).filter((u): u is string => !!u);
  const tableUpdated = updated.sort().at(-1) ?? null;
  const revisions = facts.revisions.filter((f) => f.year === facts.year).map((f) => f.current.published);
  const revised = revisions.includes(null) ? 'undated' : (revisions.sort().at(-1) ?? null);
  return { published, tableUpdated, revised };
}

/**
 * The sources of a set of figures and of SSB's statements (by article URL): each table with its update, each article
 * with its date, anchored to their entries in "Om statistikken"; `full` for those entries, with SSB's notes to each
 * table. Table labels, notes and article titles are text from a data source: cleaned of control and bidirectional characters.
 */
function makeSources(dataset: Dataset, definition: Definition, book: Phrasebook, lang: Lang) {
  const label = (id: string) => {
    const t = dataset.tables[id];
    const text = t ? pickLabel(t.label, lang === 'nb' ? 'nn' : lang) : (definition.tables.find((x) => x.id === id)?.label ?? id);
    return text.replace(new RegExp(`^${id}:\\s*`), '');
  };
  return (observations: Observation[], articleUrls: string[], full = false): (SourceRef & { tableNotes?: string[] })[] => {
    const tables = [...new Set(observations.flatMap((o) => (o.table === null ? [] : [o.table])))].sort();
    const fromFindings = articleUrls.map((url) => dataset.articles.findIndex((a) => a.url === url)).filter((i) => i >= 0);
    const articles = [...new Set([...observations.flatMap((o) => (o.article === null ? [] : [o.article])), ...fromFindings])].sort((a, b) => a - b);
    return [
      ...tables.map((id) => {
        const table = dataset.tables[id];
        const updated = table?.updated ?? null;
        const anchor = `kjelde-${id}`;
        const url = `https://www.ssb.no/${lang === 'en' ? 'en/' : ''}statbank/table/${id}`;
        if (!full) return { anchor, text: book.about.tableRef(id, updated), url };
        return { anchor, text: book.about.table(id, label(id), updated), url, tableNotes: (table?.notes ?? []).map(cleanText).filter(Boolean) };
      }),
      ...articles.map((i) => {
        const { title, published, url } = dataset.articles[i]!;
        return { anchor: `kjelde-a${i}`, text: full ? book.about.article(cleanText(title), published) : book.about.articleRef(published), url };
      }),
    ];
  };
}
