/**
 * The soak: scheduler ticks in a row, in one process, as `briefing schedule` runs them (startScheduler over the data
 * and output folders with the real runPipeline, --email on), on a copy of data/sosiale-medium/ against a StatBank
 * replay server (table 10977 as test/fixtures/statbank/ has it; 10978 and 14933 "Non-existent table") and a real
 * SMTP server on 127.0.0.1, with seeded random faults: 503, 429 (Retry-After 0 or 1), slow and timed-out answers,
 * truncated and cut-off bodies, and SMTP 451 at MAIL, RCPT or DATA (three in a row: the send's own retries give up,
 * the recipient is left for the next tick); and now and then a new release of table 10977 (a later `updated`, the
 * 2025 headline figure changed), so a few ticks fetch, build, archive and mail. Faults make ticks fail; the next
 * must recover.
 *
 *   npm run soak            200 ticks, a new release every 10th (node --expose-gc dist/test/bench/soak.js [ticks])
 *   test/e2e/soak.test.ts   the same code, 20 ticks
 *
 * Checked after every tick: the data folder validates and its history describes the dataset (the last batch is the
 * dataset's hash), no lock left, no half-written briefing. At the end: every release the server published is in the
 * dataset with its history batch; every edition reached every recipient exactly once, as the outbox records it; no
 * Chromium process, file handle or heap growth left behind.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { simpleParser } from 'mailparser';
import * as v from 'valibot';
import { editionManifestSchema, listEditions } from '../../pipeline/archive.js';
import type { Dataset } from '../../pipeline/briefing/model.js';
import { resolveConfig, type Config } from '../../pipeline/config.js';
import { createProgress } from '../../pipeline/io/progress.js';
import { runPipeline } from '../../pipeline/run.js';
import { startScheduler, type TickOutcome } from '../../pipeline/schedule.js';
import { readOutbox } from '../../pipeline/send.js';
import { createStatbankClient } from '../../pipeline/statbank/client.js';
import { parseDataset, readDatasetText } from '../../pipeline/store/dataset.js';
import { loadDefinition } from '../../pipeline/store/definition.js';
import { batchesOf, readHistory, sha16 } from '../../pipeline/store/history.js';
import { describeProcesses, leftovers, MARK_VAR, newMark, watchChromium } from '../support/chromium.js';
import { copyBriefing } from '../support/data-folder.js';
import { mulberry32 } from '../support/json-mutations.js';
import { heapAfterGc, openFds, type OpenFds } from '../support/process-stats.js';
import { isCompleteHtml, isCompletePdf } from '../support/run-state.js';
import { startReplayServer, v2Prefix, type ReplayFault, type ReplayServer } from '../support/replay-server.js';
import { startSmtpServer, type SmtpFault } from '../support/smtp-server.js';
import { serveTable, tableTexts, withCell, withUpdated } from '../support/statbank-fixtures.js';

export interface SoakOptions {
  ticks: number;
  /** A new release of table 10977 every this many ticks, once the previous one is in the dataset. */
  changeEvery: number;
  /** @default 20251130 */
  seed?: number;
  /** One line per tick and a summary. @default nothing */
  log?: (line: string) => void;
  /**
   * Most the V8 heap (after a full gc) may grow from the baseline after tick 2 to the end, in MiB; larger growth
   * is a problem. Skipped when gc can't be forced. @default 16
   */
  heapGrowthLimitMb?: number;
}

export interface SoakReport {
  ticks: number;
  failed: number;
  releases: number;
  editions: number;
  mails: number;
  faults: Record<string, number>;
  fds: { before: OpenFds; after: OpenFds };
  /** V8 heap after a full gc, MiB: after the first build, half-way, at the end (empty when gc can't be forced). */
  heapMb: number[];
  /** Everything that went wrong, as sentences; [] is a pass. */
  problems: string[];
}

const credentials = { user: 'soak', pass: 'soak-password' };
const recipients = ['ola@example.no', 'kari@example.no'];
/** The cell each release of 10977 changes: the 2025 headline figure, all enterprises, all industries. */
const releaseCell = { SyssGrpIKT: '00', NACE2007: 'Total+K', ContentsCode: 'BrukSosMedium', Tid: '2025' };

