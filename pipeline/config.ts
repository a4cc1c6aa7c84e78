import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { type parseArgs, parseEnv } from 'node:util';
import * as v from 'valibot';
import { ConfigError } from './errors.js';
import { firstIssue } from './io/json-file.js';
import { addressKey } from './io/smtp.js';
import { defaultDataRoot, defaultOutRoot, projectRoot, templatesDir } from './io/paths.js';
import { languages, type Lang } from './text/format.js';

/**
 * Every setting, from flags, the environment and `.env` (in that order of precedence), validated once before anything
 * happens. A bad value is a ConfigError naming the setting, the value (never a password) and how to fix it.
 */

/** Each flag: its type for node:util parseArgs and its line in the usage. */
export const flagOptions = {
  briefing: { type: 'string', usage: '--briefing NAME       The briefing, a folder under data/ (default: sosiale-medium)' },
  year: { type: 'string', usage: '--year YYYY           The year the briefing is about (default: the latest with the headline figure)' },
  lang: { type: 'string', usage: '--lang nn|nb|en       Language(s), comma-separated (default: nn)' },
  out: { type: 'string', usage: '--out DIR             Output folder (default: output/<briefing>/)' },
  data: { type: 'string', usage: "--data DIR            The briefing's data folder (default: data/<briefing>/)" },
  offline: { type: 'boolean', usage: '--offline             Never touch the network; build from the committed data as it is' },
  force: { type: 'boolean', usage: '--force               Fetch, and rebuild the edition even if nothing changed (replaces the archived one)' },
  email: { type: 'boolean', usage: '--email               Mail the edition to MAIL_TO (SMTP_* settings; see README)' },
  'dry-run': { type: 'boolean', usage: '--dry-run             With --email or send: write .eml files instead of sending' },
  resend: { type: 'string', usage: "--resend ADDR|all     With send: mail again to these recipients, on a person's word" },
  confirm: { type: 'string', usage: '--confirm ADDR        With outbox: record that an uncertain recipient has the edition' },
  once: { type: 'boolean', usage: '--once                With schedule: run one tick now and exit' },
  suggest: { type: 'boolean', usage: '--suggest             With inspect: print a definition snippet for the table' },
  port: { type: 'string', usage: '--port N              With preview: the port on 127.0.0.1 (default: 4180)' },
  format: { type: 'string', usage: '--format json|csv     With jsonstat (default: csv)' },
  debug: { type: 'boolean', usage: '--debug               Show stack traces with errors' },
  version: { type: 'boolean', usage: '--version             Print the version' },
  help: { type: 'boolean', short: 'h', usage: '-h, --help            Show this help' },
} as const;

export type Flags = ReturnType<typeof parseArgs<{ options: typeof flagOptions }>>['values'];
export type Config = ReturnType<typeof resolveConfig>;
export type MailConfig = ReturnType<typeof resolveMailConfig>;
type Env = Record<string, string | undefined>;

/** The environment plus the `.env` file in `cwd` (Node's `util.parseEnv`), real variables winning. */
export function environment(cwd: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const path = join(cwd, '.env');
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      throw new ConfigError(`Cannot read ${path} (${code ?? (error as Error).message}). Fix its permissions or remove it.`, { path, cause: error });
    }
  }
  const defined = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return { ...fromFile, ...Object.fromEntries(defined) };
}

/** A whole number from `min` to `max`; every check fails with `words`, which the setting's message uses ("… is not <words>"). */
const wholeNumber = (words: string, min: number, max: number) =>
  v.pipe(v.string(), v.regex(/^\d+$/, words), v.toNumber(), v.minValue(min, words), v.maxValue(max, words));
