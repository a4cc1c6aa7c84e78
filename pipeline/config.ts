import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import * as v from 'valibot';
import { ConfigError } from './errors.js';
import { firstIssue } from './io/json-file.js';
import { addressKey } from './io/smtp.js';
import { defaultDataRoot, defaultOutRoot, projectRoot, templatesDir } from './io/paths.js';
import { languages, type Lang } from './text/format.js';

/**
 * Every setting, from command-line flags, the environment and an optional `.env` file (flags win over the
 * environment, which wins over `.env`), read and validated once, before anything else happens. A bad value fails
 * with a ConfigError that names the setting, the value (never a password) and how to fix it.
 *
 *   flags ─┐
 *   env ───┼─► one flat record of strings ─► valibot schemas ─► Config
 *   .env ──┘
 */

/** The briefing built when neither --briefing nor BRIEFING says otherwise. */
export const defaultBriefing = 'sosiale-medium';

/** The flags `cli.ts` parses (node:util parseArgs), as strings and booleans. */
export interface Flags {
  briefing?: string;
  data?: string;
  out?: string;
  year?: string;
  lang?: string;
  offline?: boolean;
  force?: boolean;
  email?: boolean;
  'dry-run'?: boolean;
  once?: boolean;
  format?: string;
  debug?: boolean;
  suggest?: boolean;
  resend?: string;
  port?: string;
}

export type StartTls = 'require' | 'opportunistic' | 'off';

