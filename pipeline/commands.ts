import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commaList, resolveConfig, resolveMailConfig, type Config, type Flags } from './config.js';
import { ConfigError, FetchError } from './errors.js';
import { withLock } from './io/lock.js';
import { ensureWritableDir } from './io/outputs.js';
import { createProgress } from './io/progress.js';
import { installShutdown, type Shutdown } from './io/shutdown.js';
import type { FetchOutcome } from './fetch.js';
import type { ListedTable } from './statbank/client.js';

/**
 * The CLI's commands: each resolves its settings (all of them, validated, before any side effect), takes the lock
 * over the data and output folders when it writes, and calls a stage. Loaded only once the CLI knows the command.
 */

type Env = Record<string, string>;
type Command = (args: string[], flags: Flags, env: Env, io: CliIo) => Promise<number>;

/** What a command may do with the world outside: write lines and data, and know its environment and folder. */
export interface CliIo {
  /** One line of output (a trailing newline is added). */
  write: (line: string) => void;
  /** Raw output for data commands (jsonstat, inspect --suggest): written as it is. */
  out: (text: string) => void;
  /** One line about a failure (standard error, so `briefing jsonstat … > file` still shows it). */
  error: (line: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Every command that writes takes the same lock over both folders, all or none. */
const lockDirs = (config: Config) => [config.dataDir, config.outDir];
/** The lock, with the output folder made first; a missing data folder is a wrong --briefing or --data, and the lock says so. */
const locked = async <T>(config: Config, owner: string, fn: () => Promise<T>) => {
  await ensureWritableDir(config.outDir, 'The output folder');
  return withLock(lockDirs(config), owner, fn);
};

/** `fn` with SIGINT/SIGTERM turned into its stop and abort signals; the handlers are removed afterwards. */
async function withShutdown(io: CliIo, fn: (shutdown: Shutdown) => Promise<number>): Promise<number> {
  const shutdown = installShutdown({ log: io.write });
  try {
    return await fn(shutdown);
  } finally {
    shutdown.dispose();
  }
}

/** The `::warning` annotation GitHub Actions shows on the run's page. */
function annotate(env: Env, io: CliIo, title: string, text: string): void {
  if (env.GITHUB_ACTIONS === 'true') io.write(`::warning title=${title}::${text}`);
}

/** The StatBank client for a run, with the successor lookup a discontinued table needs. */
async function statbankClient(config: Config, log: (line: string) => void) {
  const [{ createStatbankClient }, { findSuccessor }] = await Promise.all([import('./statbank/client.js'), import('./statbank/successor.js')]);
  const client = createStatbankClient({ ...config.statbank, effects: { log: (line) => log(`  ${line}`) } });
  return Object.assign(client, { successorOf: (info: ListedTable) => findSuccessor(client, info) });
}

/** Mail settings for alerts when the run itself doesn't mail: present only if complete. */
function completeMail(env: Env) {
  try {
    return resolveMailConfig(env);
  } catch {
    return undefined;
  }
}

/** The commands by name, as `briefing <name>` runs them. */
export const commands: Record<string, Command> = {
  run: async (_args, flags, env, io) => {
    const config = resolveConfig(flags, env, io.cwd);
    const { runPipeline } = await import('./run.js');
    const progress = createProgress(io.write);
    const started = performance.now();
    return withShutdown(io, async ({ stop, abort, exitCode }) => {
      const outcome = await locked(config, 'briefing run', () =>
        runPipeline(config, { progress, now: () => new Date(), client: () => statbankClient(config, io.write), stop, abort }),
      );
      if (outcome.fetch?.status === 'offline') annotate(env, io, 'StatBank unreachable', outcome.fetch.message);
      for (const warning of outcome.fetch?.warnings ?? []) annotate(env, io, 'StatBank', warning);
      const pages = outcome.editions.map((e) => `${e.lang} ${e.pageCount} pages`).join(', ');
      const verdict = { unchanged: 'unchanged, no new edition', 'new-edition': 'new edition', rebuilt: 'rebuilt for the same figures' }[outcome.status];
      io.write(`Briefing for ${outcome.year} (${pages}; ${verdict}) in ${Math.round(performance.now() - started)} ms:`);
      for (const e of outcome.editions) {
        io.write(`  ${join(config.outDir, `briefing-${e.lang}.html`)}`);
        io.write(`  ${join(config.outDir, `briefing-${e.lang}.pdf`)}`);
      }
      return exitCode() ?? 0;
    });
  },
  fetch: async (_args, flags, env, io) => {
    const config = resolveConfig({ ...flags, offline: false }, env, io.cwd);
    const { fetchAndUpdate, loadData } = await import('./run.js');
    await locked(config, 'briefing fetch', async () => {
      const data = await loadData(config.dataDir);
      const client = await statbankClient(config, io.write);
      const onFetched = (outcome: FetchOutcome) => {
        io.write(outcome.message);
        if (outcome.status === 'offline') annotate(env, io, 'StatBank unreachable', outcome.message);
      };
      await fetchAndUpdate(config, data, { client, progress: createProgress(io.write), now: () => new Date(), onFetched });
    });
    return 0;
  },
  send: async ([id], flags, env, io) => {
    const config = resolveConfig(flags, env, io.cwd, { mail: true });
    const [{ latestEdition }, { sendStage }] = await Promise.all([import('./archive.js'), import('./run.js')]);
    const ids: string[] = [];
    if (id) ids.push(id);
    else {
      for (const lang of config.langs) {
        const latest = await latestEdition(config.outDir, lang);
        if (!latest) throw new ConfigError(`There is no ${lang} edition in ${join(config.outDir, 'editions')} yet. Run \`npm run report\` first.`);
        ids.push(latest.id);
      }
    }
    const resend = flags.resend === undefined ? undefined : flags.resend.trim() === 'all' ? ('all' as const) : commaList(flags.resend);
    const progress = createProgress(io.write);
    const deadline = Date.now() + config.runDeadlineMs;
    return withShutdown(io, async ({ stop, abort, exitCode }) => {
      await locked(config, 'briefing send', async () => {
        for (const editionId of ids) {
          if (stop.aborted) break;
          await sendStage(config, progress, { editionId, deadline, resend, effects: { stop, abort } });
        }
      });
      return exitCode() ?? 0;
    });
  },
  outbox: async (_args, flags, env, io) => {
    const config = resolveConfig(flags, env, io.cwd);
    const { confirmDelivery, formatOutbox, readOutbox } = await import('./send.js');
    if (!flags.confirm) {
      io.write(formatOutbox(await readOutbox(config.outDir)));
      return 0;
    }
    const addresses = commaList(flags.confirm);
    const wanted = new Set(addresses.map((a) => a.toLowerCase()));
    await locked(config, 'briefing outbox --confirm', async () => {
      const editions = (await readOutbox(config.outDir))
        .map((e) => ({ e, which: e.recipients.filter((r) => r.state === 'uncertain' && wanted.has(r.recipient.toLowerCase())).map((r) => r.recipient) }))
        .filter(({ which }) => which.length > 0);
      if (!editions.length)
        throw new ConfigError(`No edition in ${join(config.outDir, 'outbox')} is uncertain for ${addresses.join(', ')}. \`briefing outbox\` lists the states.`);
      for (const { e, which } of editions) {
        await confirmDelivery({ outDir: config.outDir, editionId: e.editionId, recipients: which });
        io.write(`${e.editionId}: recorded as delivered to ${which.join(', ')}`);
      }
    });
    return 0;
  },
  schedule: async (_args, flags, env, io) => {
    const config = resolveConfig(flags, env, io.cwd);
    const [{ installFaultGuards, installSignalHandlers, startScheduler, validateSchedule }, { runPipeline }, { nextRelease }, mail] = await Promise.all([
      import('./schedule.js'),
      import('./run.js'),
      import('./statbank/release.js'),
      import('./send.js'),
    ]);
    const { cron, timezone, releaseGraceDays } = config.schedule;
    validateSchedule(cron, timezone);
    const log = io.write;
    const alert = (a: { incident: string; subject: string; text: string }) =>
      mail.sendAlert({ admin: config.admin, mail: config.mail ?? completeMail(env), ...a, outDir: config.outDir, effects: { log } });
    io.write(
      `schedule "${cron}" (${timezone}); ${config.briefing}; languages ${config.langs.join(',')}${config.email ? `; mail to ${config.mail!.to.length} recipient(s)` : ''}${config.admin ? `; alerts to ${config.admin}` : ''}`,
    );
    const removeGuards = installFaultGuards(log, alert);
    /** The release SSB announced last, and whether new figures came on or after it (for the overdue alert). */
    let announced: { date: string; figuresChanged: boolean } | null = null;
    const scheduler = startScheduler({
      cron,
      timezone,
      lockDir: lockDirs(config),
      once: flags.once ?? false,
      log,
      alert,
      resolve: (incident) => mail.resolveIncident({ outDir: config.outDir, incident, effects: { log } }),
      releaseGraceDays,
      tick: async ({ stop, abort }) => {
        const progress = createProgress((line) => log(`  ${line}`));
        const outcome = await runPipeline(config, { progress, now: () => new Date(), client: () => statbankClient(config, log), stop, abort });
        const now = new Date();
        const today = now.toISOString().slice(0, 10);
        const release = await nextRelease({ now, statistic: 'iktbrukn', url: config.statbank.rssUrl, log: (l: string) => log(`  ${l}`) }).catch(() => null);
        if (announced && outcome.update?.changed && today >= announced.date) announced = { ...announced, figuresChanged: true };
        // A newer announcement replaces the old one only once the old one's day has passed.
        if (release && release.date > today && (!announced || announced.date < today)) announced = { date: release.date, figuresChanged: false };
        const ids = outcome.editions.map((e) => e.id).join(', ');
        const sentTo = outcome.sent.reduce((n, s) => n + s.sent.length, 0);
        const more = { ...(release ? { nextRelease: release.date } : {}), ...(announced && announced.date <= today ? { release: announced } : {}) };
        if (outcome.fetch?.status === 'offline') return { kind: 'unchanged', detail: `StatBank unreachable; built from the committed data: ${ids}`, ...more };
        if (sentTo > 0) return { kind: 'sent', detail: `${ids} sent to ${sentTo} recipient(s)`, ...more };
        if (outcome.status !== 'unchanged') return { kind: 'new-edition', detail: `new edition ${ids}`, ...more };
        return { kind: 'unchanged', detail: `unchanged (${outcome.fetch?.status ?? 'offline'}); ${ids}`, ...more };
      },
    });
    installSignalHandlers(scheduler, log);
    await scheduler.done;
    removeGuards();
    return 0;
  },
  preview: async (_args, flags, env, io) => {
    const config = resolveConfig({ ...flags, offline: true }, env, io.cwd);
    const { startBriefingPreview } = await import('./preview.js');
    const lang = config.langs[0] ?? 'nn';
    return withShutdown(io, async ({ stop }) => {
      const preview = await startBriefingPreview({
        lang,
        dataDir: config.dataDir,
        templatesDir: config.templatesDir,
        port: config.previewPort,
        printTimeoutMs: config.print.timeoutMs,
        log: io.write,
        year: config.year,
        chromiumPath: config.print.executablePath,
      });
      io.write(
        `Preview of ${config.briefing} (${lang}${config.year ? ` ${config.year}` : ''}) at ${preview.url} and its PDF at ${preview.url}pdf. Save a template, ` +
          'stylesheet, chart spec, phrasebook, the definition or the dataset and the page reloads. Ctrl+C stops it.',
      );
      await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
      await preview.close();
      return 0;
    });
  },
  tables: async (args, flags, env, io) => {
    const config = resolveConfig(flags, env, io.cwd);
    const [{ formatTables }, { loadDefinition }] = await Promise.all([import('./statbank/listing.js'), import('./store/definition.js')]);
    const definition = await loadDefinition(config.dataDir).catch(() => null);
    const client = await statbankClient(config, io.write);
    const tables = await client.listTables({ query: args.join(' ').trim() || definition?.statistic.id || 'iktbrukn' });
    const lines = [];
    for (const t of tables) lines.push({ ...t, successor: t.discontinued ? ((await client.successorOf(t).catch(() => null))?.id ?? null) : null });
    io.write(formatTables(lines, { reading: definition?.tables.map((t) => t.id) ?? [] }));
    return 0;
  },
  inspect: async ([tableId], flags, env, io) => {
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
    const metadata = (lang: 'no' | 'en') => client.metadata(tableId, lang).then((m) => parseJsonStat(m.body, { table: tableId, origin: m.url }));
    const metadataNo = await metadata('no');
    if (!flags.suggest) io.write(describeDataset(metadataNo));
    else io.out(`${suggestDefinition({ id: tableId, metadataNo, metadataEn: await metadata('en').catch(() => null) })}\n`);
    return 0;
  },
  jsonstat: async ([source], flags, _env, io) => {
    if (!source)
      throw new ConfigError('jsonstat: give a JSON-stat file or URL, e.g. `briefing jsonstat test/fixtures/ssb/v2/03024_data_POST_no_jsonstat2.json`.');
    const format = flags.format ?? 'csv';
    if (format !== 'csv' && format !== 'json')
      throw new ConfigError(`--format: "${format}" is not a format; use csv or json.`, { setting: 'format', value: format });
    const [{ parseJsonStatText }, { formatObservations }] = await Promise.all([import('./statbank/jsonstat.js'), import('./statbank/jsonstat-format.js')]);
    let text: Uint8Array;
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
    io.out(formatObservations(parseJsonStatText(text, { origin: source }), format));
    return 0;
  },
};
