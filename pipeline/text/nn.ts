import { capitalise, formatPoints, formatShare, joinList } from './format.js';
import { industryText, measureText, sizeClassText } from './labels.js';
import type { Phrasebook } from './phrasebook.js';
import {
  changeClause, counted, levelSubject, milestoneWords, shareSubject, sizeParts, valueOf, withExamples,
} from './common.js';

/** Nynorsk, the briefing's default language; the seed article (SSB, 2013) sets the tone. */
export const nn: Phrasebook = {
  kicker: (year) => `Bruk av IKT i næringslivet ${year}`,
  title: (year) => `Sosiale medium i norske føretak ${year}`,
  headline(news) {
    const f = news.figure;
    const m = measureText(f.measure, 'nn');
    if (news.kind === 'milestone') {
      const { words, of } = milestoneWords(news.milestone, 'nn');
      return capitalise(`${words}${of} norske føretak ${m.verb} no ${m.short}`);
    }
    if (news.kind === 'change') {
      const up = news.points > 0;
      return `${up ? 'Fleire' : 'Færre'} føretak ${m.verb} ${m.short} – ${up ? 'opp' : 'ned'} ${formatPoints(news.points, 'nn')} frå ${news.figure.previous.year}`;
    }
    if (news.kind === 'record') return `Rekordmange norske føretak ${m.verb} ${m.short}: ${formatShare(valueOf(f), 'nn')}`;
    return `${levelSubject(valueOf(f), 'nn').subject} ${m.verb} ${m.short}`;
  },
  lede({ headline: h, news, topPurpose: top }) {
    const sentences = [
      `I ${h.year} brukte ${formatShare(valueOf(h), 'nn')} av føretaka med minst ti sysselsette ${measureText(h.measure, 'nn').object}${changeClause(h, 'nn')}.`,
    ];
    if (news.kind === 'milestone') {
      const { words } = milestoneWords(news.milestone, 'nn');
      sentences.push(`Det er første gong sidan ${news.firstYear} at delen ${news.milestone.over ? 'er' : 'når'} ${words}.`);
    }
    if (news.kind === 'change' && news.figure.measure !== h.measure) {
      const f = news.figure;
      sentences.push(
        `Størst er ${news.points > 0 ? 'auken' : 'nedgangen'} i ${measureText(f.measure, 'nn').topic}: ${formatShare(valueOf(f), 'nn')} av føretaka${changeClause(f, 'nn')}.`,
      );
    }
    if (news.kind === 'record') sentences.push(`Det er den høgaste delen i perioden ${news.firstYear}–${h.year}.`);
    if (top && !(news.kind === 'change' && news.figure.measure === top.measure)) {
      sentences.push(`${shareSubject(valueOf(top), 'nn')} bruker sosiale medium til ${measureText(top.measure, 'nn').object}.`);
    }
    return sentences.join(' ');
  },
  keyHeadline: (f) => `av føretaka bruker ${measureText(f.measure, 'nn').object}`,
  keySize: (f) => `av føretaka med ${sizeClassText(f.sizeClass, 'nn').phrase} bruker ${measureText(f.measure, 'nn').object}`,
  keyPurpose: (f) => `av føretaka ${measureText(f.measure, 'nn').verb} ${measureText(f.measure, 'nn').short}`,
  keyPolicy: () => 'har ein formell politikk for sosiale medium',
  keyIndustry: (f) => `av føretaka i ${industryText(f.industry, 'nn').toLowerCase()} bruker ${measureText(f.measure, 'nn').object}`,
  sizeHeading: (more) => (more ? 'Dei store føretaka er meir aktive' : 'Storleik og næring'),
  sizeSentence(items) {
    const { uses, totals } = sizeParts(items, 'nn');
    const base = `Blant føretaka med ${sizeClassText(items[0]!.figure.sizeClass, 'nn').phrase} bruker ${uses}`;
    return totals ? `${base}, mot ${totals} av alle føretaka.` : `${base}.`;
  },
  industrySentence(top, others) {
    const names = top.map((f) => industryText(f.industry, 'nn').toLowerCase());
    const object = measureText(top[0]!.measure, 'nn').object;
    const both = top.length === 2 ? 'begge med' : top.length > 2 ? 'alle med' : 'med';
    let text = `Blant næringane er delen som bruker ${object}, høgast ${joinList(names.map((n) => `i ${n}`), 'nn')}, ${both} ${formatShare(valueOf(top[0]!), 'nn')}.`;
    if (others.length) text += ` ${capitalise(joinList(others.map((f) => `${industryText(f.industry, 'nn').toLowerCase()} har ${formatShare(valueOf(f), 'nn')}`), 'nn'))}.`;
    return text;
  },
  typesHeading: (top) => `${measureText(top.measure, 'nn').name} er mest brukt`,
  typesFirst: (top) =>
    `${capitalise(withExamples(top.measure, 'nn', ', '))} er tekne i bruk av ${formatShare(valueOf(top), 'nn')} av føretaka${changeClause(top, 'nn')}.`,
  typesRest: (rest) =>
    `${capitalise(joinList(rest.map((f) => `${formatShare(valueOf(f), 'nn')} bruker ${withExamples(f.measure, 'nn', 'parens')}`), 'nn'))}.`,
  purposesHeading: (top) => `Mest brukt til ${measureText(top.measure, 'nn').name.toLowerCase()}`,
  purposesFirst: (top) => `${shareSubject(valueOf(top), 'nn')} bruker sosiale medium til ${measureText(top.measure, 'nn').object}${changeClause(top, 'nn')}.`,
  purposesRest: (rest) =>
    `Deretter følgjer ${joinList(rest.map((f) => `${measureText(f.measure, 'nn').object} (${formatShare(valueOf(f), 'nn')})`), 'nn')}.`,
  policyHeading: (low) => (low ? 'Få har ein klar strategi' : 'Formell politikk for sosiale medium'),
  policySentence: (f, low) =>
    `${low ? 'Berre ' : ''}${formatShare(valueOf(f), 'nn')} av føretaka svarer at dei har ein formell politikk med mål, reglar eller prosedyrar for bruken av sosiale medium${changeClause(f, 'nn')}.`,
  policyReading: () =>
    'Det kan tyde på at dei fleste føretaka som bruker sosiale medium, overlèt utviklinga på dette området til dei tilsette, utan overordna retningsliner.',
  revisionNote: (name, year, from, to) => `${name} ${year}: først publisert som ${from}, seinare revidert til ${to}.`,
  missingNote: (name, symbol, meaning) => `${name}: ikkje publisert (${symbol}, ${meaning}).`,
  seriesBreakNote: () =>
    'Frå 2026 byggjer tala på ny næringsgruppering (SN2025). Tal frå før og etter bytet er ikkje samanlikna her.',
  statusMeanings: {
    '.': 'ikkje mogleg å føre opp',
    '..': 'talgrunnlag manglar eller er for usikkert',
    ':': 'vert ikkje offentleggjort av omsyn til personvernet',
    '-': 'null',
    '*': 'førebels tal',
  },
  about: {
    coverage: (year) =>
      `Tala kjem frå SSB si undersøking Bruk av IKT i næringslivet for ${year}. Undersøkinga omfattar føretak med minst ti sysselsette, og referansemånaden er januar.`,
    definition: 'Sosiale medium omfattar her sosiale nettverk, nettsider for deling av multimedieinnhald, bloggar og mikrobloggar, og wikiar.',
    table: (id, label) => (label ? `Tabell ${id}: ${label}` : `Tabell ${id}`),
    updated: (when) => `sist oppdatert ${when}`,
    article: (published) => `Artikkel på ssb.no${published ? `, publisert ${published}` : ''}`,
    tableNotes: 'Merknad frå SSB',
    nextRelease: (date) => `Neste oppdatering: ${date}`,
    changesHeading: 'Endringar sidan førre utgåve',
    changesSummary: ({ added, revised, withdrawn }) => {
      const parts = [
        added ? counted(added, '# nytt tal', '# nye tal') : '',
        revised ? counted(revised, '# revidert tal', '# reviderte tal') : '',
        withdrawn ? counted(withdrawn, '# tal trekt tilbake', '# tal trekte tilbake') : '',
      ].filter(Boolean);
      return parts.length ? `${capitalise(joinList(parts, 'nn'))}.` : 'Ingen tal er endra sidan førre utgåve.';
    },
    changeItem: (name, before, after) => `${name}: frå ${before} til ${after}`,
    missing: 'manglar',
  },
  ui: {
    source: 'Kjelde: Statistisk sentralbyrå',
    sourceTable: (table) => `Kjelde: Statistisk sentralbyrå, tabell ${table}`,
    page: 'Side', of: 'av',
    keyFigures: 'Nøkkeltal', notes: 'Merknader', about: 'Om statistikken',
    aboutSources: 'Kjelder', readMore: 'Les meir om statistikken', published: 'publisert',
    percent: 'Prosent', year: 'År', chartData: 'Tala bak figuren', appendix: 'Tabellvedlegg', generated: 'Laga',
    noteLabel: 'Merknad',
  },
};
