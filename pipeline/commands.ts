import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveConfig, type Config, type Flags } from './config.js';
import { ConfigError, FetchError } from './errors.js';
import type { StatbankReader } from './fetch.js';
import { withLock } from './io/lock.js';
import { ensureWritableDir } from './io/outputs.js';
import { createProgress, type Progress } from './io/progress.js';
import { installShutdown } from './io/shutdown.js';
import type { Lang } from './briefing/model.js';

/**
 * The CLI's commands: each resolves its settings (all of them, validated, before any side effect), takes the lock
 * over the data and output folders when it writes, and calls a stage. Loaded only once the CLI knows the command.
 */

type Env = Record<string, string>;

/** What a command may do with the world outside: write lines and data, and know its environment and folder. */
export interface CliIo {
  /** One line of output (a trailing newline is added). */
  write: (line: string) => void;
  /** Raw output for data commands (jsonstat, inspect --suggest): written as it is. */
  out: (text: string) => void;
  /** One line about a failure (standard error, so `briefing jsonstat … > file` still shows it); `write` when absent. */
  error?: (line: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Every command that writes takes the same lock over both folders, all or none. */
const lockDirs = (config: Config) => [config.dataDir, config.outDir];
/**
 * The lock over both folders, the output folder made when it isn't there yet (an OutputError naming it when it can't
 * be). A data folder that isn't there is not made: it is a wrong --briefing or --data, and the lock says so.
 */
const locked = async <T>(config: Config, owner: string, fn: () => Promise<T>) => {
  await ensureWritableDir(config.outDir, 'The output folder');
  return withLock(lockDirs(config), owner, fn);
};

/** The StatBank client for a run, with the successor lookup a discontinued table needs. */
async function statbankClient(config: Config, log: (line: string) => void): Promise<StatbankReader & import('./statbank/client.js').StatbankClient> {
  const [{ createStatbankClient }, { findSuccessor }] = await Promise.all([import('./statbank/client.js'), import('./statbank/successor.js')]);
  const client = createStatbankClient({
    baseUrl: config.statbank.baseUrl,
    requestTimeoutMs: config.statbank.requestTimeoutMs,
    retryBudgetMs: config.statbank.retryBudgetMs,
    effects: { log: (line) => log(`  ${line}`) },
  });
  return Object.assign(client, { successorOf: (info: import('./statbank/client.js').TableInfo) => findSuccessor(client, info) });
}

export async function runCommand(flags: Flags, env: Env, io: CliIo): Promise<number> {
  const config = resolveConfig(flags, env, io.cwd);
  const { runPipeline } = await import('./run.js');
  const progress = createProgress(io.write);
  const shutdown = installShutdown({ log: io.write });
  const started = performance.now();
  try {
    const outcome = await locked(config, 'briefing run', () =>
      runPipeline(config, { progress, now: () => new Date(), client: () => statbankClient(config, io.write), stop: shutdown.stop, abort: shutdown.abort }),
    );
    if (outcome.fetch?.status === 'offline' && env.GITHUB_ACTIONS === 'true') io.write(`::warning title=StatBank unreachable::${outcome.fetch.message}`);
    for (const warning of outcome.fetch?.warnings ?? []) if (env.GITHUB_ACTIONS === 'true') io.write(`::warning title=StatBank::${warning}`);
    const pages = outcome.editions.map((e) => `${e.lang} ${e.pageCount} pages`).join(', ');
    const verdict = { unchanged: 'unchanged, no new edition', 'new-edition': 'new edition', rebuilt: 'rebuilt for the same figures' }[outcome.status];
    io.write(`Briefing for ${outcome.year} (${pages}; ${verdict}) in ${Math.round(performance.now() - started)} ms:`);
    for (const e of outcome.editions) {
      io.write(`  ${join(config.outDir, `briefing-${e.lang}.html`)}`);
      io.write(`  ${join(config.outDir, `briefing-${e.lang}.pdf`)}`);
    }
    return shutdown.exitCode() ?? 0;
  } finally {
    shutdown.dispose();
  }
}

export async function fetchCommand(flags: Flags, env: Env, io: CliIo): Promise<number> {
  const config = resolveConfig({ ...flags, offline: false }, env, io.cwd);
  const [{ fetchTables }, { updateDataset }, { loadDefinition }, { parseDataset, readDatasetText }] = await Promise.all([
    import('./fetch.js'),
    import('./update.js'),
    import('./store/definition.js'),
    import('./store/dataset.js'),
  ]);
  const progress = createProgress(io.write);
  await locked(config, 'briefing fetch', async () => {
    const definition = await loadDefinition(config.dataDir);
    const datasetText = await readDatasetText(config.dataDir);
    const dataset = parseDataset(datasetText, join(config.dataDir, 'dataset.json'), definition);
    const client = await statbankClient(config, io.write);
    const outcome = await progress.stage(
      'fetch',
      () => fetchTables({ definition, dataset, client, force: config.force, now: new Date(), log: progress.info }),
      (o) => o.status,
    );
    io.write(outcome.message);
    if (outcome.status === 'offline' && env.GITHUB_ACTIONS === 'true') io.write(`::warning title=StatBank unreachable::${outcome.message}`);
    if (outcome.fetched.length) {
      await progress.stage(
        'update',
        () => updateDataset({ dataDir: config.dataDir, definition, dataset, datasetText, fetched: outcome.fetched, now: new Date() }),
        (u) =>
          u.changed ? u.tables.map((t) => `${t.table}: ${t.added} added, ${t.revised} revised, ${t.withdrawn} withdrawn`).join('; ') : 'no figure changed',
      );
    }
  });
  return 0;
}

export async function sendCommand(id: string | undefined, flags: Flags, env: Env, io: CliIo): Promise<number> {
  const config = resolveConfig(flags, env, io.cwd, { mail: true });
  const [{ latestEdition }, { sendEdition }] = await Promise.all([import('./archive.js'), import('./send.js')]);
  const ids: string[] = [];
  if (id) ids.push(id);
  else {
    for (const lang of config.langs) {
      const latest = await latestEdition(config.outDir, lang);
      if (!latest) throw new ConfigError(`There is no ${lang} edition in ${join(config.outDir, 'editions')} yet. Run \`npm run report\` first.`);
      ids.push(latest.id);
    }
  }
  const resend =
    flags.resend === undefined
      ? undefined
      : flags.resend.trim() === 'all'
        ? ('all' as const)
        : flags.resend
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
  const progress = createProgress(io.write);
  const shutdown = installShutdown({ log: io.write });
  const deadline = Date.now() + config.runDeadlineMs;
  try {
    await locked(config, 'briefing send', async () => {
      for (const editionId of ids) {
        if (shutdown.stop.aborted) break;
        await progress.stage(
          'email',
          () =>
            sendEdition({
              outDir: config.outDir,
              editionId,
              mail: config.mail!,
              dryRun: config.dryRun,
              deadline,
              ...(resend ? { resend } : {}),
              effects: { log: (l) => io.write(`  ${l}`), stop: shutdown.stop, abort: shutdown.abort },
            }),
          (r) =>
            config.dryRun ? `${r.eml?.length ?? 0} .eml written (dry run)` : `${editionId}: sent to ${r.sent.length}, ${r.alreadySent.length} had it already`,
        );
      }
    });
    return shutdown.exitCode() ?? 0;
  } finally {
    shutdown.dispose();
  }
}

export async function outboxCommand(flags: Flags & { confirm?: string }, env: Env, io: CliIo): Promise<number> {
  const config = resolveConfig(flags, env, io.cwd);
  const { confirmDelivery, formatOutbox, readOutbox } = await import('./send.js');
  if (flags.confirm) {
    const addresses = flags.confirm
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    await locked(config, 'briefing outbox --confirm', async () => {
      const editions = (await readOutbox(config.outDir)).filter((e) =>
        e.recipients.some((r) => r.state === 'uncertain' && addresses.some((a) => a.toLowerCase() === r.recipient.toLowerCase())),
      );
      if (!editions.length)
        throw new ConfigError(`No edition in ${join(config.outDir, 'outbox')} is uncertain for ${addresses.join(', ')}. \`briefing outbox\` lists the states.`);
      for (const e of editions) {
        const which = e.recipients
          .filter((r) => r.state === 'uncertain' && addresses.some((a) => a.toLowerCase() === r.recipient.toLowerCase()))
          .map((r) => r.recipient);
        await confirmDelivery({ outDir: config.outDir, editionId: e.editionId, recipients: which });
        io.write(`${e.editionId}: recorded as delivered to ${which.join(', ')}`);
      }
    });
    return 0;
  }
  io.write(formatOutbox(await readOutbox(config.outDir)));
  return 0;
}

export async function scheduleCommand(flags: Flags, env: Env, io: CliIo): Promise<number> {
  const config = resolveConfig(flags, env, io.cwd);
  const [{ installFaultGuards, installSignalHandlers, startScheduler, validateSchedule }, { runPipeline }, { nextRelease }, send] = await Promise.all([
    import('./schedule.js'),
    import('./run.js'),
    import('./statbank/release.js'),
    import('./send.js'),
  ]);
  validateSchedule(config.schedule.cron, config.schedule.timezone);
  const log = (line: string) => io.write(line);
  const alert = (a: { incident: string; subject: string; text: string }) =>
    send.sendAlert({
      admin: config.admin,
      mail: config.mail ?? tryMail(env),
      incident: a.incident,
      subject: a.subject,
      text: a.text,
      outDir: config.outDir,
      effects: { log },
    });
  io.write(
    `schedule "${config.schedule.cron}" (${config.schedule.timezone}); ${config.briefing}; languages ${config.langs.join(',')}${config.email ? `; mail to ${config.mail!.to.length} recipient(s)` : ''}${config.admin ? `; alerts to ${config.admin}` : ''}`,
  );
  const removeGuards = installFaultGuards(log, alert);
  /** The release SSB announced last, and whether new figures came on or after it (for the overdue alert). */
  let announced: { date: string; figuresChanged: boolean } | null = null;
  const scheduler = startScheduler({
    cron: config.schedule.cron,
    timezone: config.schedule.timezone,
    lockDir: lockDirs(config),
    once: flags.once ?? false,
    log,
    alert,
    resolve: (incident) => send.resolveIncident({ outDir: config.outDir, incident, effects: { log } }),
    releaseGraceDays: config.schedule.releaseGraceDays,
    tick: async ({ stop, abort }) => {
      const progress: Progress = createProgress((line) => log(`  ${line}`));
      const outcome = await runPipeline(config, { progress, now: () => new Date(), client: () => statbankClient(config, log), stop, abort });
      const fetchedNew = outcome.update?.changed ?? false;
      const now = new Date();
      const release = await nextRelease({ now, statistic: 'iktbrukn', url: config.statbank.rssUrl, log: (l: string) => log(`  ${l}`) }).catch(() => null);
      if (announced && fetchedNew && now.toISOString().slice(0, 10) >= announced.date) announced = { ...announced, figuresChanged: true };
      if (release && (!announced || release.date > announced.date) && release.date > now.toISOString().slice(0, 10)) {
        // A newer announcement replaces the old one only once the old one's day has passed.
        if (!announced || announced.date < now.toISOString().slice(0, 10)) announced = { date: release.date, figuresChanged: false };
      }
      const ids = outcome.editions.map((e) => e.id).join(', ');
      const sentTo = outcome.sent.reduce((n, s) => n + s.sent.length, 0);
      const next = release ? { nextRelease: release.date } : {};
      const due = announced && announced.date <= now.toISOString().slice(0, 10) ? { release: announced } : {};
      if (outcome.fetch?.status === 'offline')
        return { kind: 'unchanged', detail: `StatBank unreachable; built from the committed data: ${ids}`, ...next, ...due };
      if (sentTo > 0) return { kind: 'sent', detail: `${ids} sent to ${sentTo} recipient(s)`, ...next, ...due };
      if (outcome.status !== 'unchanged') return { kind: 'new-edition', detail: `new edition ${ids}`, ...next, ...due };
      return { kind: 'unchanged', detail: `unchanged (${outcome.fetch?.status ?? 'offline'}); ${ids}`, ...next, ...due };
    },
  });
  installSignalHandlers(scheduler, log);
  await scheduler.done;
  removeGuards();
  return 0;
}

/** Mail settings for alerts when the run itself doesn't mail: present only if complete. */
function tryMail(env: Env) {
  try {
    return resolveConfig({}, env, '.', { mail: true }).mail;
  } catch {
    return undefined;
  }
}

export async function previewCommand(flags: Flags, env: Env, io: CliIo): Promise<number> {
  const config = resolveConfig({ ...flags, offline: true }, env, io.cwd);
  const { startBriefingPreview } = await import('./preview.js');
  const lang: Lang = config.langs[0] ?? 'nn';
  const shutdown = installShutdown({ log: io.write });
  try {
    const preview = await startBriefingPreview({
      lang,
      dataDir: config.dataDir,
      templatesDir: config.templatesDir,
      port: config.previewPort,
      printTimeoutMs: config.print.timeoutMs,
      log: io.write,
      ...(config.year ? { year: config.year } : {}),
      ...(config.print.executablePath ? { chromiumPath: config.print.executablePath } : {}),
    });
    io.write(
      `Preview of ${config.briefing} (${lang}${config.year ? ` ${config.year}` : ''}) at ${preview.url} and its PDF at ${preview.url}pdf. Save a template, ` +
        'stylesheet, chart spec, phrasebook, the definition or the dataset and the page reloads. Ctrl+C stops it.',
    );
    await new Promise<void>((resolve) => shutdown.stop.addEventListener('abort', () => resolve(), { once: true }));
    await preview.close();
    return 0;
  } finally {
    shutdown.dispose();
  }
}

export async function tablesCommand(query: string, flags: Flags, env: Env, io: CliIo): Promise<number> {
  const config = resolveConfig(flags, env, io.cwd);
  const [{ formatTables }, { findSuccessor }, { loadDefinition }] = await Promise.all([
    import('./statbank/listing.js'),
    import('./statbank/successor.js'),
    import('./store/definition.js'),
  ]);
  const definition = await loadDefinition(config.dataDir).catch(() => null);
  const client = await statbankClient(config, io.write);
  const tables = await client.listTables({ query: query.trim() || definition?.statistic.id || 'iktbrukn' });
  const lines = [];
  for (const t of tables) lines.push({ ...t, successor: t.discontinued ? ((await findSuccessor(client, t).catch(() => null))?.id ?? null) : null });
  io.write(formatTables(lines, { reading: definition?.tables.map((t) => t.id) ?? [] }));
  return 0;
}

export async function inspectCommand(tableId: string | undefined, flags: Flags, env: Env, io: CliIo): Promise<number> {
  if (!tableId || !/^\d{5}$/.test(tableId)) {
    throw new ConfigError(`inspect: give a StatBank table id of five digits, e.g. \`briefing inspect 10977\` (got "${tableId ?? ''}").`);
  }
  const config = resolveConfig(flags, env, io.cwd);
  const [{ parseJsonStat }, { describeDataset }, { suggestDefinition }] = await Promise.all([
    import('./statbank/jsonstat.js'),
    import('./statbank/jsonstat-format.js'),
    import('./statbank/suggest.js'),
  ]);
  const client = await statbankClient(config, io.write);
  const metadata = await client.metadata(tableId, 'no');
  const metadataNo = parseJsonStat(metadata.body, { table: tableId, origin: metadata.url });
  if (!flags.suggest) {
    io.write(describeDataset(metadataNo));
    return 0;
  }
  const metadataEn = await client
    .metadata(tableId, 'en')
    .then((m) => parseJsonStat(m.body, { table: tableId, origin: m.url }))
    .catch(() => null);
  io.out(`${suggestDefinition({ id: tableId, metadataNo, metadataEn })}\n`);
  return 0;
}

export async function jsonstatCommand(source: string | undefined, format: string | undefined, io: CliIo): Promise<number> {
  if (!source)
    throw new ConfigError('jsonstat: give a JSON-stat file or URL, e.g. `briefing jsonstat test/fixtures/ssb/v2/03024_data_POST_no_jsonstat2.json`.');
  const chosen = format ?? 'csv';
  if (chosen !== 'csv' && chosen !== 'json')
    throw new ConfigError(`--format: "${chosen}" is not a format; use csv or json.`, { setting: 'format', value: chosen });
  const [{ parseJsonStatText }, { formatObservations }] = await Promise.all([import('./statbank/jsonstat.js'), import('./statbank/jsonstat-format.js')]);
  let text: string | Uint8Array;
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source, { signal: AbortSignal.timeout(30_000), headers: { accept: 'application/json' } }).catch((error: unknown) => {
      throw new FetchError(`Cannot fetch ${source}: ${(error as Error).message}.`, { url: source, cause: error, reason: 'network' });
    });
    if (!response.ok)
      throw new FetchError(`Request failed with status ${response.status}: GET ${source}.`, { url: source, status: response.status, reason: 'status' });
    text = new Uint8Array(await response.arrayBuffer());
  } else {
    text = await readFile(source).catch((error: NodeJS.ErrnoException) => {
      throw new ConfigError(`jsonstat: cannot read ${source} (${error.code ?? error.message}).`, { path: source });
    });
  }
  io.out(formatObservations(parseJsonStatText(text, { origin: source }), chosen));
  return 0;
}