export interface MailConfig {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (SMTPS). @default true only for port 465 (or an smtps:// URL) */
  secure: boolean;
  /** STARTTLS on a plain connection: required, used when offered, or never. @default 'opportunistic' */
  starttls: StartTls;
  auth?: { user: string; pass: string };
  from: string;
  to: string[];
  /** Put before every subject; a space is added when it does not end with one. @default '' */
  subjectPrefix: string;
  /** RFC 5321 §4.5.3.2 timeouts, ms. */
  timeouts: {
    /** Connecting and the 220 greeting. @default 300000 (RFC: 5 min) */
    greetingMs: number;
    /** Each command's reply (MAIL, RCPT, DATA). @default 300000 (RFC: 5 min) */
    commandMs: number;
    /** The reply to the final dot, after the whole message was sent. @default 600000 (RFC: 10 min) */
    finalDotMs: number;
    /** One message from connect to its last reply, whatever happens. @default 900000 */
    messageDeadlineMs: number;
  };
}

export interface Config {
  /** The briefing's name (its folder under data/). @default 'sosiale-medium' */
  briefing: string;
  /** The briefing's folder: definition, dataset, history, raw responses. @default data/<briefing>/ */
  dataDir: string;
  /** Where briefing-<lang>.html/.pdf, editions and the outbox go. @default output/<briefing>/ */
  outDir: string;
  templatesDir: string;
  /** Languages to produce, in order. @default ['nn'] */
  langs: Lang[];
  /** The year the briefing is about. @default the latest year with the headline figure */
  year?: number;
  offline: boolean;
  force: boolean;
  email: boolean;
  dryRun: boolean;
  debug: boolean;
  print: {
    /** Chromium binary. @default PUPPETEER_EXECUTABLE_PATH, then .puppeteerrc.cjs, then Puppeteer's own */
    executablePath?: string;
    /** Time for each browser step (launch, load, print), ms. @default 30000 */
    timeoutMs: number;
  };
  statbank: {
    /** PxWebApi v2 root. @default https://data.ssb.no/api/pxwebapi/v2 */
    baseUrl: string;
    /** One request, body included, ms. @default 20000 */
    requestTimeoutMs: number;
    /** Total waiting between retries of one request, ms. @default 30000 */
    retryBudgetMs: number;
    /** SSB's release calendar feed. @default https://www.ssb.no/rss/statkal, or <origin>/rss/statkal with SSB_API_URL */
    rssUrl: string;
  };
  schedule: {
    /** @default '30 8 * * 1-5' (weekdays 08:30) */
    cron: string;
    /** @default 'Europe/Oslo' */
    timezone: string;
    /** Days after an announced release with no new figures before the admin is alerted. @default 2 */
    releaseGraceDays: number;
  };
  /** One whole run (fetch to the last mail), ms; past it the run stops at the next safe point. @default 3600000 */
  runDeadlineMs: number;
  /** The validated mail settings, present when the command mails (run --email, send, outbox). */
  mail?: MailConfig;
  /** Where alerts go (failed ticks, overdue releases). @default none */
  admin?: string;
  /** `preview`'s port on 127.0.0.1. @default 4180 */
  previewPort: number;
}

/** What a command needs beyond the common settings. */
export interface Needs {
  /** Mail settings must be complete (run --email, send). */
  mail?: boolean;
}

/**
 * The environment plus the `.env` file in `cwd` (when there is one), real variables winning. Parsed by Node's
 * own `util.parseEnv`; a file that can't be read is a ConfigError.
 */
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

/** A whole number from `min` to `max`; every check says so in words the setting's message can use ("… is not <that>"). */
const wholeSetting = (unit: string, min: number, max: number) => {
  const words = `a whole number of ${unit} from ${min} to ${max}`;
  return v.pipe(v.string(), v.regex(/^\d+$/, words), v.toNumber(), v.integer(words), v.minValue(min, words), v.maxValue(max, words));
};
const msSetting = (min: number, max: number) => wholeSetting('milliseconds', min, max);
const nameSetting = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a folder name of lower-case letters, digits and hyphens'));
const httpUrl = v.pipe(v.string(), v.url('an http(s) URL'), v.regex(/^https?:\/\//i, 'an http(s) URL'));

/** Read one setting through its schema, or fail naming it. `show: false` keeps the value (a password) out of the message. */
function setting<T>(name: string, raw: string | undefined, schema: v.GenericSchema<string, T>, fallback: T, hint: string, show = true): T {
  if (raw === undefined || raw.trim() === '') return fallback;
  const result = v.safeParse(schema, raw.trim());
  if (result.success) return result.output;
  const { message } = firstIssue(result.issues);
  throw new ConfigError(`${name}: ${show ? `"${raw}" is not ` : 'is not '}${message}. ${hint}`, { setting: name, ...(show ? { value: raw } : {}) });
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes)$/i.test(value.trim());
}

export function resolveConfig(flags: Flags, env: Record<string, string>, cwd: string, needs: Needs = {}): Config {
  const path = (value: string | undefined, fallback: string) => (value ? (isAbsolute(value) ? value : resolve(cwd, value)) : fallback);
  const briefing = setting(
    '--briefing',
    flags.briefing ?? env.BRIEFING,
    nameSetting,
    defaultBriefing,
    `Give the name of a folder under data/, e.g. --briefing ${defaultBriefing} or --briefing kunstig-intelligens.`,
  );

  const langs = (flags.lang ?? env.BRIEFING_LANG ?? 'nn')
    .split(',')
    .map((l) => l.trim().toLowerCase())
    .filter(Boolean);
  if (langs.length === 0) throw new ConfigError(`--lang: no language given. Use one of ${languages.join(', ')}.`, { setting: 'lang' });
  for (const lang of langs) {
    if (!(languages as readonly string[]).includes(lang)) {
      throw new ConfigError(`--lang: "${lang}" is not a language of the briefing. Use one of ${languages.join(', ')} (or several, comma-separated).`, {
        setting: 'lang',
        value: lang,
      });
    }
  }
  let year: number | undefined;
  if (flags.year !== undefined) {
    if (!/^\d{4}$/.test(flags.year))
      throw new ConfigError(`--year: "${flags.year}" is not a year. Give four digits, e.g. --year 2013.`, { setting: 'year', value: flags.year });
    year = Number(flags.year);
  }

  const baseUrl = setting(
    'SSB_API_URL',
    env.SSB_API_URL,
    httpUrl,
    'https://data.ssb.no/api/pxwebapi/v2',
    'Unset it to use https://data.ssb.no/api/pxwebapi/v2.',
  ).replace(/\/+$/, '');
  const email = flags.email ?? false;
  const previewPort = setting(
    '--port',
    flags.port,
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, 'a port number'),
      v.toNumber(),
      v.integer('a port number'),
      v.minValue(0, 'a port number'),
      v.maxValue(65_535, 'a port number'),
    ),
    4180,
    'Give a port from 1024 to 65535, or 0 for any free port.',
  );
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
  const config: Config = {
    briefing,
    dataDir,
    outDir: path(flags.out ?? env.BRIEFING_OUT, join(defaultOutRoot, briefing)),
    templatesDir,
    langs: [...new Set(langs)] as Lang[],
    ...(year === undefined ? {} : { year }),
    offline: flags.offline ?? isTrue(env.BRIEFING_OFFLINE),
    force: flags.force ?? false,
    email,
    dryRun: flags['dry-run'] ?? false,
    debug: flags.debug ?? false,
    print: {
      ...(chromium(env, path) ? { executablePath: chromium(env, path)! } : {}),
      timeoutMs: setting(
        'BRIEFING_PRINT_TIMEOUT_MS',
        env.BRIEFING_PRINT_TIMEOUT_MS,
        msSetting(1000, 600_000),
        30_000,
        'For example BRIEFING_PRINT_TIMEOUT_MS=30000, or unset it for that default.',
      ),
    },
    statbank: {
      baseUrl,
      requestTimeoutMs: setting(
        'SSB_TIMEOUT_MS',
        env.SSB_TIMEOUT_MS,
        msSetting(100, 300_000),
        20_000,
        'For example SSB_TIMEOUT_MS=20000, or unset it for that default.',
      ),
      retryBudgetMs: setting(
        'SSB_RETRY_BUDGET_MS',
        env.SSB_RETRY_BUDGET_MS,
        msSetting(0, 600_000),
        30_000,
        'For example SSB_RETRY_BUDGET_MS=30000, or unset it for that default.',
      ),
      rssUrl: setting(
        'SSB_RSS_URL',
        env.SSB_RSS_URL,
        httpUrl,
        env.SSB_API_URL ? `${new URL(baseUrl).origin}/rss/statkal` : 'https://www.ssb.no/rss/statkal',
        'Unset it to use https://www.ssb.no/rss/statkal.',
      ),
    },
    schedule: {
      cron: env.BRIEFING_CRON?.trim() || '30 8 * * 1-5',
      timezone: env.BRIEFING_TIMEZONE?.trim() || 'Europe/Oslo',
      releaseGraceDays: setting(
        'BRIEFING_RELEASE_GRACE_DAYS',
        env.BRIEFING_RELEASE_GRACE_DAYS,
        wholeSetting('days', 0, 60),
        2,
        'For example BRIEFING_RELEASE_GRACE_DAYS=2, or unset it for that default.',
      ),
    },
    runDeadlineMs: setting(
      'BRIEFING_RUN_DEADLINE_MS',
      env.BRIEFING_RUN_DEADLINE_MS,
      msSetting(10_000, 86_400_000),
      3_600_000,
      'For example BRIEFING_RUN_DEADLINE_MS=3600000 (an hour), or unset it for that default.',
    ),
    previewPort,
  };
  const admin = env.MAIL_ADMIN?.trim();
  if (admin) {
    if (!isEmailAddress(admin))
      throw new ConfigError(`MAIL_ADMIN: "${admin}" is not an e-mail address. Give one, e.g. MAIL_ADMIN=drift@example.no, or unset it.`, {
        setting: 'MAIL_ADMIN',
        value: admin,
      });
    config.admin = admin;
  }
  // Mail settings are checked before any work, so a missing one can't fail a run after the PDF is printed.
  if (email || needs.mail) config.mail = resolveMailConfig(env);
  return config;
}