const ms = (min: number, max: number) => wholeNumber(`a whole number of milliseconds from ${min} to ${max}`, min, max);
/** One of `options`, in any case. */
const oneOf = <const T extends string>(options: T[], words: string) => v.pipe(v.string(), v.toLowerCase(), v.picklist(options, words));
const emailAddress = v.pipe(v.string(), v.check(isEmailAddress, 'an e-mail address'));
const httpUrl = v.pipe(v.string(), v.url('an http(s) URL'), v.regex(/^https?:\/\//i, 'an http(s) URL'));

/** Read one setting through its schema (the fallback when unset or blank), or fail naming it, its value and the fix. */
function setting<T>(name: string, raw: string | undefined, schema: v.GenericSchema<string, T>, fallback: T, hint?: string): T {
  if (raw === undefined || raw.trim() === '') return fallback;
  const result = v.safeParse(schema, raw.trim());
  if (result.success) return result.output;
  hint ??= `For example ${name}=${fallback}, or unset it for that default.`;
  throw new ConfigError(`${name}: "${raw}" is not ${firstIssue(result.issues).message}. ${hint}`, { setting: name, value: raw });
}

/** `a, b,,c` as ['a', 'b', 'c']. */
export const commaList = (text: string) =>
  text
    .trim()
    .split(/\s*,\s*/)
    .filter(Boolean);

/** Every setting a command uses; with `needs.mail` (or --email) the mail settings must be complete. */
export function resolveConfig(flags: Flags, env: Env, cwd: string, needs: { mail?: boolean } = {}) {
  const path = (value: string | undefined, fallback: string) => (value ? (isAbsolute(value) ? value : resolve(cwd, value)) : fallback);
  const fromEnv = <T>(name: string, schema: v.GenericSchema<string, T>, fallback: T, hint?: string) => setting(name, env[name], schema, fallback, hint);
  const defaultBriefing = 'sosiale-medium';
  const briefing = setting(
    '--briefing',
    flags.briefing ?? env.BRIEFING,
    v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a folder name of lower-case letters, digits and hyphens')),
    defaultBriefing,
    `Give the name of a folder under data/, e.g. --briefing ${defaultBriefing} or --briefing kunstig-intelligens.`,
  );
  const langs = commaList(flags.lang ?? env.BRIEFING_LANG ?? 'nn').map((l) => l.toLowerCase());
  if (langs.length === 0) throw new ConfigError(`--lang: no language given. Use one of ${languages.join(', ')}.`, { setting: 'lang' });
  const unknown = langs.find((lang) => !(languages as readonly string[]).includes(lang));
  if (unknown !== undefined) {
    throw new ConfigError(`--lang: "${unknown}" is not a language of the briefing. Use one of ${languages.join(', ')} (or several, comma-separated).`, {
      setting: 'lang',
      value: unknown,
    });
  }
  // Unlike the other settings, a blank --year is an error: a script's unset "$YEAR" must not build another year.
  if (flags.year !== undefined && !/^\d{4}$/.test(flags.year))
    throw new ConfigError(`--year: "${flags.year}" is not a year. Give four digits, e.g. --year 2013.`, { setting: 'year', value: flags.year });
  const year = flags.year === undefined ? undefined : Number(flags.year);
  const statbankV2 = 'https://data.ssb.no/api/pxwebapi/v2';
  const ssbRss = 'https://www.ssb.no/rss/statkal';
  const baseUrl = fromEnv('SSB_API_URL', httpUrl, statbankV2, `Unset it to use ${statbankV2}.`).replace(/\/+$/, '');
  const previewPort = setting('--port', flags.port, wholeNumber('a port number', 0, 65_535), 4180, 'Give a port from 1024 to 65535, or 0 for any free port.');
  const dataDir = path(flags.data ?? env.BRIEFING_DATA, join(defaultDataRoot, briefing));
  if (!(flags.data ?? env.BRIEFING_DATA) && !existsSync(dataDir)) {
    // A misspelt name, not a damaged folder: say which briefings there are.
    const known = readdirSync(defaultDataRoot, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(defaultDataRoot, d.name, 'briefing.json')))
      .map((d) => d.name);
    throw new ConfigError(
      `--briefing: there is no briefing "${briefing}" in ${defaultDataRoot}${known.length ? ` (there are ${known.join(', ')})` : ''}. ` +
        "Give one of them, or the briefing's folder with --data.",
      { setting: 'briefing', value: briefing, path: dataDir },
    );
  }
  const email = flags.email ?? false;
  return {
    briefing,
    dataDir,
    outDir: path(flags.out ?? env.BRIEFING_OUT, join(defaultOutRoot, briefing)),
    templatesDir,
    langs: [...new Set(langs)] as Lang[],
    /** The year the briefing is about; by default the latest year with the headline figure. */
    year,
    offline: flags.offline ?? /^(1|true|yes)$/i.test(env.BRIEFING_OFFLINE?.trim() ?? ''),
    force: flags.force ?? false,
    email,
    dryRun: flags['dry-run'] ?? false,
    debug: flags.debug ?? false,
    print: {
      executablePath: chromium(env, path),
      /** Each browser step (launch, load, print). */
      timeoutMs: fromEnv('BRIEFING_PRINT_TIMEOUT_MS', ms(1000, 600_000), 30_000),
    },
    statbank: {
      baseUrl,
      /** One request, body included. */
      requestTimeoutMs: fromEnv('SSB_TIMEOUT_MS', ms(100, 300_000), 20_000),
      /** Total waiting between retries of one request. */
      retryBudgetMs: fromEnv('SSB_RETRY_BUDGET_MS', ms(0, 600_000), 30_000),
      /** SSB's release calendar feed: the StatBank's origin's when SSB_API_URL is set. */
      rssUrl: fromEnv('SSB_RSS_URL', httpUrl, env.SSB_API_URL ? `${new URL(baseUrl).origin}/rss/statkal` : ssbRss, `Unset it to use ${ssbRss}.`),
    },
    schedule: {
      cron: env.BRIEFING_CRON?.trim() || '30 8 * * 1-5',
      timezone: env.BRIEFING_TIMEZONE?.trim() || 'Europe/Oslo',
      /** Days after an announced release with no new figures before the admin is alerted. */
      releaseGraceDays: fromEnv('BRIEFING_RELEASE_GRACE_DAYS', wholeNumber('a whole number of days from 0 to 60', 0, 60), 2),
    },
    /** One whole run (fetch to the last mail); past it the run stops at the next safe point. */
    runDeadlineMs: fromEnv(
      'BRIEFING_RUN_DEADLINE_MS',
      ms(10_000, 86_400_000),
      3_600_000,
      'For example BRIEFING_RUN_DEADLINE_MS=3600000 (an hour), or unset it for that default.',
    ),
    previewPort,
    /** Where alerts go (failed ticks, overdue releases). */
    admin: fromEnv('MAIL_ADMIN', emailAddress, undefined, 'Give one, e.g. MAIL_ADMIN=drift@example.no, or unset it.'),
    // Checked before any work, so a missing mail setting can't fail a run after the PDF is printed.
    mail: email || needs.mail ? resolveMailConfig(env) : undefined,
  };
}

/**
 * The browser: PUPPETEER_EXECUTABLE_PATH, else the system Chromium the project's .puppeteerrc.cjs names (read from the
 * project folder, so a run from any folder finds it), else undefined: Puppeteer's own download.
 */
function chromium(env: Env, path: (value: string | undefined, fallback: string) => string): string | undefined {
  if (env.PUPPETEER_EXECUTABLE_PATH?.trim()) return path(env.PUPPETEER_EXECUTABLE_PATH.trim(), '');
  try {
    return (createRequire(import.meta.url)(`${projectRoot}/.puppeteerrc.cjs`) as { executablePath?: string }).executablePath || undefined;
  } catch {
    return undefined;
  }
}

/** An address as SMTP takes it: local part, @, a domain with a dot (Unicode allowed). */
function isEmailAddress(text: string): boolean {
  return /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/u.test(text);
}

/** The mail settings, or a ConfigError naming the first variable that is missing or wrong. */
export function resolveMailConfig(env: Env) {
  const get = (name: string) => env[name]?.trim() || undefined;
  const url = get('SMTP_URL');
  if (url && get('SMTP_HOST')) fail('SMTP_URL', 'and SMTP_HOST are both set: set only one (SMTP_URL=smtp://user:pass@host:587, or SMTP_HOST with SMTP_PORT).');
  const server = url ? serverFromUrl(url) : serverFromParts(env, get);
  const tls = 'true (implicit TLS, usually port 465) or false (plain, then STARTTLS)';
  const secure = setting('SMTP_SECURE', env.SMTP_SECURE, oneOf(['true', 'false'], tls), undefined, 'Unset it to choose by the port.');
  const starttls = setting('SMTP_STARTTLS', env.SMTP_STARTTLS, oneOf(['require', 'opportunistic', 'off'], 'require, opportunistic or off'), 'opportunistic');

  const from =
    get('MAIL_FROM') ?? fail('MAIL_FROM', 'is not set: give the sender, e.g. MAIL_FROM=briefing@example.no or MAIL_FROM="SSB-briefing <briefing@example.no>".');
  const fromAddress = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  if (!isEmailAddress(fromAddress.trim())) fail('MAIL_FROM', `"${from}" is not an e-mail address: give one, e.g. MAIL_FROM=briefing@example.no.`);
  const recipients = 'give the recipients, comma-separated, e.g. MAIL_TO=ola@example.no,kari@example.no';
  const to: string[] = [];
  for (const entry of commaList(get('MAIL_TO') ?? fail('MAIL_TO', `is not set: ${recipients}`))) {
    if (!isEmailAddress(entry))
      fail('MAIL_TO', `holds "${entry}", which is not an e-mail address: give plain addresses, comma-separated, e.g. MAIL_TO=ola@example.no,kari@example.no`);
    const key = addressKey(entry);
    if (key === null) fail('MAIL_TO', `holds "${entry}", whose domain is not a valid domain name: check its spelling.`);
    // One mailbox spelled twice (Ola@EXÄMPLE.no, ola@xn--exmple-cua.no) is mailed once.
    if (!to.some((t) => addressKey(t) === key)) to.push(entry);
  }
  if (to.length === 0) fail('MAIL_TO', `is empty: ${recipients}`);
  const timeout = (name: string, fallback: number) => setting(name, env[name], ms(1000, 3_600_000), fallback);
  const prefix = env.MAIL_SUBJECT_PREFIX ?? '';
  return {
    host: server.host,
    port: server.port,
    /** Implicit TLS from the first byte (SMTPS); by default only for port 465 or an smtps:// URL. */
    secure: secure === undefined ? server.secure : secure === 'true',
    /** STARTTLS on a plain connection: required, used when offered, or never. */
    starttls,
    auth: server.auth,
    from,
    to,
    /** Put before every subject, with a space after it. */
    subjectPrefix: prefix && !/\s$/.test(prefix) ? `${prefix} ` : prefix,
    /** RFC 5321 §4.5.3.2 timeouts (5, 5 and 10 minutes), and a limit on one message from connect to its last reply. */
    timeouts: {
      greetingMs: timeout('SMTP_GREETING_TIMEOUT_MS', 300_000),
      commandMs: timeout('SMTP_COMMAND_TIMEOUT_MS', 300_000),
      finalDotMs: timeout('SMTP_DATA_TIMEOUT_MS', 600_000),
      messageDeadlineMs: timeout('SMTP_MESSAGE_DEADLINE_MS', 900_000),
    },
  };
}

/** A mail setting's ConfigError: its name, then what is wrong and how to fix it. */
function fail(name: string, message: string): never {
  throw new ConfigError(`${name} ${message}`, { setting: name });
}

function serverFromUrl(url: string) {
  const parsed = URL.parse(url) ?? fail('SMTP_URL', 'is not a URL: write it as smtp://user:password@host:587 or smtps://user:password@host:465.');
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:')
    fail('SMTP_URL', `must start with smtp:// or smtps:// (it starts with ${parsed.protocol}//).`);
  if (!parsed.hostname) fail('SMTP_URL', 'has no host: write it as smtp://user:password@host:587.');
  const secure = parsed.protocol === 'smtps:';
  if (Boolean(parsed.username) !== Boolean(parsed.password))
    fail('SMTP_URL', 'holds a user without a password (or the reverse): give both, smtp://user:password@host, or neither.');
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
    auth: parsed.username ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } : undefined,
  };
}

