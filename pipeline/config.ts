import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { isLang, languages, type Lang } from './lang.js';
import { defaultDataDir, defaultOutDir, templatesDir } from './paths.js';

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
}

export interface RawRunOptions {
  lang?: string;
  year?: string;
  out?: string;
  data?: string;
  debug?: boolean;
}

const timeoutSchema = z.coerce.number().int().min(1000).max(600_000);

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
  const timeout = timeoutSchema.safeParse(env.BRIEFING_PRINT_TIMEOUT_MS ?? 30_000);
  if (!timeout.success) {
    throw new ConfigError(`BRIEFING_PRINT_TIMEOUT_MS: "${env.BRIEFING_PRINT_TIMEOUT_MS}" must be a whole number of milliseconds between 1000 and 600000.`, { setting: 'BRIEFING_PRINT_TIMEOUT_MS' });
  }
  const path = (value: string | undefined, fallback: string) => (value ? (isAbsolute(value) ? value : resolve(cwd, value)) : fallback);
  return {
    langs: [...new Set(langs)] as Lang[],
    year,
    outDir: path(flags.out ?? env.BRIEFING_OUT, defaultOutDir),
    dataDir: path(flags.data ?? env.BRIEFING_DATA, defaultDataDir),
    templatesDir,
    chromiumPath: env.PUPPETEER_EXECUTABLE_PATH || undefined,
    printTimeoutMs: timeout.data,
    debug: flags.debug ?? false,
  };
}
