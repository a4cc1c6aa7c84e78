import { capitalise, formatPoints, formatShare, joinList } from './format.js';
import { industryText, measureText, sizeClassText } from './labels.js';
import type { Phrasebook } from './phrasebook.js';
import {
  changeClause, counted, levelSubject, milestoneWords, shareSubject, sizeParts, valueOf, withExamples,
} from './common.js';

/** Bokmål. */
export const nb: Phrasebook = {
  kicker: (year) => `Bruk av IKT i næringslivet ${year}`,
  title: (year) => `Sosiale medier i norske foretak ${year}`,
  headline(news) {
    const f = news.figure;
    const m = measureText(f.measure, 'nb');
    if (news.kind === 'milestone') {
      const { words, of } = milestoneWords(news.milestone, 'nb');
      return capitalise(`${words}${of} norske foretak ${m.verb} nå ${m.short}`);
    }
    if (news.kind === 'change') {
      const up = news.points > 0;
      return `${up ? 'Flere' : 'Færre'} foretak ${m.verb} ${m.short} – ${up ? 'opp' : 'ned'} ${formatPoints(news.points, 'nb')} fra ${news.figure.previous.year}`;
    }
    if (news.kind === 'record') return `Rekordmange norske foretak ${m.verb} ${m.short}: ${formatShare(valueOf(f), 'nb')}`;
    return `${levelSubject(valueOf(f), 'nb').subject} ${m.verb} ${m.short}`;
  },
  lede({ headline: h, news, topPurpose: top }) {
    const sentences = [
      `I ${h.year} brukte ${formatShare(valueOf(h), 'nb')} av foretakene med minst ti sysselsatte ${measureText(h.measure, 'nb').object}${changeClause(h, 'nb')}.`,
    ];
    if (news.kind === 'milestone') {
      const { words } = milestoneWords(news.milestone, 'nb');
      sentences.push(`Det er første gang siden ${news.firstYear} at andelen ${news.milestone.over ? 'er' : 'når'} ${words}.`);
    }
    if (news.kind === 'change' && news.figure.measure !== h.measure) {
      const f = news.figure;
      sentences.push(
        `Størst er ${news.points > 0 ? 'økningen' : 'nedgangen'} i ${measureText(f.measure, 'nb').topic}: ${formatShare(valueOf(f), 'nb')} av foretakene${changeClause(f, 'nb')}.`,
      );
    }
    if (news.kind === 'record') sentences.push(`Det er den høyeste andelen i perioden ${news.firstYear}–${h.year}.`);
    if (top && !(news.kind === 'change' && news.figure.measure === top.measure)) {
      sentences.push(`${shareSubject(valueOf(top), 'nb')} bruker sosiale medier til ${measureText(top.measure, 'nb').object}.`);
    }
    return sentences.join(' ');
  },
  keyHeadline: (f) => `av foretakene bruker ${measureText(f.measure, 'nb').object}`,
  keySize: (f) => `av foretakene med ${sizeClassText(f.sizeClass, 'nb').phrase} bruker ${measureText(f.measure, 'nb').object}`,
  keyPurpose: (f) => `av foretakene ${measureText(f.measure, 'nb').verb} ${measureText(f.measure, 'nb').short}`,
  keyPolicy: () => 'har en formell policy for sosiale medier',
  keyIndustry: (f) => `av foretakene i ${industryText(f.industry, 'nb').toLowerCase()} bruker ${measureText(f.measure, 'nb').object}`,
  sizeHeading: (more) => (more ? 'De store foretakene er mer aktive' : 'Størrelse og næring'),
  sizeSentence(items) {
    const { uses, totals } = sizeParts(items, 'nb');
    const base = `Blant foretakene med ${sizeClassText(items[0]!.figure.sizeClass, 'nb').phrase} bruker ${uses}`;
    return totals ? `${base}, mot ${totals} av alle foretakene.` : `${base}.`;
  },
  industrySentence(top, others) {
    const names = top.map((f) => industryText(f.industry, 'nb').toLowerCase());
    const object = measureText(top[0]!.measure, 'nb').object;
    const both = top.length === 2 ? 'begge med' : top.length > 2 ? 'alle med' : 'med';
    let text = `Blant næringene er andelen som bruker ${object}, høyest ${joinList(names.map((n) => `i ${n}`), 'nb')}, ${both} ${formatShare(valueOf(top[0]!), 'nb')}.`;
    if (others.length) text += ` ${capitalise(joinList(others.map((f) => `${industryText(f.industry, 'nb').toLowerCase()} har ${formatShare(valueOf(f), 'nb')}`), 'nb'))}.`;
    return text;
  },
  typesHeading: (top) => `${measureText(top.measure, 'nb').name} er mest brukt`,
  typesFirst: (top) =>
    `${capitalise(withExamples(top.measure, 'nb', ', '))} er tatt i bruk av ${formatShare(valueOf(top), 'nb')} av foretakene${changeClause(top, 'nb')}.`,
  typesRest: (rest) =>
    `${capitalise(joinList(rest.map((f) => `${formatShare(valueOf(f), 'nb')} bruker ${withExamples(f.measure, 'nb', 'parens')}`), 'nb'))}.`,
  purposesHeading: (top) => `Mest brukt til ${measureText(top.measure, 'nb').name.toLowerCase()}`,
  purposesFirst: (top) => `${shareSubject(valueOf(top), 'nb')} bruker sosiale medier til ${measureText(top.measure, 'nb').object}${changeClause(top, 'nb')}.`,
  purposesRest: (rest) =>
    `Deretter følger ${joinList(rest.map((f) => `${measureText(f.measure, 'nb').object} (${formatShare(valueOf(f), 'nb')})`), 'nb')}.`,
  policyHeading: (low) => (low ? 'Få har en klar strategi' : 'Formell policy for sosiale medier'),
  policySentence: (f, low) =>
    `${low ? 'Bare ' : ''}${formatShare(valueOf(f), 'nb')} av foretakene svarer at de har en formell policy med mål, regler eller prosedyrer for bruken av sosiale medier${changeClause(f, 'nb')}.`,
  policyReading: () =>
    'Det kan tyde på at de fleste foretakene som bruker sosiale medier, overlater utviklingen på dette området til de ansatte, uten overordnede retningslinjer.',
  revisionNote: (name, year, from, to) => `${name} ${year}: først publisert som ${from}, senere revidert til ${to}.`,
  missingNote: (name, symbol, meaning) => `${name}: ikke publisert (${symbol}, ${meaning}).`,
  seriesBreakNote: () =>
    'Fra 2026 bygger tallene på ny næringsgruppering (SN2025). Tall fra før og etter byttet er ikke sammenlignet her.',
  statusMeanings: {
    '.': 'ikke mulig å oppgi tall',
    '..': 'tallgrunnlag mangler eller er for usikkert',
    ':': 'vises ikke av konfidensialitetshensyn',
    '-': 'null',
    '*': 'foreløpige tall',
  },
  about: {
    coverage: (year) =>
      `Tallene kommer fra SSBs undersøkelse Bruk av IKT i næringslivet for ${year}. Undersøkelsen omfatter foretak med minst ti sysselsatte, og referansemåneden er januar.`,
    definition: 'Sosiale medier omfatter her sosiale nettverk, nettsider for deling av multimedieinnhold, blogger og mikroblogger, og wikier.',
    table: (id, label) => (label ? `Tabell ${id}: ${label}` : `Tabell ${id}`),
    updated: (when) => `sist oppdatert ${when}`,
    article: (published) => `Artikkel på ssb.no${published ? `, publisert ${published}` : ''}`,
    tableNotes: 'Merknad fra SSB',
    nextRelease: (date) => `Neste oppdatering: ${date}`,
    changesHeading: 'Endringer siden forrige utgave',
    changesSummary: ({ added, revised, withdrawn }) => {
      const parts = [
        added ? counted(added, '# nytt tall', '# nye tall') : '',
        revised ? counted(revised, '# revidert tall', '# reviderte tall') : '',
        withdrawn ? counted(withdrawn, '# tall trukket tilbake', '# tall trukket tilbake') : '',
      ].filter(Boolean);
      return parts.length ? `${capitalise(joinList(parts, 'nb'))}.` : 'Ingen tall er endret siden forrige utgave.';
    },
    changeItem: (name, before, after) => `${name}: fra ${before} til ${after}`,
    missing: 'mangler',
  },
  ui: {
    source: 'Kilde: Statistisk sentralbyrå',
    sourceTable: (table) => `Kilde: Statistisk sentralbyrå, tabell ${table}`,
    page: 'Side', of: 'av',
    keyFigures: 'Nøkkeltall', notes: 'Merknader', about: 'Om statistikken',
    aboutSources: 'Kilder', readMore: 'Les mer om statistikken', published: 'publisert',
    percent: 'Prosent', year: 'År', chartData: 'Tallene bak figuren', appendix: 'Tabellvedlegg', generated: 'Laget',
    noteLabel: 'Merknad',
  },
};