function serverFromParts(env: Env, get: (name: string) => string | undefined) {
  const host =
    get('SMTP_HOST') ??
    fail('SMTP_HOST', 'is not set: give the mail server, e.g. SMTP_HOST=smtp.example.no (or the whole SMTP_URL=smtp://user:password@smtp.example.no:587).');
  const port = setting('SMTP_PORT', env.SMTP_PORT, wholeNumber('a port from 1 to 65535', 1, 65_535), 587);
  const user = get('SMTP_USER');
  const pass = env.SMTP_PASS; // a password may begin or end with a space: taken as is
  if (user && !pass) fail('SMTP_PASS', 'is not set but SMTP_USER is: give the password for that user, or unset SMTP_USER.');
  if (pass && !user) fail('SMTP_USER', 'is not set but SMTP_PASS is: give the user name that goes with the password.');
  return { host, port, secure: port === 465, auth: user && pass ? { user, pass } : undefined };
}

/**
 * `text` with the password (as is, URL-encoded and in the base64 forms AUTH PLAIN/LOGIN send) and any URL's
 * credentials replaced by `***`. For every message and log line that could carry something from the server.
 */
export function redact(text: string, config: Pick<MailConfig, 'auth'>): string {
  let out = text.replace(/\b(smtps?:\/\/)[^\s@/]+@/gi, '$1***@');
  const auth = config.auth;
  if (auth?.pass) {
    const forms = new Set([
      auth.pass,
      encodeURIComponent(auth.pass),
      Buffer.from(auth.pass).toString('base64'),
      Buffer.from(`\0${auth.user}\0${auth.pass}`).toString('base64'),
    ]);
    for (const form of [...forms].sort((a, b) => b.length - a.length)) {
      // A short password is replaced only where it stands alone (not inside a word or an address): starring it
      // inside words ("exam***le") would both garble the text and give the password away.
      const pattern = form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      out = out.replace(new RegExp(form.length >= 8 ? pattern : `(?<![\\p{L}\\p{N}@_.+-])${pattern}(?![\\p{L}\\p{N}@_+-]|\\.[\\p{L}\\p{N}])`, 'gu'), '***');
    }
  }
  return out;
}
