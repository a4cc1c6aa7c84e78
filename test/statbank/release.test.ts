import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextRelease, parseRssItems, pickNextRelease } from '../../pipeline/statbank/release.js';
import { statbankText } from '../support/statbank-fixtures.js';

/**
 * The release calendar against a real HTTP server on 127.0.0.1 serving a made-up RSS 2.0 feed
 * (test/fixtures/statbank/statkal.xml); failures must give null, never throw.
 */

const feed = statbankText('statkal.xml');
let server: Server;
let base: string;
let answer: { status: number; body: string };
let hits: number;

beforeEach(async () => {
  answer = { status: 200, body: feed };
  hits = 0;
  server = createServer((_req, res) => {
    hits++;
    res.writeHead(answer.status, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const now = new Date('2026-08-01T10:00:00Z');
const next = (more: Partial<Parameters<typeof nextRelease>[0]> = {}) => {
  const log: string[] = [];
  return nextRelease({ url: `${base}/rss/statkal`, now, statistic: 'iktbrukn', log: (l) => log.push(l), ...more }).then((r) => ({ r, log }));
};

describe('nextRelease', () => {
  it('picks the earliest future iktbrukn release, passing over past ones and look-alikes (iktbrukhus)', async () => {
    const { r, log } = await next();
    expect(r).toEqual({
      date: '2026-09-10',
      title: '10.09.2026: Bruk av IKT i næringslivet, 2026',
      link: 'https://www.ssb.no/teknologi-og-innovasjon/informasjons-og-kommunikasjonsteknologi-ikt/statistikk/bruk-av-ikt-i-naeringslivet',
    });
    expect(log).toEqual([]);
    expect(hits).toBe(1);
  });

  it('a release day counts until 08:00 Oslo time; after it, nothing is upcoming', async () => {
    expect((await next({ now: new Date('2026-09-10T05:59:00Z') })).r?.date).toBe('2026-09-10');
    const after = await next({ now: new Date('2026-09-10T06:00:00Z') });
    expect(after.r).toBeNull();
    expect(after.log).toEqual([expect.stringMatching(/no upcoming release of iktbrukn among 5 items/)]);
  });

  it('a 500, a garbage body and a closed port each give null without throwing', async () => {
    answer = { status: 500, body: '<html>Internal error</html>' };
    const failed = await next();
    expect(failed.r).toBeNull();
    expect(failed.log).toEqual([expect.stringMatching(/status 500; next release unknown$/)]);

    answer = { status: 200, body: '\u0000{"not":"rss"} <item unclosed' };
    const garbage = await next();
    expect(garbage.r).toBeNull();
    expect(garbage.log).toEqual([expect.stringMatching(/no <item> in the answer .*not an RSS feed; next release unknown$/)]);

    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const closed = await next({ url: `http://127.0.0.1:${port}/rss/statkal` });
    expect(closed.r).toBeNull();
    expect(closed.log).toEqual([expect.stringMatching(/\(ECONNREFUSED\); next release unknown$/)]);
  });

  it('gives null when the feed is slower than the timeout', async () => {
    server.removeAllListeners('request');
    server.on('request', (_req, res) => setTimeout(() => res.end(feed), 1000).unref());
    const { r, log } = await next({ timeoutMs: 100 });
    expect(r).toBeNull();
    expect(log).toEqual([expect.stringMatching(/timed out after 100 ms/)]);
  });
});

describe('parsing', () => {
  it('reads titles, links and dates from CDATA, entities, ssbrss:date, dc:date and pubDate', () => {
    const items = parseRssItems(feed);
    expect(items.map((i) => i.title)).toEqual([
      '10.09.2026: Bruk av IKT i næringslivet, 2026',
      '18.08.2026: Konsumprisindeksen, juli 2026',
      '02.09.2026: Bruk av IKT i hushaldningane, 2026',
      '10.09.2025: Bruk av IKT i næringslivet, 2025',
      'Lønn & sysselsetjing <kvartal>, 2. kvartal 2026',
    ]);
    expect(items.map((i) => i.at && new Date(i.at).toISOString())).toEqual([
      '2026-09-10T06:00:00.000Z',
      '2026-08-18T06:00:00.000Z',
      '2026-09-02T06:00:00.000Z',
      '2025-09-10T06:00:00.000Z',
      '2026-08-21T06:00:00.000Z',
    ]);
    expect(items.map((i) => i.shortname)).toEqual(['iktbrukn', 'kpi', 'iktbrukhus', 'iktbrukn', 'lonnkvart']);
  });

  it('matches the statistic by short name, link path or its name in the title, not by look-alikes', () => {
    const item = (title: string, link: string, shortname: string | null = null) => ({
      title,
      link,
      shortname,
      at: Date.parse('2026-10-01T06:00:00Z'),
    });
    const pick = (...items: ReturnType<typeof item>[]) => pickNextRelease(items, 'iktbrukn', now)?.title ?? null;
    expect(pick(item('ICT usage in enterprises, 2026', 'https://www.ssb.no/en/x'))).toBe('ICT usage in enterprises, 2026');
    expect(pick(item('Ny statistikk', 'https://www.ssb.no/iktbrukn?lang=no'))).toBe('Ny statistikk');
    expect(pick(item('Tal om iktbrukn', 'https://www.ssb.no/x'))).toBe('Tal om iktbrukn');
    expect(pick(item('IKT i hushaldningane', 'https://www.ssb.no/iktbrukhus', 'iktbrukhus'), item('iktbrukning', 'https://www.ssb.no/x/iktbrukn2'))).toBeNull();
  });

  it('a bare date is 08:00 Oslo time in winter too; entities outside CDATA only', () => {
    const rss = (item: string) => `<rss version="2.0"><channel><title>t</title>${item}</channel></rss>`;
    const [item] = parseRssItems(rss('<item><title>x</title><ssbrss:date>2026-01-15</ssbrss:date></item>'));
    expect(new Date(item!.at!).toISOString()).toBe('2026-01-15T07:00:00.000Z');
    const [mixed] = parseRssItems(rss('<item><title> &lt;a&gt; &amp;amp; &quot;&apos; &#233;&#xE6; <![CDATA[&amp; <b>]]> </title></item>'));
    expect(mixed!.title).toBe('<a> &amp; "\' éæ &amp; <b>');
  });

  it('reads RSS 1.0 items, nested elements and attributes, and gives [] for what is not XML', () => {
    const rdf =
      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><item rdf:about="x"><title lang="nn">Ny</title>' +
      '<link>https://www.ssb.no/iktbrukn</link><dc:date>2026-10-01</dc:date></item></rdf:RDF>';
    expect(parseRssItems(rdf)).toEqual([
      {
        title: 'Ny',
        link: 'https://www.ssb.no/iktbrukn',
        shortname: null,
        at: Date.parse('2026-10-01T06:00:00Z'),
      },
    ]);
    expect(parseRssItems('<rss><channel><item><title>Solo</title></item></channel></rss>')).toHaveLength(1);
    expect(parseRssItems('\u0000{"not":"rss"} <item unclosed')).toEqual([]);
    expect(parseRssItems('')).toEqual([]);
  });
});
