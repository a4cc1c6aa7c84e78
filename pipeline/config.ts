import { isAbsolute, resolve } from 'node:path';
import { s } from './store/schema.js';
import { ConfigError } from './errors.js';
import { isLang, languages, type Lang } from './text/format.js';
import { resolveMailConfig, type MailConfig } from './mail-config.js';
import { defaultDataDir, defaultOutDir, templatesDir } from './io/paths.js';

/**
 * The run's settings, from command-line flags and the environment, validated once before any side effect.
 * A bad value fails with a message naming the setting, the value and how to fix it.
 */

export interface RunConfig {
  /** Languages to produce, in order. @default ['nn'] */
  langs: Lang[];
  /** The year the briefing is about. @default the latest year in the dataset */
  year?: number;
  /** Where briefing-<lang>.html/.pdf are written. @default output/ */
  outDir: string;
  /** The folder holding dataset.json. @default data/ */
  dataDir: string;
  templatesDir: string;
  /** Chromium binary; @default PUPPETEER_EXECUTABLE_PATH or Puppeteer's configured browser */
  chromiumPath?: string;
  /** Time allowed for each browser step (launch, load, print). @default 30000 (ms) */
  printTimeoutMs: number;
  /** Print stacks with errors. */
  debug: boolean;
  /** Fetch and build a new edition even when SSB's figures and the archive are unchanged. */
  force: boolean;
  /** Never touch the network: build from the dataset in data/. */
  offline: boolean;
  /** Mail each new (or not yet fully sent) edition; `mail` holds the validated SMTP settings. */
  email: boolean;
  /** With email: write the .eml files instead of sending. */
  dryRun: boolean;
  mail?: MailConfig;
  statbank: StatbankSettings;
}

export interface StatbankSettings {
  /** PxWebApi v2 base URL. @default https://data.ssb.no/api/pxwebapi/v2 (env SSB_API_URL) */
  baseUrl: string;
  /** Per request. @default 20000 (ms) (env SSB_TIMEOUT_MS) */
  requestTimeoutMs: number;
  /** Total time retries may wait. @default 30000 (ms) (env SSB_RETRY_BUDGET_MS) */
  maxTotalWaitMs: number;
  /** The tables and their measure mapping. @default data/tables.json */
  tablesPath: string;
  /**
   * SSB's release calendar (RSS), for the next release date. @default https://www.ssb.no/rss/statkal (env
   * SSB_RSS_URL); with SSB_API_URL pointing elsewhere (a local server), `<its origin>/rss/statkal`.
   */
  rssUrl: string;
}

export interface RawRunOptions {
  lang?: string;
  year?: string;
  out?: string;
  data?: string;
  debug?: boolean;
  force?: boolean;
  offline?: boolean;
  email?: boolean;
  'dry-run'?: boolean;
}

const timeoutSchema = s.coerceNumber().int().min(1000).max(600_000);

export function resolveRunConfig(flags: RawRunOptions, env: NodeJS.ProcessEnv, cwd: string): RunConfig {
  const langs = (flags.lang ?? env.BRIEFING_LANG ?? 'nn').split(',').map((l) => l.trim().toLowerCase()).filter(Boolean);
  for (const lang of langs) {
    if (!isLang(lang)) {
      throw new ConfigError(`--lang: "${lang}" is not a language of the briefing. Use one of ${languages.join(', ')} (or several, comma-separated).`, { setting: 'lang', value: lang });
    }
  }
  if (langs.length === 0) throw new ConfigError(`--lang: no language given. Use one of ${languages.join(', ')}.`, { setting: 'lang' });
  let year: number | undefined;
  if (flags.year !== undefined) {
    if (!/^\d{4}$/.test(flags.year)) throw new ConfigError(`--year: "${flags.year}" is not a year. Give four digits, e.g. --year 2013.`, { setting: 'year', value: flags.year });
    year = Number(flags.year);
  }
  const timeout = timeoutSchema.safeParse(env.BRIEFING_PRINT_TIMEOUT_MS?.trim() || 30_000); // empty: unset, as CI often passes it
  if (!timeout.success) {
    throw new ConfigError(`BRIEFING_PRINT_TIMEOUT_MS: "${env.BRIEFING_PRINT_TIMEOUT_MS}" must be a whole number of milliseconds between 1000 and 600000.`, { setting: 'BRIEFING_PRINT_TIMEOUT_MS' });
  }
  const path = (value: string | undefined, fallback: string) => (value ? (isAbsolute(value) ? value : resolve(cwd, value)) : fallback);
  const email = flags.email ?? false;
  const dataDir = path(flags.data ?? env.BRIEFING_DATA, defaultDataDir);
  return {
    langs: [...new Set(langs)] as Lang[],
    year,
    outDir: path(flags.out ?? env.BRIEFING_OUT, defaultOutDir),
    dataDir,
    templatesDir,
    chromiumPath: env.PUPPETEER_EXECUTABLE_PATH || undefined,
    printTimeoutMs: timeout.data,
    debug: flags.debug ?? false,
    force: flags.force ?? false,
    offline: flags.offline ?? isTrue(env.BRIEFING_OFFLINE),
    email,
    dryRun: flags['dry-run'] ?? false,
    // Mail settings are checked before any work, so a missing one can't fail a run after the PDF is printed.
    mail: email ? resolveMailConfig(env) : undefined,
    statbank: resolveStatbankSettings(env, dataDir),
  };
}

export function resolveStatbankSettings(env: NodeJS.ProcessEnv, dataDir: string): StatbankSettings {
  const baseUrl = env.SSB_API_URL || 'https://data.ssb.no/api/pxwebapi/v2';
  if (!/^https?:\/\/[^/]+/.test(baseUrl)) {
    throw new ConfigError(`SSB_API_URL: "${baseUrl}" is not an http(s) URL. Unset it to use https://data.ssb.no/api/pxwebapi/v2.`, { setting: 'SSB_API_URL' });
  }
  const ms = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const parsed = s.coerceNumber().int().min(min).max(max).safeParse(raw);
    if (!parsed.success) throw new ConfigError(`${name}: "${raw}" must be a whole number of milliseconds between ${min} and ${max}.`, { setting: name });
    return parsed.data;
  };
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    requestTimeoutMs: ms('SSB_TIMEOUT_MS', 20_000, 100, 300_000),
    maxTotalWaitMs: ms('SSB_RETRY_BUDGET_MS', 30_000, 0, 600_000),
    tablesPath: env.BRIEFING_TABLES ? resolve(env.BRIEFING_TABLES) : resolve(dataDir, 'tables.json'),
    rssUrl: env.SSB_RSS_URL || (env.SSB_API_URL ? `${new URL(baseUrl).origin}/rss/statkal` : 'https://www.ssb.no/rss/statkal'),
  };
}

function isTrue(value: string | undefined): boolean {
  return value === '1' || value === 'true' || value === 'yes';
}
