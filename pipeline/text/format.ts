import { languages } from '../briefing/vocabulary.js';
import type { Lang } from '../briefing/model.js';

/** How numbers, shares, percentage points, fractions, dates and lists are written in each language, as SSB's editors write them. Pure. */

export { languages, type Lang };

/** Decimal comma and a no-break space for thousands in Norwegian; point and comma in English. */
export function formatNumber(value: number, lang: Lang, decimals = Number.isInteger(value) ? 0 : 1): string {
  const format = new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'nb-NO', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  return format.format(value).replace(/\u2212/g, '-');
}

/**
 * A share in running text: "50 prosent", "50 per cent". Whole per cent, whatever precision SSB publishes (tables and
 * charts keep it); changes are differences of these rounded shares (facts.ts), so they add up with the shares printed.
 */
export function formatShare(value: number, lang: Lang): string {
  return `${formatNumber(Math.round(value), lang, 0)}${lang === 'en' ? ' per cent' : ' prosent'}`;
}

/** A share in a key figure, chart or table: "50 %" (no-break space) in Norwegian, "50%" in English; as published. */
export function formatPercentSign(value: number, lang: Lang): string {
  return lang === 'en' ? `${formatNumber(value, lang)}%` : `${formatNumber(value, lang)}\u00a0%`;
}

/** Percentage points: "20 prosentpoeng", "1 percentage point". */
export function formatPoints(value: number, lang: Lang): string {
  const abs = Math.abs(value);
  return lang === 'en' ? `${formatNumber(abs, lang)} percentage point${abs === 1 ? '' : 's'}` : `${formatNumber(abs, lang)} prosentpoeng`;
}

/** `approx`: how the rounded share stands to the fraction: exactly, a little over ("vel"), a little under ("nær"). */
type Fraction = { numerator: number; denominator: number; approx: 'exact' | 'over' | 'under' };

/** Fractions people say, most natural first. Fifths other than one in five are said as tenths ("seks av ti"). */
const fractionCandidates: [number, number][] = [
  [1, 2],
  [1, 4],
  [3, 4],
  [1, 3],
  [2, 3],
  [1, 5],
  ...[1, 2, 3, 4, 6, 7, 8, 9].map((n): [number, number] => [n, 10]),
];

/**
 * The fraction a share can be said as: exact when the rounded share is within half a point of it (50 -> one in two,
 * 33 -> one in three); "vel"/"just over" or "nær"/"almost" within `tolerance` points (76 -> just over three in four);
 * otherwise null.
 */
export function shareAsFraction(percent: number, tolerance = 3): Fraction | null {
  const rounded = Math.round(percent);
  let best: { f: [number, number]; d: number } | null = null;
  for (const f of fractionCandidates) {
    const d = rounded - (100 * f[0]) / f[1];
    if (Math.abs(d) < 0.5) return { numerator: f[0], denominator: f[1], approx: 'exact' };
    if (Math.abs(d) <= tolerance && (!best || Math.abs(d) < Math.abs(best.d))) best = { f, d };
  }
  return best ? { numerator: best.f[0], denominator: best.f[1], approx: best.d > 0 ? 'over' : 'under' } : null;
}

const numberWords: Record<Lang, string[]> = {
  // Neuter: "føretak"/"foretak" is neuter, so one is "eitt"/"ett".
  nn: ['null', 'eitt', 'to', 'tre', 'fire', 'fem', 'seks', 'sju', 'åtte', 'ni', 'ti'],
  nb: ['null', 'ett', 'to', 'tre', 'fire', 'fem', 'seks', 'sju', 'åtte', 'ni', 'ti'],
  en: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'],
};

const qualifiers = { nn: { over: 'vel', under: 'nær' }, nb: { over: 'vel', under: 'nesten' }, en: { over: 'just over', under: 'almost' } };

/** "eitt av to", "vel tre av fire", "almost seven in ten" (lower case; capitalise at a sentence start). */
export function fractionWords(fraction: Fraction, lang: Lang): string {
  const words = numberWords[lang];
  const core = `${words[fraction.numerator]} ${lang === 'en' ? 'in' : 'av'} ${words[fraction.denominator]}`;
  return fraction.approx === 'exact' ? core : `${qualifiers[lang][fraction.approx]} ${core}`;
}

export function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase('nb-NO') + text.slice(1);
}

/** SSB's labels start with a capital; inside a sentence they read in lower case ("informasjon og kommunikasjon"), acronyms aside. */
export function inSentence(label: string): string {
  return /^[A-ZÆØÅ]{2}/.test(label) ? label : label.charAt(0).toLocaleLowerCase('nb-NO') + label.slice(1);
}

const locales = { nn: 'nn-NO', nb: 'nb-NO', en: 'en-GB' } as const;
/** Each language's "a, b og c" / "a, b and c". */
export const lists = Object.fromEntries(languages.map((l) => [l, new Intl.ListFormat(locales[l], { type: 'conjunction' })])) as Record<Lang, Intl.ListFormat>;

export function joinList(items: string[], lang: Lang): string {
  return lists[lang].format(items);
}

/** A date (YYYY-MM-DD or ISO) as people write it: "1. oktober 2013", "1 October 2013", in Oslo time. */
export function formatDate(iso: string, lang: Lang): string {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T12:00:00Z` : iso);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a date: ${iso}`);
  return new Intl.DateTimeFormat(locales[lang], { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Oslo' }).format(date);
}

/** Date and time in Oslo: "24. september 2025 kl. 08.00" / "24 September 2025, 08:00". */
export function formatDateTime(iso: string, lang: Lang): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return formatDate(iso, lang);
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a date: ${iso}`);
  const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Oslo', hour12: false }).format(date);
  return lang === 'en' ? `${formatDate(iso, lang)}, ${time}` : `${formatDate(iso, lang)} kl. ${time.replace(':', '.')}`;
}

/** "januar 2019" / "January 2019". */
export function formatMonthYear(year: number, month: number, lang: Lang): string {
  return new Intl.DateTimeFormat(locales[lang], { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(year, month - 1, 15)));
}

/**
 * Text from a data source made safe to print: control characters, escape sequences and bidirectional overrides and
 * isolates removed (so "98" can never be shown as "89"), whitespace runs collapsed.
 */
export function cleanText(text: string): string {
  return text
    .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g, '') // OSC … BEL/ST: its text (a window title) goes too
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '') // CSI
    .replace(/\u009b[0-?]*[ -/]*[@-~]/g, '') // 8-bit CSI
    .replace(/\u001b[@-Z\\-_]/g, '') // other two-character escapes
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
