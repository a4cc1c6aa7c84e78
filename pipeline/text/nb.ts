import type { Change } from '../briefing/facts.js';
import type { Figure } from '../briefing/figures.js';
import { capitalise, formatDate, formatDateTime, formatMonthYear, formatNumber, fractionWords, joinList } from './format.js';
import { yearRanges, type Phrasebook, type Say } from './phrasebook.js';
import { capitaliseRich as cap, joinRich, r, type Rich } from './rich.js';

/** Bokmål, as SSB writes it: the same sentences as the Nynorsk edition, in Bokmål's own words and spelling. */

const list = (items: Rich[]) => joinRich(items, 'og');

function changeClause(c: Change | null, say: Say): Rich {
  if (!c) return [];
  const since = c.lastAsked ? ', da spørsmålet sist ble stilt' : '';
  if (c.points === 0) return r`, uendret fra ${say.share(c.from)} i ${c.from.year}${since}`;
  return r`, ${c.points > 0 ? 'opp' : 'ned'} fra ${say.share(c.from)} i ${c.from.year}${since}`;
}

const inIndustries = (figures: Figure[], say: Say) =>
  joinList(
    figures.map((f) => `i ${say.industry(f.industry!)}`),
    'nb',
  );

export const nb: Phrasebook = {
  lang: 'nb',

  headlineFraction(f, say) {
    const { words } = say.fraction(f)!;
    const m = say.m(f.measure);
    return cap(r`${words} norske foretak ${m.verb.present} ${m.object}`);
  },
  headlineChange(c, say) {
    const m = say.m(c.to.measure);
    return r`${c.points > 0 ? 'Flere' : 'Færre'} foretak ${m.verb.present} ${m.object}`;
  },
  headlineLevel(f, say) {
    const m = say.m(f.measure);
    return r`${capitalise(m.object)} er i bruk i ${say.share(f)} av norske foretak`;
  },
  ledeLevel(f, change, say) {
    const m = say.m(f.measure);
    const examples = m.examples && !change ? `, som ${m.examples}` : '';
    return r`I ${f.year} ${m.verb.past} ${say.share(f)} av ${say.of(f, true)} ${m.object}${examples}${changeClause(change, say)}.`;
  },
  ledeMilestone(ms) {
    return r`Det er første gang siden målingene startet i ${ms.since} at andelen når ${fractionWords({ ...ms, approx: 'exact' }, 'nb')}.`;
  },
  ledeRecord(rec) {
    return r`Det er den høyeste andelen siden målingene startet i ${rec.since}.`;
  },
  ledeTop(f, say) {
    const m = say.m(f.measure);
    const fraction = say.fraction(f);
    if (say.base(f) === 'users') return r`Blant ${say.words.users}, ${m.verb.past} ${say.share(f)} ${m.object}.`;
    if (fraction) return cap(r`${fraction.words} foretak ${m.verb.past} ${m.object}.`);
    return cap(r`${say.share(f)} av foretakene ${m.verb.past} ${m.object}.`);
  },

  headings: {
    sizes: (largerMore, bySize, byIndustry) =>
      largerMore ? 'De store foretakene er mer aktive' : bySize && byIndustry ? 'Størrelse og næring' : bySize ? 'Etter størrelse' : 'Etter næring',
    typesTop: (top, say) => r`${say.m(top.measure).label} er mest brukt`,
    purposesTop: (top, say) => r`Mest brukt til ${say.m(top.measure).noun ?? say.m(top.measure).object}`,
  },
  sizeComparison(large, all, say) {
    const m = say.m(large.measure);
    return r`Blant foretakene med ${say.size(large.size!)} ${m.verb.past} ${say.share(large)} ${m.object}, mot ${say.share(all)} av alle foretakene.`;
  },
  sizeGradient(sizes, say) {
    const first = sizes[0]!;
    const last = sizes.at(-1)!;
    return r`Jo større foretakene var, desto høyere var andelen: fra ${say.share(first)} blant dem med ${say.size(first.size!)} til ${say.share(last)} blant dem med ${say.size(last.size!)}.`;
  },
  industryRanking(ranking, say) {
    const { figures } = ranking;
    const top = figures.filter((f) => f.current.value === figures[0]!.current.value);
    const bottom = figures.filter((f) => f.current.value === figures.at(-1)!.current.value);
    const with_ = (n: number) => (n === 2 ? 'begge med' : n > 2 ? 'alle med' : 'med');
    if (top.length === figures.length) return r`Andelen var den samme i alle næringene, ${say.share(top[0]!)}.`;
    return r`Blant næringene var andelen høyest ${inIndustries(top, say)}, ${with_(top.length)} ${say.share(top[0]!)}, og lavest ${inIndustries(bottom, say)}, ${with_(bottom.length)} ${say.share(bottom[0]!)}.`;
  },
  industryLevels(groups, say) {
    const m = say.m(groups[0]![0]!.measure);
    const [first, ...rest] = groups;
    const more = rest.map((g) => r`, ${inIndustries(g, say)} ${say.share(g[0]!)}`);
    return cap(r`${inIndustries(first!, say)} ${m.verb.past} ${say.share(first![0]!)} ${m.object}${more.flat()}.`);
  },
  industryBounds(bounds, say) {
    const m = say.m(bounds[0]!.measure);
    return cap(r`${inIndustries(bounds, say)} ${m.verb.past} ${say.share(bounds[0]!)} av foretakene ${m.object}.`);
  },
  published({ gradient, topIndustry }, say) {
    const parts: string[] = [];
    if (gradient) parts.push(`brukte større foretak alle former for ${say.words.topic} mer enn mindre foretak`);
    if (topIndustry) parts.push(`${gradient ? 'andelen var' : 'var andelen'} størst i ${say.industry(topIndustry)}`);
    return r`Ifølge SSB ${parts.join(', og ')}.`;
  },

  typeFirst(f, change, say) {
    const m = say.m(f.measure);
    return cap(r`${say.share(f)} av ${say.of(f)} ${m.verb.past} ${m.object}${m.examples ? `, som ${m.examples}` : ''}${changeClause(change, say)}.`);
  },
  typeRest(figures, say) {
    return cap(
      r`${list(
        figures.map((f) => {
          const m = say.m(f.measure);
          return r`${say.share(f)} ${m.verb.past} ${m.object}${m.examples ? ` (som ${m.examples})` : ''}`;
        }),
      )}.`,
    );
  },
  typeSizes(pairs, say) {
    const items = pairs.map((p) => r`${say.share(p.large)} ${say.m(p.large.measure).object}${p.all ? r` (mot ${say.share(p.all)} av alle foretakene)` : ''}`);
    return r`Blant foretakene med ${say.size(pairs[0]!.large.size!)} ${say.m(pairs[0]!.large.measure).verb.past} ${list(items)}.`;
  },
  purposeFirst(f, change, say) {
    const m = say.m(f.measure);
    return cap(r`${say.share(f)} av ${say.of(f)} ${m.verb.past} ${m.object}${changeClause(change, say)}.`);
  },
  purposeRest(figures, ranked, say) {
    const items = list(figures.map((f) => r`${say.m(f.measure).noun ?? say.m(f.measure).object} (${say.share(f)})`));
    return ranked ? r`Deretter følger ${items}.` : r`Andre formål: ${items}.`;
  },
  policy(f, low, change, say) {
    const m = say.m(f.measure);
    return cap(r`${low ? 'bare ' : ''}${say.share(f)} av ${say.of(f, true)} ${m.verb.past} ${m.object}${changeClause(change, say)}.`);
  },

  keyFigure(f, say) {
    const m = say.m(f.measure);
    const whose = !say.isAllSizes(f) ? `foretakene med ${say.size(f.size!)}` : !say.isTotal(f) ? `foretakene i ${say.industry(f.industry!)}` : say.of(f, true);
    return r`av ${whose} ${m.verb.past} ${m.object}`;
  },
  keyChange(c, say) {
    if (c.points === 0) return r`Uendret fra ${c.from.year}`;
    return r`${c.points > 0 ? 'Opp' : 'Ned'} ${say.points(c)} fra ${c.from.year}`;
  },

  figureName(f, say) {
    const parts = [say.m(f.measure).label];
    if (!say.isAllSizes(f)) parts.push(say.size(f.size!));
    if (!say.isTotal(f)) parts.push(say.industry(f.industry!));
    return `${parts.join(', ')}, ${say.period(f)}`;
  },
  revisionNote(f, say) {
    const first = f.first.published ? ` ${formatDate(f.first.published, 'nb')}` : '';
    const later = f.current.published ? ` (${formatDate(f.current.published, 'nb')})` : ' (dato ikke oppgitt)';
    return r`${nb.figureName(f, say)}: først publisert som ${say.obs(f.first)}${first}, senere revidert til ${say.obs(f.current)}${later}.`;
  },
  missingNote(f, say) {
    const symbol = f.current.status!;
    return r`${nb.figureName(f, say)}: ingen tall fra SSB (${symbol} = ${nb.symbols[symbol]}).`;
  },
  gapNote(measures, years, say) {
    return r`Datagrunnlaget har ikke tall for ${yearRanges(years, 'og')} for ${joinList(
      measures.map((m) => `«${say.m(m).label}»`),
      'nb',
    )}.`;
  },
  notAskedNote(years) {
    return r`Spørsmålene ble ikke stilt i ${yearRanges(years, 'og')}.`;
  },
  seriesBreakNote() {
    return r`Fra 2026 bygger tallene etter næring på en ny standard for næringsgruppering (SN2025). Tall etter næring før og etter skiftet kan ikke sammenlignes direkte, og endringer over skiftet er ikke regnet ut her.`;
  },
  usersBaseNote(say) {
    return r`Andelene for formål gjelder ${say.words.users}, ikke alle foretakene.`;
  },
  symbols: {
    '.': 'tall kan ikke forekomme',
    '..': 'tallgrunnlag mangler',
    ':': 'vises ikke av konfidensialitetshensyn',
    '-': 'null',
    '*': 'foreløpig tall',
  },

  editionLine({ year, month, published, tableUpdated, revised }) {
    const parts = [`Referanseperiode: ${formatMonthYear(year, month, 'nb')}`];
    if (published || !tableUpdated) parts.push(`Publisert ${published ? formatDate(published, 'nb') : '(dato ikke oppgitt)'}`);
    if (tableUpdated) parts.push(`Tall fra StatBank, sist oppdatert ${formatDate(tableUpdated, 'nb')}`);
    if (revised === 'undated') parts.push('Senere revidert (dato ikke oppgitt)');
    else if (revised) parts.push(`Sist revidert ${formatDate(revised, 'nb')}`);
    return parts.join(' · ');
  },
  about: {
    coverage: (say) => say.words.coverage,
    table: (id, label, updated) => `Tabell ${id}: ${label}${updated ? `, sist oppdatert ${formatDateTime(updated, 'nb')}` : ''}`,
    article: (title, published) => `Artikkel på ssb.no: «${title}»${published ? `, publisert ${formatDate(published, 'nb')}` : ', uten dato'}`,
    nextRelease: (date) => `Neste publisering: ${formatDate(date, 'nb')}`,
    changes({ table, updated, added, revised, withdrawn }) {
      const parts = [
        added ? `${added} ${added === 1 ? 'nytt tall' : 'nye tall'}` : '',
        revised ? `${revised} ${revised === 1 ? 'revidert tall' : 'reviderte tall'}` : '',
        withdrawn ? `${withdrawn} tall trukket tilbake` : '',
      ].filter(Boolean);
      const when = updated ? `, oppdatert ${formatDateTime(updated, 'nb')}` : '';
      return `Tabell ${table}${when}: ${parts.length ? joinList(parts, 'nb') : 'ingen tall endret'}.`;
    },
    changeItem: (name, before, after) => `${name}: fra ${before} til ${after}`,
    sectionSources: (items) => `Kilde: Statistisk sentralbyrå, ${items.join('; ')}`,
  },
  charts: {
    trendTitle: (say) => `Bruk av ${say.words.topic} over tid`,
    typesTitle: (say) => capitalise(say.words.types),
    purposesTitle: (say) => capitalise(say.words.purposes),
    groupsTitle: (size, industry, say) => `Bruk av ${say.words.topic} etter ${size && industry ? 'størrelse og næring' : size ? 'størrelse' : 'næring'}`,
    subtitle: (period, whose) => `Andel av ${whose}. ${period}. Prosent`,
    trendAlt(title, series, top) {
      const n = (value: number) => formatNumber(value, 'nb');
      const changes = series.map((s) =>
        s.last.value === s.first.value
          ? `${s.name} var ${n(s.last.value)} prosent både i ${s.first.year} og i ${s.last.year}`
          : `${s.name} ${s.last.value > s.first.value ? 'økte' : 'gikk ned'} fra ${n(s.first.value)} prosent i ${s.first.year} til ${n(s.last.value)} prosent i ${s.last.year}`,
      );
      return [`Linjediagram: ${title}.`, ...changes.map((c) => `${c}.`), `Høyeste verdi er ${n(top.value)} prosent (${top.name}, ${top.year}).`].join(' ');
    },
    barsAlt(title, top, bottom) {
      const low = bottom ? `, lavest ${bottom.name} med ${formatNumber(bottom.value, 'nb')} prosent` : '';
      return `Søylediagram: ${title}. Høyest er ${top.name} med ${formatNumber(top.value, 'nb')} prosent${low}.`;
    },
    head: { trend: 'År', types: 'Type', purposes: 'Formål', groups: 'Gruppe' },
    emptyCell: 'Tom celle: datagrunnlaget har ikke dette tallet.',
    notAsked: (years) => `Spørsmålene ble ikke stilt i ${yearRanges(years, 'og')}.`,
  },
  ui: {
    brand: 'Tall fra SSB',
    source: 'Kilde: Statistisk sentralbyrå',
    sourceTable: (table) => `Kilde: Statistisk sentralbyrå, tabell ${table}`,
    page: 'Side',
    of: 'av',
    keyFigures: 'Nøkkeltall',
    notes: 'Merknader',
    about: 'Om statistikken',
    sources: 'Kilder',
    readMore: 'Les mer om statistikken',
    chartData: 'Tallene bak figuren',
    appendix: 'Tabellvedlegg',
    noteLabel: 'Merknad',
    tableNotes: 'Merknad fra SSB',
    changesHeading: 'Endringer ved siste oppdatering',
    licence: 'Tallene er fra Statistisk sentralbyrå og kan brukes fritt under lisensen CC BY 4.0.',
    author: 'ssb-briefing, med tall fra Statistisk sentralbyrå',
    percent: 'Prosent',
    sourceLabel: 'Kilde',
    articleLabel: 'artikkel',
  },
};
