/**
 * Languages of the briefing and the language-dependent formatting of numbers and shares. Pure.
 * nn = Nynorsk (the default, as the seed article), nb = Bokmål, en = English.
 */

export const languages = ['nn', 'nb', 'en'] as const;
export type Lang = (typeof languages)[number];

export function isLang(value: string): value is Lang {
  return (languages as readonly string[]).includes(value);
}

/** Decimal comma and a narrow no-break space for thousands in Norwegian; point and comma in English. */
export function formatNumber(value: number, lang: Lang, decimals = 0): string {
  return new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'nb-NO', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  }).format(value);
}

/** The share as running text: "50 prosent", "12,5 prosent", "50 per cent". */
export function formatPercent(value: number, lang: Lang): string {
  const decimals = Number.isInteger(value) ? 0 : 1;
  return `${formatNumber(value, lang, decimals)} ${lang === 'en' ? 'per cent' : 'prosent'}`;
}

/**
 * Running text gives shares in whole per cent, whatever precision SSB publishes (tables and charts keep it).
 * Differences in text are taken between these rounded shares, so "opp 4 prosentpoeng frå 72 prosent" always adds
 * up with the shares printed beside it.
 */
export function roundShare(value: number): number {
  return Math.round(value);
}

/** A share in running text: rounded to whole per cent ("76 prosent" for 76.3). */
export function formatShare(value: number, lang: Lang): string {
  return formatPercent(roundShare(value), lang);
}

/** A key figure: "50 %" with a no-break space, as SSB prints it. */
export function formatPercentShort(value: number, lang: Lang): string {
  const decimals = Number.isInteger(value) ? 0 : 1;
  return `${formatNumber(value, lang, decimals)}\u00a0%`;
}

/** Percentage points: "20 prosentpoeng", "1 prosentpoeng", "20 percentage points". */
export function formatPoints(value: number, lang: Lang): string {
  const abs = Math.abs(value);
  const text = formatNumber(abs, lang, Number.isInteger(abs) ? 0 : 1);
  if (lang === 'en') return `${text} percentage point${abs === 1 ? '' : 's'}`;
  return `${text} prosentpoeng`;
}

/** A simple fraction a share can be said as: numerator of denominator. */
export interface Fraction {
  numerator: number;
  denominator: number;
  /** True when the share is not the fraction exactly (after rounding to whole per cent). */
  approximate: boolean;
}

/**
 * Candidate fractions in order of preference: the ones people say first. Fifths other than one in five are said
 * as tenths ("seks av ti", as SSB's 2015 headline did).
 */
const fractionCandidates: [number, number][] = [
  [1, 2], [1, 4], [3, 4], [1, 3], [2, 3], [1, 5],
  [1, 10], [2, 10], [3, 10], [4, 10], [6, 10], [7, 10], [8, 10], [9, 10],
];

/** At most this far (in percentage points) from the fraction may a share be to be said as one. */
export const fractionTolerancePoints = 1;

/**
 * The fraction a share (in per cent) can be said as, or null. 50 -> one of two; 31 -> about three of ten (the share
 * rounds to 31, one point off 30); 72 -> null (two points from seven of ten is too far to say it so).
 */
export function shareAsFraction(percent: number): Fraction | null {
  const rounded = Math.round(percent);
  for (const [numerator, denominator] of fractionCandidates) {
    const distance = Math.abs(rounded - (100 * numerator) / denominator);
    if (distance <= fractionTolerancePoints) return { numerator, denominator, approximate: distance >= 0.5 };
  }
  return null;
}

const numberWords: Record<Lang, string[]> = {
  // Neuter forms: "føretak"/"foretak" is neuter, so one is "eitt"/"ett".
  nn: ['null', 'eitt', 'to', 'tre', 'fire', 'fem', 'seks', 'sju', 'åtte', 'ni', 'ti'],
  nb: ['null', 'ett', 'to', 'tre', 'fire', 'fem', 'seks', 'sju', 'åtte', 'ni', 'ti'],
  en: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'],
};

/** "eitt av to", "tre av ti", "three in four" (lower case; callers capitalise at a sentence start). */
export function fractionWords(fraction: Fraction, lang: Lang): string {
  const words = numberWords[lang];
  const joiner = lang === 'en' ? 'in' : 'av';
  const core = `${words[fraction.numerator]} ${joiner} ${words[fraction.denominator]}`;
  if (!fraction.approximate) return core;
  return `${lang === 'en' ? 'about' : 'om lag'} ${core}`;
}

export function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase('nb-NO') + text.slice(1);
}

/** "a, b og c" / "a, b and c". */
export function joinList(items: string[], lang: Lang): string {
  if (items.length <= 1) return items.join('');
  const and = lang === 'en' ? 'and' : 'og';
  return `${items.slice(0, -1).join(', ')} ${and} ${items[items.length - 1]}`;
}

/** A date (YYYY-MM-DD or ISO) as people write it: "1. oktober 2013", "1 October 2013", in Oslo time. */
export function formatDate(iso: string, lang: Lang): string {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T12:00:00Z` : iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : lang === 'nn' ? 'nn-NO' : 'nb-NO', {
    day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Oslo',
  }).format(date);
}

/** Date and time in Oslo: "20. august 2025 kl. 08:00" / "20 August 2025, 08:00". */
export function formatDateTime(iso: string, lang: Lang): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Oslo', hour12: false }).format(date);
  return lang === 'en' ? `${formatDate(iso, lang)}, ${time}` : `${formatDate(iso, lang)} kl. ${time}`;
}