interface Release {
  n: number;
  /** The table's `updated` in this release. */
  updated: string;
  /** The release cell's figure. */
  value: number;
}

/** Serve release `n` of table 10977 (0: the fixture as it is). */
function serveRelease(server: ReplayServer, n: number): Release {
  const texts = tableTexts('10977');
  if (n === 0) {
    serveTable(server, '10977', texts);
    return { n, updated: JSON.parse(texts.info).updated as string, value: NaN };
  }
  const updated = new Date(Date.UTC(2025, 8, 10 + n, 6)).toISOString().replace('.000Z', 'Z');
  const value = 60 + (n % 40);
  serveTable(server, '10977', {
    info: withUpdated(texts.info, updated),
    metadata: withUpdated(texts.metadata, updated),
    data: withCell(withUpdated(texts.data, updated), releaseCell, value),
  });
  return { n, updated, value };
}

/** The data folder as a run reads it; throws a DatasetError when it doesn't validate. */
async function readData(dataDir: string): Promise<{ dataset: Dataset; text: string }> {
  const definition = await loadDefinition(dataDir);
  const text = await readDatasetText(dataDir);
  return { dataset: parseDataset(text, join(dataDir, 'dataset.json'), definition), text };
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const random = mulberry32(options.seed ?? 20251130);
  const log = options.log ?? (() => undefined);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const mark = newMark();
  process.env[MARK_VAR] = mark; // Chromium inherits it: leftovers() finds what this soak started
  const watch = watchChromium(mark, 100);
  const ssb = await startReplayServer({ rateLimit: 1_000_000 });
  const smtp = await startSmtpServer({ credentials });
  const work = await mkdtemp(join(tmpdir(), 'briefing-soak-'));
  const report: SoakReport = {
    ticks: 0,
    failed: 0,
    releases: 0,
    editions: 0,
    mails: 0,
    faults: {},
    fds: { before: openFds(), after: openFds() },
    heapMb: [],
    problems: [],
  };
  const problem = (text: string) => report.problems.push(text);
  try {
    const dataDir = await copyBriefing('sosiale-medium', join(work, 'data'));
    const outDir = join(work, 'out');
    await mkdir(outDir, { recursive: true });
    const env = {
      SSB_API_URL: ssb.v2Url,
      SSB_RSS_URL: `${ssb.url}/rss/statkal`,
      SSB_TIMEOUT_MS: '1000',
      SSB_RETRY_BUDGET_MS: '1500',
      ...(process.env.PUPPETEER_EXECUTABLE_PATH ? { PUPPETEER_EXECUTABLE_PATH: process.env.PUPPETEER_EXECUTABLE_PATH } : {}),
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      SMTP_USER: credentials.user,
      SMTP_PASS: credentials.pass,
      SMTP_STARTTLS: 'off',
      MAIL_FROM: 'briefing@example.no',
      MAIL_TO: recipients.join(','),
    };
    const config = resolveConfig({ data: dataDir, out: outDir, email: true, lang: 'nn' }, env, work, { mail: true });
    const releases: Release[] = [];
    let served = serveRelease(ssb, 0);
    const ingested = async () => (await readData(dataDir)).dataset.tables['10977']?.updated === served.updated;
    const count = (kind: string) => (report.faults[kind] = (report.faults[kind] ?? 0) + 1);
    // Faults are dealt from shuffled decks, so even a short soak meets every kind.
    const statbankFaults = deck<[string, ReplayFault]>(random, [
      ['503', { kind: 'unavailable' }],
      ['429 Retry-After 0', { kind: 'tooManyRequests', retryAfter: '0' }],
      ['429 Retry-After 1', { kind: 'tooManyRequests', retryAfter: '1' }],
      ['slow', { kind: 'slow', delayMs: 300 }],
      ['timeout', { kind: 'slow', delayMs: 1500 }],
      ['truncated', { kind: 'truncated' }],
      ['destroy', { kind: 'destroy' }],
    ]);
    // Three in a row: the send's own three attempts at one recipient all meet it, so the tick fails and the next retries.
    const smtpFaults = deck<SmtpFault>(random, [
      { stage: 'mail', code: 451, times: 3 },
      { stage: 'rcpt', code: 451, times: 3 },
      { stage: 'data', code: 451, times: 3 },
    ]);
    let smtpFaultWaiting = false;

    /** Plan the tick's release and faults, run it as the scheduler does, check what it left. */
    const tick = async (n: number, faults: boolean): Promise<string> => {
      if (faults && n % options.changeEvery === 0 && (await ingested())) {
        served = serveRelease(ssb, releases.length + 1);
        releases.push(served);
      }
      const fetching = !(await ingested());
      if (faults && random() < 0.5) {
        const paths = ['/tables/10977', '/tables/14933', ...(fetching ? ['/tables/10977/metadata', '/tables/10977/data'] : [])];
        const [name, fault] = statbankFaults.next();
        ssb.setFault(`${v2Prefix}${pick(paths)}`, fault, 1 + Math.floor(random() * 3));
        count(name);
      }
      // One SMTP fault at a time: it waits in the server until a tick gets as far as mailing.
      if (faults && fetching && !smtpFaultWaiting && random() < 0.7) {
        const fault = smtpFaults.next();
        smtp.failNext(fault);
        smtpFaultWaiting = true;
        count(`SMTP ${fault.code} at ${fault.stage.toUpperCase()}`);
      }
      const line = await schedulerTick(config);
      ssb.clearFaults();
      if (/ tick \d+: (sent |failed: (Sending edition|Edition \S+ did not reach))/.test(line)) smtpFaultWaiting = false;
      report.ticks++;
      if (/ tick \d+: failed: /.test(line)) report.failed++;
      log(`${String(n).padStart(3)} ${line}`);
      for (const p of await dataProblems(dataDir)) problem(`after tick ${n}: ${p}`);
      for (const p of await briefingProblems(outDir)) problem(`after tick ${n}: ${p}`);
      for (const dir of [dataDir, outDir]) if (existsSync(join(dir, '.lock'))) problem(`after tick ${n}: ${join(dir, '.lock')} was left behind`);
      return line;
    };

    const heap = () => {
      const bytes = heapAfterGc();
      if (bytes !== null) report.heapMb.push(Math.round((bytes / 2 ** 20) * 10) / 10);
    };
    for (let n = 1; n <= options.ticks; n++) {
      await tick(n, n > 2); // two quiet ticks first: the first fetch, build and mail, then the baseline
      if (n === 2) {
        heap();
        report.fds.before = openFds();
      }
      if (n === Math.ceil(options.ticks / 2) && n > 2) heap();
    }
    // Fault-free ticks until the last release is in and every edition has reached everyone (leftover SMTP faults may fail one).
    for (let extra = 1; extra <= 4; extra++) {
      const outbox = await readOutbox(outDir);
      const everyone = (await listEditions(outDir)).every((e) => sentTo(outbox, e.id).length === recipients.length);
      if ((await ingested()) && everyone && extra > 1) break;
      await tick(options.ticks + extra, false);
    }
    heap();
    report.fds.after = openFds();

    // No data loss: every release the server published is in the dataset, with its figure and its history batch.
    const { dataset } = await readData(dataDir);
    const history = await readHistory(dataDir);
    report.releases = releases.length;
    if (dataset.tables['10977']?.updated !== served.updated)
      problem(`the dataset has 10977 as of ${dataset.tables['10977']?.updated}, the server ${served.updated}`);
    const isReleaseCell = (codes: Record<string, string> | null) => !!codes && Object.entries(releaseCell).every(([k, value]) => codes[k] === value);
    for (const r of releases) {
      if (!dataset.observations.some((o) => o.table === '10977' && isReleaseCell(o.codes) && o.value === r.value))
        problem(`release ${r.n} (${r.updated}): its figure ${r.value} is not in the dataset`);
      if (!history.some((h) => h.kind === 'table' && h.table === '10977' && h.updated === r.updated))
        problem(`release ${r.n} (${r.updated}) has no history batch`);
    }

    // No duplicate mail: each edition's PDF reached each recipient once, and every message received is recorded as sent.
    const editions = await listEditions(outDir);
    const outbox = await readOutbox(outDir);
    report.editions = editions.length;
    report.mails = smtp.messages.length;
    const seen = new Map<string, number>();
    for (const message of smtp.messages) {
      const parsed = await simpleParser(message.raw);
      const pdf = parsed.attachments.find((a) => a.contentType === 'application/pdf');
      const key = `${message.to.join(',')} ${pdf ? createHash('sha256').update(pdf.content).digest('hex').slice(0, 12) : 'no PDF'}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    for (const [key, times] of seen) if (times > 1) problem(`mailed ${times} times: ${key}`);
    const recorded = editions.reduce((sum, e) => sum + sentTo(outbox, e.id).length, 0);
    if (recorded !== smtp.messages.length) problem(`${smtp.messages.length} messages received, ${recorded} recorded as sent in the outbox`);
    for (const e of editions) {
      const missing = recipients.filter((r) => !sentTo(outbox, e.id).includes(r));
      if (missing.length) problem(`edition ${e.id} never reached ${missing.join(', ')}`);
    }
    const stuck = outbox.flatMap((e) => e.recipients.filter((r) => r.state !== 'sent').map((r) => `${e.editionId} ${r.recipient}: ${r.state}`));
    if (stuck.length) problem(`recipients left not sent: ${stuck.join('; ')}`);
    if (editions.length < releases.length + 1) problem(`${releases.length} releases but only ${editions.length} editions`);

    // Nothing leaked: Chromium processes, file handles (sockets come and go with keep-alive), heap.
    const left = await leftovers(mark, watch.sessions, 5_000);
    if (left.length) problem(`Chromium left running: ${describeProcesses(left)}`);
    const newOthers = report.fds.after.others.length - report.fds.before.others.length;
    if (newOthers > 2) problem(`${newOthers} more open files/pipes than after tick 2: ${diff(report.fds.after.others, report.fds.before.others).join(', ')}`);
    if (report.fds.after.sockets - report.fds.before.sockets > 16) problem(`sockets grew from ${report.fds.before.sockets} to ${report.fds.after.sockets}`);
    const growth = report.heapMb.length >= 2 ? report.heapMb.at(-1)! - report.heapMb[0]! : 0;
    if (growth > (options.heapGrowthLimitMb ?? 16)) problem(`the heap grew by ${growth.toFixed(1)} MiB (${report.heapMb.join(' -> ')} MiB after gc)`);
    log(`soak: ${JSON.stringify({ ...report, fds: { before: report.fds.before.total, after: report.fds.after.total }, problems: report.problems.length })}`);
    return report;
  } finally {
    await watch.stop();
    delete process.env[MARK_VAR];
    await Promise.all([ssb.close(), smtp.close()]);
    await rm(work, { recursive: true, force: true });
  }
}

/** The recipients the outbox records as sent the edition. */
function sentTo(outbox: Awaited<ReturnType<typeof readOutbox>>, editionId: string): string[] {
  return (
    outbox
      .find((e) => e.editionId === editionId)
      ?.recipients.filter((r) => r.state === 'sent')
      .map((r) => r.recipient) ?? []
  );
}

/** The data folder validates, and its history describes the dataset: the last batch was written with it. */
async function dataProblems(dataDir: string): Promise<string[]> {
  try {
    const { text } = await readData(dataDir);
    const last = batchesOf(await readHistory(dataDir)).at(-1);
    if (last && last[0]!.batch !== sha16(text)) return [`history.jsonl's last batch (${last[0]!.batch}) is not dataset.json (${sha16(text)})`];
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

/** Every archived edition with a valid manifest is whole (its HTML and PDF complete), and so are briefing-<lang>.*. */
async function briefingProblems(outDir: string): Promise<string[]> {
  const problems: string[] = [];
  const check = async (path: string, required: boolean) => {
    const bytes = await readFile(path).catch(() => null);
    if (!bytes) return void (required && problems.push(`${path} is missing`));
    const whole = path.endsWith('.pdf') ? isCompletePdf(bytes) : isCompleteHtml(bytes.toString('utf8'));
    if (!whole) problems.push(`${path} is not whole (${bytes.length} bytes)`);
  };
  for (const name of await readdir(outDir).catch(() => [] as string[]))
    if (/^briefing-[a-z]{2}\.(pdf|html)$/.test(name)) await check(join(outDir, name), false);
  for (const id of await readdir(join(outDir, 'editions')).catch(() => [] as string[])) {
    const dir = join(outDir, 'editions', id);
    const manifest = await readFile(join(dir, 'manifest.json'), 'utf8').then(
      (t) => v.safeParse(editionManifestSchema, JSON.parse(t)).success,
      () => false,
    );
    if (!manifest) continue; // not an edition (a run stopped while saving it)
    await check(join(dir, 'briefing.pdf'), true);
    await check(join(dir, 'briefing.html'), true);
  }
  return problems;
}

/** One firing of the real scheduler (once) with the job `briefing schedule` runs, minus the release calendar; its log line. */
async function schedulerTick(config: Config): Promise<string> {
  let line = '';
  const scheduler = startScheduler({
    cron: '30 8 * * 1-5',
    timezone: 'Europe/Oslo',
    lockDir: [config.dataDir, config.outDir],
    once: true,
    log: (l) => (line = l),
    tick: async ({ stop, abort }): Promise<TickOutcome> => {
      const client = async () =>
        createStatbankClient({
          baseUrl: config.statbank.baseUrl,
          requestTimeoutMs: config.statbank.requestTimeoutMs,
          retryBudgetMs: config.statbank.retryBudgetMs,
        });
      const outcome = await runPipeline(config, { progress: createProgress(() => undefined), now: () => new Date(), client, stop, abort });
      const ids = outcome.editions.map((e) => e.id).join(', ');
      const sentTo = outcome.sent.reduce((n, s) => n + s.sent.length, 0);
      if (sentTo > 0) return { kind: 'sent', detail: `${ids} sent to ${sentTo} recipient(s)` };
      if (outcome.status === 'new-edition') return { kind: 'new-edition', detail: ids };
      return { kind: 'unchanged', detail: `${outcome.fetch?.status ?? 'offline'}; ${ids}` };
    },
  });
  await scheduler.done;
  return line;
}

/** Cards from `cards`, each once per round, in a seeded shuffled order. */
function deck<T>(random: () => number, cards: readonly T[]): { next(): T } {
  let pile: T[] = [];
  return {
    next() {
      if (pile.length === 0)
        pile = [...cards]
          .map((c) => ({ c, k: random() }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.c);
      return pile.pop()!;
    },
  };
}

/** Entries of `after` not in `before`, as a multiset difference. */
function diff(after: string[], before: string[]): string[] {
  const left = [...before];
  return after.filter((x) => {
    const i = left.indexOf(x);
    if (i === -1) return true;
    left.splice(i, 1);
    return false;
  });
}

// `npm run soak`: node --expose-gc dist/test/bench/soak.js [ticks].
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const ticks = Number(process.argv[2] ?? 200);
  const started = Date.now();
  const report = await runSoak({ ticks, changeEvery: 10, log: (line) => console.log(line) });
  console.log(
    `${report.ticks} ticks in ${Math.round((Date.now() - started) / 1000)} s: ${report.failed} failed by faults, ${report.releases} releases, ` +
      `${report.editions} editions, ${report.mails} mails; heap ${report.heapMb.join(' -> ')} MiB; fds ${report.fds.before.total} -> ${report.fds.after.total}`,
  );
  if (report.heapMb.length === 0) console.error('(heap not checked: run node with --expose-gc)');
  for (const p of report.problems) console.error(`✗ ${p}`);
  process.exitCode = report.problems.length ? 1 : 0;
}
