import type { Change } from '../briefing/facts.js';
import type { Figure } from '../briefing/figures.js';
import type { Lang } from '../briefing/model.js';
import type { PageWords } from './en-words.js';
import { capitalise, formatDate, formatDateTime, formatMonthYear, formatNumber, joinList } from './format.js';
import { r, type Rich } from './rich.js';
import type { Say } from './say.js';

export type { Say };

type Edition = { year: number; month: number; published: string | null; tableUpdated: string | null; revised: string | null | 'undated' };
type TableUpdate = { table: string; updated: string | null; added: number; revised: number; withdrawn: number };
type SeriesEnds = { name: string; first: { year: number; value: number }; last: { year: number; value: number } };

/** Notes, the edition line, the sources, the charts' texts and the page's words: the same phrases in every language. */
export function pagePhrases(lang: Lang, w: PageWords) {
  const date = (iso: string) => formatDate(iso, lang);
  const percent = (value: number) => `${formatNumber(value, lang)} ${w.percent}`;
  const noDate = `(${w.notes.noDate})`;
  const notAsked = (years: number[]) => `${w.notes.notAsked} ${yearRanges(years, lang)}.`;
  const count = (n: number, [one, many]: [string, string]) => (n ? `${n} ${n === 1 ? one : many}` : '');
  /** "Sosiale nettverk, 100 sysselsette eller fleire, 2013". */
  const figureName = (f: Figure, say: Say) =>
    [say.m(f.measure).label, !say.isAllSizes(f) && say.size(f.size!), !say.isTotal(f) && say.industry(f.industry!), f.period]
      .filter((part) => part !== false)
      .join(', ');
  const { size, industry } = w.charts;
  const direction = (c: Change) => (c.points === 0 ? w.change.unchanged : c.points > 0 ? w.change.up : w.change.down);
  return {
    /** The size and industry section's heading: larger enterprises more active, or what the section is by. */
    sizesHeading: (largerMore: boolean, bySize: boolean, byIndustry: boolean) =>
      largerMore ? w.charts.largerMore : capitalise(bySize && byIndustry ? `${size} ${w.and} ${industry}` : `${w.charts.by} ${bySize ? size : industry}`),
    keyChange: (c: Change, say: Say) => r`${capitalise(direction(c))}${c.points !== 0 && r` ${say.points(c)}`} ${w.from} ${c.from.year}`,
    /** ", opp frå 72 prosent i 2021": a change since the last measurement, inside a sentence. */
    changeClause(c: Change | null, say: Say): Rich {
      if (!c) return [];
      return r`, ${direction(c)} ${w.from} ${say.share(c.from)} ${w.in} ${c.from.year}${c.lastAsked && `, ${w.change.lastAsked}`}`;
    },
    /** "i informasjon og kommunikasjon og i handel med …": each industry with its own preposition. */
    inIndustries(figures: Figure[], say: Say) {
      const places = figures.map((f) => `${w.in} ${say.industry(f.industry!)}`);
      return joinList(places, lang);
    },
    revisionNote(f: Figure, say: Say) {
      const first = f.first.published ? ` ${w.notes.on}${date(f.first.published)}` : '';
      const later = f.current.published ? ` (${date(f.current.published)})` : ` ${noDate}`;
      return r`${figureName(f, say)}: ${w.notes.firstPublished} ${say.obs(f.first)}${first}, ${w.notes.laterRevised} ${say.obs(f.current)}${later}.`;
    },
    missingNote(f: Figure, say: Say) {
      const symbol = f.current.status!;
      return r`${figureName(f, say)}: ${w.notes.noFigure} (${symbol} = ${w.symbols[symbol]}).`;
    },
    gapNote(measures: string[], years: number[], say: Say) {
      const names = measures.map((m) => `${w.quote[0]}${say.m(m).label}${w.quote[1]}`);
      return r`${w.notes.noFigures} for ${yearRanges(years, lang)} for ${joinList(names, lang)}.`;
    },
    notAskedNote: (years: number[]) => r`${notAsked(years)}`,
    seriesBreakNote: () => r`${w.notes.seriesBreak}`,
    usersBaseNote: (say: Say) => r`${w.notes.usersBase(say.words.users)}`,
    terms: w.terms,

    /** "Referanseperiode: januar 2019 · Publisert 1. oktober 2013 · …": publication in an article (or "not given"), the tables' last update, the last revision. */
    editionLine({ year, month, published, tableUpdated, revised }: Edition) {
      const parts = [`${w.edition.referencePeriod}: ${formatMonthYear(year, month, lang)}`];
      if (published || !tableUpdated) parts.push(`${capitalise(w.about.published)} ${published ? date(published) : noDate}`);
      if (tableUpdated) parts.push(`${w.edition.fromStatBank}, ${w.about.lastUpdated} ${date(tableUpdated)}`);
      if (revised === 'undated') parts.push(`${w.edition.revisedLater} ${noDate}`);
      else if (revised) parts.push(`${w.edition.lastRevised} ${date(revised)}`);
      return parts.join(' · ');
    },
    about: {
      table: (id: string, label: string, updated: string | null) =>
        `${capitalise(w.about.table)} ${id}: ${label}${updated ? `, ${w.about.lastUpdated} ${formatDateTime(updated, lang)}` : ''}`,
      article: (title: string, published: string | null) =>
        `${w.about.article}: ${w.quote[0]}${title}${w.quote[1]}, ${published ? `${w.about.published} ${date(published)}` : w.about.undated}`,
      nextRelease: (iso: string) => `${w.about.nextRelease}: ${date(iso)}`,
      /** One table's latest update: "Tabell 13265, oppdatert …: 3 nye tal og 1 revidert tal." */
      changes({ table, updated, added, revised, withdrawn }: TableUpdate) {
        const parts = [count(added, w.about.added), count(revised, w.about.revised), count(withdrawn, w.about.withdrawn)].filter(Boolean);
        const when = updated ? `, ${w.about.updated} ${formatDateTime(updated, lang)}` : '';
        return `${capitalise(w.about.table)} ${table}${when}: ${parts.length ? joinList(parts, lang) : w.about.noneChanged}.`;
      },
      changeItem: (name: string, before: string, after: string) => `${name}: ${w.from} ${before} ${w.to} ${after}`,
      /** A source in a source line: "tabell 10977 (sist oppdatert 24. september 2025)", "artikkel 1. oktober 2013". */
      tableRef: (id: string, updated: string | null) => `${w.about.table} ${id}${updated ? ` (${w.about.lastUpdated} ${date(updated)})` : ''}`,
      articleRef: (published: string | null) => `${w.ui.articleLabel} ${published ? date(published) : `(${w.about.undated})`}`,
    },
    charts: {
      trendTitle: (say: Say) => `${w.charts.useOf} ${say.words.topic} ${w.charts.overTime}`,
      typesTitle: (say: Say) => capitalise(say.words.types),
      purposesTitle: (say: Say) => capitalise(say.words.purposes),
      groupsTitle: (bySize: boolean, byIndustry: boolean, say: Say) =>
        `${w.charts.useOf} ${say.words.topic} ${w.charts.by} ${bySize && byIndustry ? `${size} ${w.and} ${industry}` : bySize ? size : industry}`,
      /** "Del av føretaka med minst ti sysselsette. 2019. Prosent": whose share, the period, the unit. */
      subtitle: (period: string, whose: string) => `${w.charts.shareOf} ${whose}. ${period}. ${w.ui.percent}`,
      trendAlt(title: string, series: SeriesEnds[], top: { name: string; year: number; value: number }) {
        const changes = series.map((s) =>
          s.last.value === s.first.value
            ? w.charts.same(s.name, percent(s.last.value), s.first.year, s.last.year)
            : `${s.name} ${s.last.value > s.first.value ? w.charts.rose : w.charts.fell} ${w.from} ${percent(s.first.value)} ${w.in} ${s.first.year} ${w.to} ${percent(s.last.value)} ${w.in} ${s.last.year}`,
        );
        const largest = `${w.charts.largest} ${percent(top.value)} (${top.name}, ${top.year})`;
        return [`${w.charts.line}: ${title}`, ...changes, largest].map((sentence) => `${sentence}.`).join(' ');
      },
      barsAlt(title: string, top: { name: string; value: number }, bottom: { name: string; value: number } | null) {
        const low = bottom ? `, ${w.charts.lowest} ${bottom.name} ${w.charts.at} ${percent(bottom.value)}` : '';
        return `${w.charts.bar}: ${title}. ${w.charts.highest} ${top.name} ${w.charts.at} ${percent(top.value)}${low}.`;
      },
      head: w.charts.head,
      emptyCell: w.charts.emptyCell,
      notAsked,
    },
    ui: w.ui,
  };
}

/** Years as a reader reads them: "2014–2016", "2014, 2016 og 2018". */
function yearRanges(years: number[], lang: Lang): string {
  const runs: number[][] = [];
  for (const y of [...new Set(years)].sort((a, b) => a - b)) {
    if (runs.at(-1)?.at(-1) === y - 1) runs.at(-1)!.push(y);
    else runs.push([y]);
  }
  const parts = runs.map((run) => (run.length > 2 ? `${run[0]}–${run.at(-1)}` : run.join(', ')));
  return joinList(parts, lang);
}