/**
 * The browser to print with: PUPPETEER_EXECUTABLE_PATH, else what the project's .puppeteerrc.cjs names (a system
 * Chromium), read from the project folder so a run from any working folder finds it; undefined leaves the choice to
 * Puppeteer (its own download).
 */
function chromium(env: Record<string, string>, path: (value: string | undefined, fallback: string) => string): string | undefined {
  if (env.PUPPETEER_EXECUTABLE_PATH?.trim()) return path(env.PUPPETEER_EXECUTABLE_PATH.trim(), '');
  try {
    const rc = createRequire(import.meta.url)(`${projectRoot}/.puppeteerrc.cjs`) as { executablePath?: string };
    return rc.executablePath || undefined;
  } catch {
    return undefined;
  }
}

/** An address as SMTP takes it: local part, @, a domain with a dot (Unicode allowed). */
export function isEmailAddress(text: string): boolean {
  return /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/u.test(text);
}

/** The mail settings, or a ConfigError naming the first variable that is missing or wrong. */
export function resolveMailConfig(env: Record<string, string | undefined>): MailConfig {
  const get = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const fail = (name: string, message: string): never => {
    throw new ConfigError(`${name} ${message}`, { setting: name });
  };
  let host: string;
  let portNumber: number;
  let secureDefault: boolean;
  let auth: MailConfig['auth'];
  const url = get('SMTP_URL');
  if (url && get('SMTP_HOST')) fail('SMTP_URL', 'and SMTP_HOST are both set: set only one (SMTP_URL=smtp://user:pass@host:587, or SMTP_HOST with SMTP_PORT).');
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return fail('SMTP_URL', 'is not a URL: write it as smtp://user:password@host:587 or smtps://user:password@host:465.');
    }
    if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:')
      fail('SMTP_URL', `must start with smtp:// or smtps:// (it starts with ${parsed.protocol}//).`);
    if (!parsed.hostname) fail('SMTP_URL', 'has no host: write it as smtp://user:password@host:587.');
    host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    secureDefault = parsed.protocol === 'smtps:';
    portNumber = parsed.port ? Number(parsed.port) : secureDefault ? 465 : 587;
    if (parsed.username || parsed.password) {
      if (!parsed.username || !parsed.password)
        fail('SMTP_URL', 'holds a user without a password (or the reverse): give both, smtp://user:password@host, or neither.');
      auth = { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) };
    }
  } else {
    host =
      get('SMTP_HOST') ??
      fail('SMTP_HOST', 'is not set: give the mail server, e.g. SMTP_HOST=smtp.example.no (or the whole SMTP_URL=smtp://user:password@smtp.example.no:587).');
    const portText = get('SMTP_PORT') ?? '587';
    portNumber =
      /^\d+$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65_535
        ? Number(portText)
        : fail('SMTP_PORT', `"${portText}" is not a port: give a whole number from 1 to 65535, e.g. SMTP_PORT=587.`);
    secureDefault = portNumber === 465;
    const user = get('SMTP_USER');
    const pass = env.SMTP_PASS; // a password may begin or end with a space: taken as is
    if (user && !pass) fail('SMTP_PASS', 'is not set but SMTP_USER is: give the password for that user, or unset SMTP_USER.');
    if (pass && !user) fail('SMTP_USER', 'is not set but SMTP_PASS is: give the user name that goes with the password.');
    if (user && pass) auth = { user, pass };
  }
  const secureText = get('SMTP_SECURE')?.toLowerCase();
  if (secureText !== undefined && !['true', 'false'].includes(secureText))
    fail('SMTP_SECURE', `"${env.SMTP_SECURE}" must be true (implicit TLS, usually port 465) or false (plain, then STARTTLS).`);
  const starttls = (get('SMTP_STARTTLS')?.toLowerCase() ?? 'opportunistic') as StartTls;
  if (!['require', 'opportunistic', 'off'].includes(starttls)) fail('SMTP_STARTTLS', `"${env.SMTP_STARTTLS}" must be require, opportunistic or off.`);

  const from =
    get('MAIL_FROM') ?? fail('MAIL_FROM', 'is not set: give the sender, e.g. MAIL_FROM=briefing@example.no or MAIL_FROM="SSB-briefing <briefing@example.no>".');
  const fromAddress = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  if (!isEmailAddress(fromAddress.trim())) fail('MAIL_FROM', `"${from}" is not an e-mail address: give one, e.g. MAIL_FROM=briefing@example.no.`);
  const toText = get('MAIL_TO') ?? fail('MAIL_TO', 'is not set: give the recipients, comma-separated, e.g. MAIL_TO=ola@example.no,kari@example.no');
  const to: string[] = [];
  for (const entry of toText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!isEmailAddress(entry))
      fail('MAIL_TO', `holds "${entry}", which is not an e-mail address: give plain addresses, comma-separated, e.g. MAIL_TO=ola@example.no,kari@example.no`);
    const key = addressKey(entry);
    if (key === null) fail('MAIL_TO', `holds "${entry}", whose domain is not a valid domain name: check its spelling.`);
    // One mailbox spelled twice (Ola@EXÄMPLE.no, ola@xn--exmple-cua.no) is mailed once.
    if (!to.some((t) => addressKey(t) === key)) to.push(entry);
  }
  if (to.length === 0) fail('MAIL_TO', 'is empty: give the recipients, comma-separated, e.g. MAIL_TO=ola@example.no,kari@example.no');
  const ms = (name: string, fallback: number) =>
    setting(name, env[name], msSetting(1000, 3_600_000), fallback, `For example ${name}=${fallback}, or unset it for that default.`);
  const prefix = env.MAIL_SUBJECT_PREFIX ?? '';
  return {
    host,
    port: portNumber,
    secure: secureText === undefined ? secureDefault : secureText === 'true',
    starttls,
    ...(auth ? { auth } : {}),
    from,
    to,
    subjectPrefix: prefix && !/\s$/.test(prefix) ? `${prefix} ` : prefix,
    timeouts: {
      greetingMs: ms('SMTP_GREETING_TIMEOUT_MS', 300_000),
      commandMs: ms('SMTP_COMMAND_TIMEOUT_MS', 300_000),
      finalDotMs: ms('SMTP_DATA_TIMEOUT_MS', 600_000),
      messageDeadlineMs: ms('SMTP_MESSAGE_DEADLINE_MS', 900_000),
    },
  };
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
