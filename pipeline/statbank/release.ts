import { XMLParser } from 'fast-xml-parser';
import { escapeRegExp } from './suggest.js';
import { networkErrorCode } from './transport.js';

/**
 * When SSB next publishes the statistic, from its RSS release calendar. Never essential, so `nextRelease` never
 * throws: any failure (offline, HTTP error, timeout, not RSS, no matching item) is logged and gives null.
 */

/** Words in a title that mean the statistic, besides its short name. */
const statisticNames: Record<string, string[]> = { iktbrukn: ['IKT i næringslivet', 'ICT usage in enterprises'] };

/** `url`: the feed (config's SSB_RSS_URL); `timeoutMs`: the whole request, body included, 5000 by default. */
export interface ReleaseOptions {
  url: string;
  timeoutMs?: number;
  now: Date;
  statistic: 'iktbrukn';
  log?: (line: string) => void;
}

/** `date` is the Oslo calendar date, YYYY-MM-DD. */
export type Release = { date: string; title: string; link: string };
type RssItem = ReturnType<typeof parseRssItems>[number];

export async function nextRelease(options: ReleaseOptions): Promise<Release | null> {
  const { url, timeoutMs = 5000 } = options;
  try {
    if (!/^https?:\/\//i.test(url)) throw new Error('not an http(s) URL (check SSB_RSS_URL)');
    const res = await fetch(url, {
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
  const matching = items.filter(
    (item) =>
      item.at !== null &&
      item.at > now.getTime() &&
      (item.shortname === statistic ||
        linkPattern.test(item.link) ||
        names.some((n) => new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(n)}($|[^\\p{L}\\p{N}])`, 'iu').test(item.title))),
  );
  const first = matching.sort((a, b) => a.at! - b.at!)[0];
  return first ? { date: osloStamp(first.at!).slice(0, 10), title: first.title, link: first.link } : null;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  // Every value a string, as written: "2026" stays a string, a date is not turned into a number.
  parseTagValue: false,
  // Kept whole: a title of text and CDATA keeps the space between them; each field is trimmed once, at the end.
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => name === 'item',
});

/**
 * Every `<item>` of an RSS 2.0 channel or RSS 1.0 `rdf:RDF`; [] when there is none or the text is not XML. `at` is
 * the release moment in epoch ms, from `ssbrss:date`, `dc:date`, `pubDate` or a "DD.MM.YYYY:" title prefix (a bare
 * date counts as 08:00 Oslo time, when SSB publishes); null if none.
 */
export function parseRssItems(xml: string) {
  let doc: any;
  try {
    doc = parser.parse(xml);
  } catch {
    return [];
  }
  const items: unknown = doc?.rss?.channel?.item ?? doc?.['rdf:RDF']?.item ?? doc?.channel?.item;
  if (!Array.isArray(items)) return [];
  return items
    .filter((item) => item !== null && typeof item === 'object')
    .map((item: Record<string, any>) => {
      // An element with child elements comes as an object: its own text, if any, is under "#text".
      const field = (tag: string): string | null => {
        const value = Object.hasOwn(item, tag) ? item[tag] : undefined;
        const text = typeof value === 'string' ? value : typeof value?.['#text'] === 'string' ? value['#text'] : null;
        return text === null ? null : text.trim();
      };
      const title = field('title') ?? '';
      return {
        title,
        link: field('link') ?? '',
        shortname: field('ssbrss:shortname'),
        at: releaseMoment(field('ssbrss:date'), field('dc:date'), field('pubDate'), title),
      };
    });
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
  timeZone: 'Europe/Oslo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** The Oslo date and time of an instant (epoch ms), "YYYY-MM-DD HH:MM", taken part by part so no locale's pattern matters. */
export function osloStamp(at: number): string {
  const parts = Object.fromEntries(oslo.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** 08:00 Europe/Oslo on that day, as epoch ms: 07:00 UTC in winter (UTC+1), 06:00 in summer (no DST change happens near 08:00). */
function osloEight(year: number, month: number, day: number): number {
  const winter = Date.UTC(year, month - 1, day, 7);
  return osloStamp(winter).endsWith(' 08:00') ? winter : winter - 3_600_000;
}
