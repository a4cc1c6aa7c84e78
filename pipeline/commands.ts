import { readFile } from 'node:fs/promises';
import type { CliIo } from './cli.js';
import { resolveRunConfig, resolveStatbankSettings, type RawRunOptions } from './config.js';
import { ConfigError, FetchError } from './errors.js';
import { describeDataset, formatObservations } from './statbank/jsonstat-format.js';
import { parseJsonStat, parseJsonStatText } from './statbank/jsonstat.js';
import { withLock } from './io/lock.js';
import { createProgress } from './io/progress.js';
import { createStatbankClient } from './statbank/client.js';

/**
 * The CLI's commands other than `run`: each validates its settings first, then does one thing. Loaded only when
 * one of them is asked for, so `briefing run` doesn't pay for them.
 */

export async function fetchCommand(flags: RawRunOptions, env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const config = resolveRunConfig({ ...flags, offline: false }, env, io.cwd);
  const [{ fetchTables }, { loadTablesConfig }] = await Promise.all([import('./fetch.js'), import('./store/tables.js')]);
  const tables = await loadTablesConfig(config.statbank.tablesPath);
  const client = createStatbankClient({
    baseUrl: config.statbank.baseUrl,
    requestTimeoutMs: config.statbank.requestTimeoutMs,
    maxTotalWaitMs: config.statbank.maxTotalWaitMs,
  });
  const progress = createProgress(io.write);
  const outcome = await withLock(config.dataDir, 'briefing fetch', () =>
    progress.stage('fetch', () => fetchTables({ dataDir: config.dataDir, tables, client, force: config.force, now: new Date(), log: progress.info }), (o) => o.status),
  );
  if (outcome.status !== 'offline') io.write(outcome.message);
  return 0;
}

export async function sendCommand(id: string | undefined, flags: RawRunOptions, env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const config = resolveRunConfig({ ...flags, email: true }, env, io.cwd);
  const { latestEdition } = await import('./archive.js');
  const { sendBriefing } = await import('./send.js');
  const ids: string[] = [];
  if (id) ids.push(id);
  else {
    for (const lang of config.langs) {
      const latest = await latestEdition(config.outDir, lang);
      if (!latest) throw new ConfigError(`There is no ${lang} edition in ${config.outDir}/editions yet. Run \`npm run report\` first.`);
      ids.push(latest.id);
    }
  }
  const progress = createProgress(io.write);
  await withLock(config.dataDir, 'briefing send', async () => {
    for (const editionId of ids) {
      await progress.stage(
        'email',
        () => sendBriefing({ outDir: config.outDir, editionId, mail: config.mail!, dryRun: config.dryRun, effects: { log: (l) => io.write(`  ${l}`) } }),
        (r) => (config.dryRun ? `${r.eml?.length ?? 0} .eml written (dry run)` : `${editionId} sent to ${r.sent.length}, ${r.alreadySent.length} had it already`),
      );
    }
  });
  return 0;
}

export async function scheduleCommand(flags: RawRunOptions & { once?: boolean }, env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const config = resolveRunConfig(flags, env, io.cwd);
  const { defaultSchedule, installSignalHandlers, startScheduler, validateSchedule } = await import('./schedule.js');
  const { runPipeline } = await import('./run.js');
  const { nextRelease } = await import('./statbank/release.js');
  const cron = env.BRIEFING_CRON || defaultSchedule.cron;
  const timezone = env.BRIEFING_TIMEZONE || defaultSchedule.timezone;
  validateSchedule(cron, timezone);
  const log = (line: string) => io.write(line);
  io.write(`schedule "${cron}" (${timezone}); languages ${config.langs.join(',')}${config.email ? `; mail to ${config.mail!.to.length} recipient(s)` : ''}`);
  const scheduler = startScheduler({
    cron,
    timezone,
    lockDir: config.dataDir,
    once: flags.once ?? false,
    log,
    tick: async () => {
      const progress = createProgress((line) => log(`  ${line}`));
      const outcome = await runPipeline(config, { progress, now: () => new Date() });
      const release = await nextRelease({ now: new Date(), statistic: 'iktbrukn', url: env.SSB_RSS_URL, log: (l: string) => log(`  ${l}`) });
      const ids = outcome.editions.map((e) => e.id).join(', ');
      const sentTo = outcome.sent.reduce((n, s) => n + s.recipients.length, 0);
      const nextReleaseText = release ? `; next release ${release.date}` : '';
      if (sentTo > 0) return { kind: 'sent', detail: `${ids} sent to ${sentTo} recipient(s)${nextReleaseText}`, nextRelease: release?.date };
      if (outcome.status === 'new-edition') return { kind: 'new-edition', detail: `new edition ${ids}${nextReleaseText}`, nextRelease: release?.date };
      return { kind: 'unchanged', detail: `unchanged (${outcome.fetch?.status ?? 'offline'}); ${ids}${nextReleaseText}`, nextRelease: release?.date };
    },
  });
  installSignalHandlers(scheduler, log);
  await scheduler.done;
  return 0;
}

export async function inspectCommand(tableId: string | undefined, env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  if (!tableId || !/^\d{5}$/.test(tableId)) {
    throw new ConfigError(`inspect: give a StatBank table id of five digits, e.g. \`briefing inspect 10977\` (got "${tableId ?? ''}").`);
  }
  const settings = resolveStatbankSettings(env, io.cwd);
  const client = createStatbankClient({ baseUrl: settings.baseUrl, requestTimeoutMs: settings.requestTimeoutMs, maxTotalWaitMs: settings.maxTotalWaitMs });
  const metadata = await client.metadata(tableId);
  io.write(describeDataset(parseJsonStat(metadata.body, { table: tableId, origin: metadata.url })));
  return 0;
}

export async function jsonstatCommand(source: string | undefined, format: string | undefined, io: CliIo): Promise<number> {
  if (!source) throw new ConfigError('jsonstat: give a JSON-stat file or URL, e.g. `briefing jsonstat test/fixtures/ssb/v2/03024_data_POST_no_jsonstat2.json`.');
  const chosen = format ?? 'csv';
  if (chosen !== 'csv' && chosen !== 'json') throw new ConfigError(`--format: "${chosen}" is not a format; use csv or json.`);
  let text: string | Uint8Array;
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source, { signal: AbortSignal.timeout(30_000), headers: { accept: 'application/json' } }).catch((error: unknown) => {
      throw new FetchError(`Cannot fetch ${source}: ${(error as Error).message}.`, { url: source, cause: error });
    });
    if (!response.ok) throw new FetchError(`Request failed with status ${response.status}: GET ${source}.`, { url: source, status: response.status });
    text = new Uint8Array(await response.arrayBuffer());
  } else {
    text = await readFile(source).catch((error: NodeJS.ErrnoException) => {
      throw new ConfigError(`jsonstat: cannot read ${source} (${error.code ?? error.message}).`, { path: source });
    });
  }
  const dataset = parseJsonStatText(text, { origin: source });
  process.stdout.write(formatObservations(dataset, chosen));
  return 0;
}
