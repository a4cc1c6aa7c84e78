/**
 * When SSB next publishes the statistic, from its RSS release calendar (https://www.ssb.no/rss/statkal). Used to
 * say "next release: <date>" in logs and the briefing; never essential, so `nextRelease` never throws: any failure
 * (offline, HTTP error, timeout, a body that isn't RSS, no matching item) is logged and gives null.
 *
 * The feed is read with regular expressions (no XML package is installed): `<item>`s with title, link,
 * description and a date from `ssbrss:date` (SSB's namespace, a bare date), `dc:date`, `pubDate` or a
 * "DD.MM.YYYY:" prefix of the title. CDATA sections and the five XML entities (plus numeric references) are decoded.
 */

import { httpFetch, type FetchLike } from '../io/http-fetch.js';
import { networkErrorCode } from './transport.js';

export const defaultRssUrl = 'https://www.ssb.no/rss/statkal';

/** Words in a title that mean the statistic, besides its short name. */
const statisticNames: Record<string, string[]> = {
  iktbrukn: ['IKT i næringslivet', 'ICT usage in enterprises'],
};

export interface ReleaseOptions {
  /** @default env SSB_RSS_URL, else https://www.ssb.no/rss/statkal */
  url?: string;
  /** @default httpFetch (node:http/https, cheaper to load than the global fetch) */
  fetch?: FetchLike;
  /** Whole request, body included, in milliseconds. @default 5000 */
  timeoutMs?: number;
  now: Date;
  statistic: 'iktbrukn';
  /** @default process.env */
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
}

export interface Release {
  /** Oslo calendar date, YYYY-MM-DD. */
  date: string;
  title: string;
  link: string;
}

export interface RssItem {
  title: string;
  link: string;
  description: string;
  /** The release moment, epoch ms; a bare date counts as 08:00 Oslo time (SSB publishes then). null if no date. */
  at: number | null;
  shortname: string | null;
}

export async function nextRelease(options: ReleaseOptions): Promise<Release | null> {
  const url = options.url ?? (options.env ?? process.env).SSB_RSS_URL ?? defaultRssUrl;
  const timeoutMs = options.timeoutMs ?? 5000;
  try {
    if (!/^https?:\/\//i.test(url)) throw new Error('not an http(s) URL (check SSB_RSS_URL)');
    const res = await (options.fetch ?? httpFetch)(url, {
      headers: { accept: 'application/rss+xml, application/xml;q=0.9, */*;q=0.5' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`status ${res.status}`);
    const items = parseRssItems(text);
    if (items.length === 0) throw new Error(`no <item> in the answer (${text.length} characters); not an RSS feed`);
    const next = pickNextRelease(items, options.statistic, options.now);
    if (!next) options.log?.(`Release calendar ${url}: no upcoming release of ${options.statistic} among ${items.length} items`);
    return next;
  } catch (error) {
    const e = error as Error;
    const code = networkErrorCode(error);
    const reason = e?.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : `${e?.message ?? e}${code ? ` (${code})` : ''}`;
    options.log?.(`Release calendar ${url}: ${reason}; next release unknown`);
    return null;
  }
}

/** The earliest item after `now` that is about `statistic` (short name, link path, or name in the title). Pure. */
export function pickNextRelease(items: RssItem[], statistic: string, now: Date): Release | null {
  const names = [statistic, ...(statisticNames[statistic] ?? [])].map((n) => n.toLowerCase());
  const linkPattern = new RegExp(`/${statistic}(?=[/?#]|$)`, 'i');
  const matching = items.filter((item) =>
    item.at !== null && item.at > now.getTime() &&
    (item.shortname === statistic || linkPattern.test(item.link) ||
      names.some((n) => new RegExp(`(^|[^\\p{L}\\p{N}])${escape(n)}($|[^\\p{L}\\p{N}])`, 'iu').test(item.title))));
  const first = matching.sort((a, b) => a.at! - b.at!)[0];
  return first ? { date: osloDate(first.at!), title: first.title, link: first.link } : null;
}

/** Every `<item>` of an RSS 2.0 text; [] when there is none. Tolerant: never throws. */
export function parseRssItems(xml: string): RssItem[] {
  const items: RssItem[] = [];
  for (const match of xml.matchAll(/<item\b[^>]*>([\s\S]*?)<\/item\s*>/gi)) {
    const body = match[1]!;
    const field = (tag: string) => {
      const m = new RegExp(`<${escape(tag)}\\b[^>]*>([\\s\\S]*?)</${escape(tag)}\\s*>`, 'i').exec(body);
      return m ? decodeXml(m[1]!).trim() : null;
    };
    const title = field('title') ?? '';
    items.push({
      title, link: field('link') ?? '', description: field('description') ?? '', shortname: field('ssbrss:shortname'),
      at: releaseMoment(field('ssbrss:date'), field('dc:date'), field('pubDate'), title),
    });
  }
  return items;
}

/** CDATA sections as they are; elsewhere the five XML entities and numeric references decoded. */
export function decodeXml(text: string): string {
  return text.split(/(<!\[CDATA\[[\s\S]*?\]\]>)/).map((part) =>
    part.startsWith('<![CDATA[') ? part.slice(9, -3)
      : part.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
        const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
        if (e[0] !== '#') return named[e.toLowerCase()]!;
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1));
        return code <= 0x10ffff ? String.fromCodePoint(code) : '';
      })).join('');
}

function releaseMoment(ssbDate: string | null, dcDate: string | null, pubDate: string | null, title: string): number | null {
  const bare = /^(\d{4})-(\d{2})-(\d{2})$/;
  for (const value of [ssbDate, dcDate]) {
    if (!value) continue;
    const d = bare.exec(value);
    if (d) return osloEight(Number(d[1]), Number(d[2]), Number(d[3]));
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return at;
  }
  if (pubDate && !Number.isNaN(Date.parse(pubDate))) return Date.parse(pubDate);
  const prefix = /^(\d{2})\.(\d{2})\.(\d{4}):/.exec(title);
  return prefix ? osloEight(Number(prefix[3]), Number(prefix[2]), Number(prefix[1])) : null;
}

const oslo = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

function osloParts(at: number): { y: number; m: number; d: number; h: number; min: number } {
  const p = Object.fromEntries(oslo.formatToParts(at).map((x) => [x.type, Number(x.value)]));
  return { y: p.year!, m: p.month!, d: p.day!, h: p.hour!, min: p.minute! };
}

/** 08:00 Europe/Oslo on that day, as epoch ms (Oslo is UTC+1 or +2; no DST change happens near 08:00). */
function osloEight(y: number, m: number, d: number): number {
  const guess = Date.UTC(y, m - 1, d, 8);
  const p = osloParts(guess);
  const offset = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min) - guess;
  return guess - offset;
}

function osloDate(at: number): string {
  const p = osloParts(at);
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
