import type { Change } from '../briefing/facts.js';
import type { Figure } from '../briefing/figures.js';
import { capitalise, formatDate, formatDateTime, formatMonthYear, formatNumber, fractionWords, joinList } from './format.js';
import { yearRanges, type Phrasebook, type Say } from './phrasebook.js';
import { capitaliseRich as cap, joinRich, r, type Rich } from './rich.js';

/**
 * British English in a statistics office's house style: "50 per cent" in running text and "50%" in key figures,
 * "compared with", "persons employed", no sentence that starts with a numeral (the year or "the share" comes first).
 */

const list = (items: Rich[]) => joinRich(items, 'and');

/** "use" -> "uses", "have" -> "has": the verb after "one in …". */
const singular = (verb: string) => verb.replace(/^(\w+)/, (w) => (w === 'have' ? 'has' : w.endsWith('s') ? w : `${w}s`));

function changeClause(c: Change | null, say: Say): Rich {
  if (!c) return [];
  const since = c.lastAsked ? ', when the question was last asked' : '';
  if (c.points === 0) return r`, unchanged from ${say.share(c.from)} in ${c.from.year}${since}`;
  return r`, ${c.points > 0 ? 'up' : 'down'} from ${say.share(c.from)} in ${c.from.year}${since}`;
}

const inIndustries = (figures: Figure[], say: Say) =>
  joinList(
    figures.map((f) => `in ${say.industry(f.industry!)}`),
    'en',
  );

