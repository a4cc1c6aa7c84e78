import { capitalise, formatPoints, formatShare, joinList } from './format.js';
import { industryText, measureText, sizeClassText } from './labels.js';
import type { Phrasebook } from './phrasebook.js';
import {
  changeClause, counted, levelSubject, milestoneWords, shareSubject, sizeParts, valueOf, withExamples,
} from './common.js';

/** "use" -> "uses", "have" -> "has": the verb after a singular subject ("one in two ... uses"). */
function singular(verb: string): string {
  return verb === 'have' ? 'has' : `${verb}s`;
}

/** British English, as Statistics Norway's English pages. */
export const en: Phrasebook = {
  kicker: (year) => `ICT usage in enterprises ${year}`,
  title: (year) => `Social media in Norwegian enterprises ${year}`,
  headline(news) {
    const f = news.figure;
    const m = measureText(f.measure, 'en');
    if (news.kind === 'milestone') {
      const { words, of } = milestoneWords(news.milestone, 'en');
      const one = news.milestone.numerator === 1 && news.milestone.denominator !== 2 && !news.milestone.over;
      return capitalise(`${words}${of} Norwegian enterprises now ${one ? singular(m.verb) : m.verb} ${m.short}`);
    }
    if (news.kind === 'change') {
      const up = news.points > 0;
      return `${up ? 'More' : 'Fewer'} enterprises ${m.verb} ${m.short} – ${up ? 'up' : 'down'} ${formatPoints(news.points, 'en')} from ${news.figure.previous.year}`;
    }
    if (news.kind === 'record') return `A record ${formatShare(valueOf(f), 'en')} of Norwegian enterprises ${m.verb} ${m.short}`;
    const { subject, singular: one } = levelSubject(valueOf(f), 'en');
    return `${subject} ${one ? singular(m.verb) : m.verb} ${m.short}`;
  },
  lede({ headline: h, news, topPurpose: top }) {
    const sentences = [
      `In ${h.year}, ${formatShare(valueOf(h), 'en')} of enterprises with at least ten persons employed used ${measureText(h.measure, 'en').object}${changeClause(h, 'en')}.`,
    ];
    if (news.kind === 'milestone') {
      const { words } = milestoneWords(news.milestone, 'en');
      sentences.push(`It is the first time since ${news.firstYear} that the share ${news.milestone.over ? 'is' : 'reaches'} ${words}.`);
    }
    if (news.kind === 'change' && news.figure.measure !== h.measure) {
      const f = news.figure;
      sentences.push(
        `The largest ${news.points > 0 ? 'rise' : 'fall'} is in ${measureText(f.measure, 'en').topic}: ${formatShare(valueOf(f), 'en')} of enterprises${changeClause(f, 'en')}.`,
      );
    }
    if (news.kind === 'record') sentences.push(`It is the highest share in ${news.firstYear}–${h.year}.`);
    if (top && !(news.kind === 'change' && news.figure.measure === top.measure)) {
      sentences.push(`${shareSubject(valueOf(top), 'en')} use social media for ${measureText(top.measure, 'en').object}.`);
    }
    return sentences.join(' ');
  },
  keyHeadline: (f) => `of enterprises use ${measureText(f.measure, 'en').object}`,
  keySize: (f) => `of enterprises with ${sizeClassText(f.sizeClass, 'en').phrase} use ${measureText(f.measure, 'en').object}`,
  keyPurpose: (f) => `of enterprises ${measureText(f.measure, 'en').verb} ${measureText(f.measure, 'en').short}`,
  keyPolicy: () => 'have a formal social media policy',
  keyIndustry: (f) => `of enterprises in ${industryText(f.industry, 'en').toLowerCase()} use ${measureText(f.measure, 'en').object}`,
  sizeHeading: (more) => (more ? 'Large enterprises are more active' : 'Size and industry'),
  sizeSentence(items) {
    const { totals } = sizeParts(items, 'en');
    const simple = `Among enterprises with ${sizeClassText(items[0]!.figure.sizeClass, 'en').phrase}, ${joinList(items.map((i) => `${formatShare(valueOf(i.figure), 'en')} use ${measureText(i.figure.measure, 'en').object}`), 'en')}`;
    return totals ? `${simple}, against ${totals} of all enterprises.` : `${simple}.`;
  },
  industrySentence(top, others) {
    const names = top.map((f) => industryText(f.industry, 'en').toLowerCase());
    const object = measureText(top[0]!.measure, 'en').object;
    const both = top.length === 2 ? 'both at' : top.length > 2 ? 'all at' : 'at';
    let text = `By industry, the share using ${object} is highest ${joinList(names.map((n) => `in ${n}`), 'en')}, ${both} ${formatShare(valueOf(top[0]!), 'en')}.`;
    if (others.length) text += ` ${capitalise(joinList(others.map((f) => `${industryText(f.industry, 'en').toLowerCase()} has ${formatShare(valueOf(f), 'en')}`), 'en'))}.`;
    return text;
  },
  typesHeading: (top) => `${measureText(top.measure, 'en').name} are the most used`,
  typesFirst: (top) =>
    `${capitalise(withExamples(top.measure, 'en', ' '))} are used by ${formatShare(valueOf(top), 'en')} of enterprises${changeClause(top, 'en')}.`,
  typesRest: (rest) =>
    `${capitalise(joinList(rest.map((f) => `${formatShare(valueOf(f), 'en')} use ${withExamples(f.measure, 'en', 'parens')}`), 'en'))}.`,
  purposesHeading: (top) => `Used most for ${measureText(top.measure, 'en').name.toLowerCase()}`,
  purposesFirst: (top) => `${shareSubject(valueOf(top), 'en')} use social media for ${measureText(top.measure, 'en').object}${changeClause(top, 'en')}.`,
  purposesRest: (rest) =>
    `Next come ${joinList(rest.map((f) => `${measureText(f.measure, 'en').object} (${formatShare(valueOf(f), 'en')})`), 'en')}.`,
  policyHeading: (low) => (low ? 'Few have a clear strategy' : 'A formal social media policy'),
  policySentence: (f, low) =>
    `${low ? 'Only ' : ''}${formatShare(valueOf(f), 'en')} of enterprises say they have a formal policy with goals, rules or procedures for their use of social media${changeClause(f, 'en')}.`,
  policyReading: () =>
    'This suggests that most enterprises using social media leave its development to their employees, without overall guidelines.',
  revisionNote: (name, year, from, to) => `${name} ${year}: first published as ${from}, later revised to ${to}.`,
  missingNote: (name, symbol, meaning) => `${name}: not published (${symbol}, ${meaning}).`,
  seriesBreakNote: () =>
    'From 2026 the figures use a new industry classification (SN2025). Figures before and after the change are not compared here.',
  statusMeanings: {
    '.': 'category not applicable',
    '..': 'data not available or too uncertain',
    ':': 'suppressed for confidentiality',
    '-': 'nil',
    '*': 'provisional figure',
  },
  about: {
    coverage: (year) =>
      `The figures come from Statistics Norway's survey on ICT usage in enterprises for ${year}. The survey covers enterprises with at least ten persons employed; the reference month is January.`,
    definition: 'Social media here means social networks, multimedia content sharing websites, blogs and microblogs, and wikis.',
    table: (id, label) => (label ? `Table ${id}: ${label}` : `Table ${id}`),
    updated: (when) => `last updated ${when}`,
    article: (published) => `Article on ssb.no${published ? `, published ${published}` : ''}`,
    tableNotes: 'Note from Statistics Norway',
    nextRelease: (date) => `Next release: ${date}`,
    changesHeading: 'Changes since the last edition',
    changesSummary: ({ added, revised, withdrawn }) => {
      const parts = [
        added ? counted(added, '# new figure', '# new figures') : '',
        revised ? counted(revised, '# revised figure', '# revised figures') : '',
        withdrawn ? counted(withdrawn, '# figure withdrawn', '# figures withdrawn') : '',
      ].filter(Boolean);
      return parts.length ? `${capitalise(joinList(parts, 'en'))}.` : 'No figures have changed since the last edition.';
    },
    changeItem: (name, before, after) => `${name}: from ${before} to ${after}`,
    missing: 'missing',
  },
  ui: {
    source: 'Source: Statistics Norway',
    sourceTable: (table) => `Source: Statistics Norway, table ${table}`,
    page: 'Page', of: 'of',
    keyFigures: 'Key figures', notes: 'Notes', about: 'About the statistics',
    aboutSources: 'Sources', readMore: 'Read more about the statistics', published: 'published',
    percent: 'Per cent', year: 'Year', chartData: 'Data behind the chart', appendix: 'Table appendix', generated: 'Generated',
    noteLabel: 'Note',
  },
};
