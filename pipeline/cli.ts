#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveRunConfig, type RawRunOptions } from './config.js';
import { BriefingError, ConfigError } from './errors.js';
import { withLock } from './io/lock.js';
import { loadDotEnv } from './mail-config.js';
import { createProgress } from './io/progress.js';

/**
 * `briefing <command> [options]`: the command-line entry. Parses flags, runs one command, and maps every failure
 * to one clear line and an exit code (stacks with --debug). Commands that touch data/ or the archive hold the
 * lock on data/, the same one the scheduler takes, so two runs never interleave.
 */

const usage = `Usage: briefing <command> [options]

Commands:
  run                   Fetch from SSB if the figures changed, build the briefing, archive it as an edition
                        and write output/briefing-<lang>.html and .pdf (npm run report)
  fetch                 Only fetch from SSB's StatBank and update data/
  send [edition-id]     Mail an archived edition (default: the latest of each --lang) to MAIL_TO
  schedule              Run \`run\` on a schedule (BRIEFING_CRON, BRIEFING_TIMEZONE) until stopped
  inspect <table-id>    Print a StatBank table's dimensions, codes and labels
  jsonstat <file|url>   Print a JSON-stat 2.0 document's cells, one row per cell
  help                  Show this help

Options:
  --year YYYY           The year the briefing is about (default: the latest year in the dataset)
  --lang nn|nb|en       Language(s), comma-separated (default: nn)
  --out DIR             Output folder (default: output/)
  --data DIR            Folder holding dataset.json and tables.json (default: data/)
  --offline             Never touch the network; build from data/ as it is
  --force               Fetch and build a new edition even if nothing changed
  --email               Mail the edition to MAIL_TO (SMTP_* settings; see README)
  --dry-run             With --email or send: write .eml files instead of sending
  --once                With schedule: run one tick now and exit
  --format json|csv     With jsonstat (default: csv)
  --debug               Show stack traces with errors
  -h, --help            Show this help

Environment: PUPPETEER_EXECUTABLE_PATH, BRIEFING_PRINT_TIMEOUT_MS, SSB_API_URL, SSB_TIMEOUT_MS,
SSB_RETRY_BUDGET_MS, SMTP_URL or SMTP_HOST/SMTP_PORT/SMTP_USER/SMTP_PASS, SMTP_SECURE, SMTP_STARTTLS, MAIL_FROM,
MAIL_TO, MAIL_SUBJECT_PREFIX, BRIEFING_CRON, BRIEFING_TIMEZONE. A .env file in the working folder is read.
`;

const options = {
  year: { type: 'string' },
  lang: { type: 'string' },
  out: { type: 'string' },
  data: { type: 'string' },
  offline: { type: 'boolean' },
  force: { type: 'boolean' },
  email: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  once: { type: 'boolean' },
  format: { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface CliIo {
  write: (line: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const { write } = io;
  let debug = argv.includes('--debug');
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new ConfigError(`${(error as Error).message}. Run \`briefing --help\` for the options.`);
    }
    const { values, positionals } = parsed;
    debug = values.debug ?? false;
    const [command, ...rest] = positionals;
    if (!command || command === 'help' || values.help) {
      write(usage);
      return command || values.help ? 0 : 2;
    }
    const env = loadDotEnv(join(io.cwd, '.env'), io.env);
    const flags = values as RawRunOptions & { once?: boolean; format?: string };
    switch (command) {
      case 'run':
        return await runCommand(flags, env, io);
      case 'fetch':
        return await (await import('./commands.js')).fetchCommand(flags, env, io);
      case 'send':
        return await (await import('./commands.js')).sendCommand(rest[0], flags, env, io);
      case 'schedule':
        return await (await import('./commands.js')).scheduleCommand(flags, env, io);
      case 'inspect':
        return await (await import('./commands.js')).inspectCommand(rest[0], env, io);
      case 'jsonstat':
        return await (await import('./commands.js')).jsonstatCommand(rest[0], flags.format, io);
      default:
        throw new ConfigError(`Unknown command "${command}". Run \`briefing --help\` for the commands.`);
    }
  } catch (error) {
    return report(error, debug);
  }
}

async function runCommand(flags: RawRunOptions, env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const config = resolveRunConfig(flags, env, io.cwd);
  const { runPipeline } = await import('./run.js');
  const progress = createProgress(io.write);
  const started = performance.now();
  const outcome = await withLock(config.dataDir, 'briefing run', () => runPipeline(config, { progress, now: () => new Date() }));
  const peakMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const pages = outcome.editions.map((e) => `${e.lang} ${e.pageCount} pages`).join(', ');
  const verdict = outcome.status === 'unchanged' ? 'unchanged, no new edition' : 'new edition';
  io.write(`Briefing for ${outcome.year} (${pages}; ${verdict}) in ${Math.round(performance.now() - started)} ms, peak memory ${peakMb} MB:`);
  for (const e of outcome.editions) io.write(`  ${e.dir}`);
  for (const file of outcome.files) io.write(`  ${file}`);
  return 0;
}

function report(error: unknown, debug: boolean): number {
  const code = error instanceof BriefingError ? error.exitCode : 1;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`✗ ${message}\n`);
  if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  if (!(error instanceof BriefingError) && !debug) process.stderr.write('  (an unexpected error: run again with --debug for the stack)\n');
  return code;
}

function defaultIo(): CliIo {
  return { write: (line) => process.stdout.write(line + '\n'), env: process.env, cwd: process.cwd() };
}

// Run when started as a program (also through npm's bin symlink), not when imported by a test.
const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    // Every file is written and the browser closed by now: exit at once rather than wait for idle keep-alive
    // sockets (stdout and stderr are synchronous for files and pipes on Linux, so nothing is cut off).
    process.exit(code);
  });
}