export const en: Phrasebook = {
  lang: 'en',

  headlineFraction(f, say) {
    const { words, fraction } = say.fraction(f)!;
    const m = say.m(f.measure);
    const verb = fraction.numerator === 1 ? singular(m.verb.present) : m.verb.present;
    return cap(r`${words} Norwegian enterprises ${verb} ${m.object}`);
  },
  headlineChange(c, say) {
    const m = say.m(c.to.measure);
    return r`${c.points > 0 ? 'More' : 'Fewer'} enterprises ${m.verb.present} ${m.object}`;
  },
  headlineLevel(f, say) {
    const m = say.m(f.measure);
    return r`${capitalise(m.object)} in use in ${say.share(f)} of Norwegian enterprises`;
  },
  ledeLevel(f, change, say) {
    const m = say.m(f.measure);
    const examples = m.examples && !change ? `, such as ${m.examples}` : '';
    return r`In ${f.year}, ${say.share(f)} of ${say.of(f, true)} ${m.verb.past} ${m.object}${examples}${changeClause(change, say)}.`;
  },
  ledeMilestone(ms) {
    return r`It is the first time since measurements began in ${ms.since} that the share has reached ${fractionWords({ ...ms, approx: 'exact' }, 'en')}.`;
  },
  ledeRecord(rec) {
    return r`It is the highest share since measurements began in ${rec.since}.`;
  },
  ledeTop(f, say) {
    const m = say.m(f.measure);
    const fraction = say.fraction(f);
    if (say.base(f) === 'users') return r`Among ${say.words.users}, the share that ${m.verb.past} ${m.object} was ${say.share(f)}.`;
    if (fraction) return cap(r`${fraction.words} enterprises ${m.verb.past} ${m.object}.`);
    return r`The share of enterprises that ${m.verb.past} ${m.object} was ${say.share(f)}.`;
  },

  headings: {
    sizes: (largerMore, bySize, byIndustry) =>
      largerMore ? 'Large enterprises are more active' : bySize && byIndustry ? 'Size and industry' : bySize ? 'By size' : 'By industry',
    typesTop: (top, say) => r`${say.m(top.measure).label}: the most used`,
    purposesTop: (top, say) => r`Used most for ${say.m(top.measure).noun ?? say.m(top.measure).object}`,
  },
  sizeComparison(large, all, say) {
    const m = say.m(large.measure);
    return r`Among enterprises with ${say.size(large.size!)}, ${say.share(large)} ${m.verb.past} ${m.object}, compared with ${say.share(all)} of all enterprises.`;
  },
  sizeGradient(sizes, say) {
    const first = sizes[0]!;
    const last = sizes.at(-1)!;
    return r`The larger the enterprise, the higher the share: from ${say.share(first)} among those with ${say.size(first.size!)} to ${say.share(last)} among those with ${say.size(last.size!)}.`;
  },
  industryRanking(ranking, say) {
    const { figures } = ranking;
    const top = figures.filter((f) => f.current.value === figures[0]!.current.value);
    const bottom = figures.filter((f) => f.current.value === figures.at(-1)!.current.value);
    const at = (n: number) => (n === 2 ? 'both at' : n > 2 ? 'all at' : 'at');
    if (top.length === figures.length) return r`The share was the same in every industry, ${say.share(top[0]!)}.`;
    return r`By industry, the share was highest ${inIndustries(top, say)}, ${at(top.length)} ${say.share(top[0]!)}, and lowest ${inIndustries(bottom, say)}, ${at(bottom.length)} ${say.share(bottom[0]!)}.`;
  },
  industryLevels(groups, say) {
    const m = say.m(groups[0]![0]!.measure);
    const [first, ...rest] = groups;
    const more = rest.map((g) => r`; ${inIndustries(g, say)}, ${say.share(g[0]!)}`);
    return cap(r`${inIndustries(first!, say)}, ${say.share(first![0]!)} ${m.verb.past} ${m.object}${more.flat()}.`);
  },
  industryBounds(bounds, say) {
    const m = say.m(bounds[0]!.measure);
    return cap(r`${inIndustries(bounds, say)}, ${say.share(bounds[0]!)} of enterprises ${m.verb.past} ${m.object}.`);
  },
  published({ gradient, topIndustry }, say) {
    const parts: string[] = [];
    if (gradient) parts.push(`larger enterprises used every kind of ${say.words.topic} more than smaller ones`);
    if (topIndustry) parts.push(`the share was largest in ${say.industry(topIndustry)}`);
    return r`According to Statistics Norway, ${parts.join(', and ')}.`;
  },

  typeFirst(f, change, say) {
    const m = say.m(f.measure);
    return r`The share of ${say.of(f)} that ${m.verb.past} ${m.object}${m.examples ? `, such as ${m.examples},` : ''} was ${say.share(f)}${changeClause(change, say)}.`;
  },
  typeRest(figures, say) {
    return r`The share was ${list(
      figures.map((f) => {
        const m = say.m(f.measure);
        return r`${say.share(f)} for ${m.noun ?? m.object}${m.examples ? ` (such as ${m.examples})` : ''}`;
      }),
    )}.`;
  },
  typeSizes(pairs, say) {
    const items = pairs.map(
      (p) =>
        r`${say.share(p.large)} ${say.m(p.large.measure).verb.past} ${say.m(p.large.measure).object}${p.all ? r` (compared with ${say.share(p.all)} of all enterprises)` : ''}`,
    );
    return r`Among enterprises with ${say.size(pairs[0]!.large.size!)}, ${list(items)}.`;
  },
  purposeFirst(f, change, say) {
    const m = say.m(f.measure);
    if (say.base(f) === 'users') return r`Among ${say.words.users}, the share that ${m.verb.past} ${m.object} was ${say.share(f)}${changeClause(change, say)}.`;
    return r`The share of ${say.of(f)} that ${m.verb.past} ${m.object} was ${say.share(f)}${changeClause(change, say)}.`;
  },
  purposeRest(figures, ranked, say) {
    const items = list(figures.map((f) => r`${say.m(f.measure).noun ?? say.m(f.measure).object} (${say.share(f)})`));
    return ranked ? r`Next came ${items}.` : r`Other purposes: ${items}.`;
  },
  policy(f, low, change, say) {
    const m = say.m(f.measure);
    if (low) return r`Only ${say.share(f)} of ${say.of(f, true)} ${m.verb.past} ${m.object}${changeClause(change, say)}.`;
    return r`In ${f.year}, ${say.share(f)} of ${say.of(f, true)} ${m.verb.past} ${m.object}${changeClause(change, say)}.`;
  },

  keyFigure(f, say) {
    const m = say.m(f.measure);
    const whose = !say.isAllSizes(f)
      ? `enterprises with ${say.size(f.size!)}`
      : !say.isTotal(f)
        ? `enterprises in ${say.industry(f.industry!)}`
        : say.of(f, true);
    return r`of ${whose} ${m.verb.past} ${m.object}`;
  },
  keyChange(c, say) {
    if (c.points === 0) return r`Unchanged from ${c.from.year}`;
    return r`${c.points > 0 ? 'Up' : 'Down'} ${say.points(c)} from ${c.from.year}`;
  },

  figureName(f, say) {
    const parts = [say.m(f.measure).label];
    if (!say.isAllSizes(f)) parts.push(say.size(f.size!));
    if (!say.isTotal(f)) parts.push(say.industry(f.industry!));
    return `${parts.join(', ')}, ${say.period(f)}`;
  },
  revisionNote(f, say) {
    const first = f.first.published ? ` on ${formatDate(f.first.published, 'en')}` : '';
    const later = f.current.published ? ` (${formatDate(f.current.published, 'en')})` : ' (date not given)';
    return r`${en.figureName(f, say)}: first published as ${say.obs(f.first)}${first}, later revised to ${say.obs(f.current)}${later}.`;
  },
  missingNote(f, say) {
    const symbol = f.current.status!;
    return r`${en.figureName(f, say)}: no figure from Statistics Norway (${symbol} = ${en.symbols[symbol]}).`;
  },
  gapNote(measures, years, say) {
    return r`This dataset has no figures for ${yearRanges(years, 'and')} for ${joinList(
      measures.map((m) => `‘${say.m(m).label}’`),
      'en',
    )}.`;
  },
  notAskedNote(years) {
    return r`The questions were not asked in ${yearRanges(years, 'and')}.`;
  },
  seriesBreakNote() {
    return r`From 2026 the figures by industry are based on a new standard industrial classification (SN2025). Figures by industry before and after the change cannot be compared directly, and changes across it are not calculated here.`;
  },
  usersBaseNote(say) {
    return r`The shares for purposes are shares of ${say.words.users}, not of all enterprises.`;
  },
  symbols: {
    '.': 'not applicable',
    '..': 'data not available',
    ':': 'not for publication (confidential)',
    '-': 'nil',
    '*': 'provisional figure',
  },

  editionLine({ year, month, published, tableUpdated, revised }) {
    const parts = [`Reference period: ${formatMonthYear(year, month, 'en')}`];
    if (published || !tableUpdated) parts.push(`Published ${published ? formatDate(published, 'en') : '(date not given)'}`);
    if (tableUpdated) parts.push(`Figures from StatBank, last updated ${formatDate(tableUpdated, 'en')}`);
    if (revised === 'undated') parts.push('Revised later (date not given)');
    else if (revised) parts.push(`Last revised ${formatDate(revised, 'en')}`);
    return parts.join(' · ');
  },
  about: {
    coverage: (say) => say.words.coverage,
    table: (id, label, updated) => `Table ${id}: ${label}${updated ? `, last updated ${formatDateTime(updated, 'en')}` : ''}`,
    article: (title, published) => `Article on ssb.no: ‘${title}’${published ? `, published ${formatDate(published, 'en')}` : ', undated'}`,
    nextRelease: (date) => `Next release: ${formatDate(date, 'en')}`,
    changes({ table, updated, added, revised, withdrawn }) {
      const parts = [
        added ? `${added} new ${added === 1 ? 'figure' : 'figures'}` : '',
        revised ? `${revised} revised ${revised === 1 ? 'figure' : 'figures'}` : '',
        withdrawn ? `${withdrawn} ${withdrawn === 1 ? 'figure' : 'figures'} withdrawn` : '',
      ].filter(Boolean);
      const when = updated ? `, updated ${formatDateTime(updated, 'en')}` : '';
      return `Table ${table}${when}: ${parts.length ? joinList(parts, 'en') : 'no figures changed'}.`;
    },
    changeItem: (name, before, after) => `${name}: from ${before} to ${after}`,
  },
  charts: {
    trendTitle: (say) => `Use of ${say.words.topic} over time`,
    typesTitle: (say) => capitalise(say.words.types),
    purposesTitle: (say) => capitalise(say.words.purposes),
    groupsTitle: (size, industry, say) => `Use of ${say.words.topic} by ${size && industry ? 'size and industry' : size ? 'size' : 'industry'}`,
    subtitle: (period, whose) => `Share of ${whose}. ${period}. Per cent`,
    trendAlt(title, series, top) {
      const n = (value: number) => formatNumber(value, 'en');
      const changes = series.map((s) =>
        s.last.value === s.first.value
          ? `${s.name} was ${n(s.last.value)} per cent in both ${s.first.year} and ${s.last.year}`
          : `${s.name} ${s.last.value > s.first.value ? 'rose' : 'fell'} from ${n(s.first.value)} per cent in ${s.first.year} to ${n(s.last.value)} per cent in ${s.last.year}`,
      );
      return [`Line chart: ${title}.`, ...changes.map((c) => `${c}.`), `The largest value is ${n(top.value)} per cent (${top.name}, ${top.year}).`].join(' ');
    },
    barsAlt(title, top, bottom) {
      const low = bottom ? `, lowest ${bottom.name} at ${formatNumber(bottom.value, 'en')} per cent` : '';
      return `Bar chart: ${title}. Highest is ${top.name} at ${formatNumber(top.value, 'en')} per cent${low}.`;
    },
    head: { trend: 'Year', types: 'Type', purposes: 'Purpose', groups: 'Group' },
    emptyCell: 'Empty cell: this dataset does not have the figure.',
    notAsked: (years) => `The questions were not asked in ${yearRanges(years, 'and')}.`,
  },
  ui: {
    brand: 'Figures from Statistics Norway',
    source: 'Source: Statistics Norway',
    page: 'Page',
    of: 'of',
    keyFigures: 'Key figures',
    notes: 'Notes',
    about: 'About the statistics',
    sources: 'Sources',
    readMore: 'Read more about the statistics',
    chartData: 'Data behind the chart',
    appendix: 'Table appendix',
    noteLabel: 'Note',
    tableNotes: 'Note from Statistics Norway',
    changesHeading: 'Changes at the latest update',
    licence: 'The figures are from Statistics Norway and free to use under the CC BY 4.0 licence.',
    author: 'ssb-briefing, with figures from Statistics Norway',
    percent: 'Per cent',
    articleLabel: 'article',
  },
};
