import { readFileSync } from 'node:fs';
import { s } from './store/schema.js';
import { ConfigError } from './errors.js';
import { addressKey } from './io/smtp.js';

/**
 * Mail settings from the environment (and an optional .env file), validated once, before anything is sent.
 * A missing or bad setting fails with a ConfigError naming the variable and what to set. The password never
 * appears in a message: values that may hold it (SMTP_URL, SMTP_PASS) are never echoed.
 */

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

const address = s.string().email();
const port = s.coerceNumber().int().min(1).max(65_535);

/**
 * `env` plus the KEY=VALUE lines of the file at `path` (when it exists), real environment variables winning.
 * Lines: blank, `# comment`, `KEY=value`, `export KEY=value`, values optionally in '…' (literal) or "…" (\n, \", \\
 * understood); an unquoted value ends at ` #`. Returns a new object; `env` is not changed.
 */
export function loadDotEnv(path: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...env };
    throw new ConfigError(`Cannot read ${path} (${(error as NodeJS.ErrnoException).code}). Fix its permissions or remove it.`, { path, cause: error });
  }
  const parsed: Record<string, string> = {};
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    // The line itself is not quoted back: it may hold a password.
    if (!match) throw new ConfigError(`${path} line ${i + 1} is not KEY=VALUE. Fix or remove that line.`, { path, line: i + 1 });
    parsed[match[1]!] = unquote(match[2]!);
  }
  return { ...parsed, ...definedOnly(env) };
}

function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(value);
  if (!quoted) return value.replace(/\s+#.*$/, '');
  if (quoted[1] === "'") return quoted[2]!;
  return quoted[2]!.replace(/\\([n"\\])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function definedOnly(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
}

/** The mail settings, or a ConfigError naming the first variable that is missing or wrong. */
export function resolveMailConfig(env: NodeJS.ProcessEnv): MailConfig {
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
    if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') fail('SMTP_URL', `must start with smtp:// or smtps:// (it starts with ${parsed.protocol}//).`);
    if (!parsed.hostname) fail('SMTP_URL', 'has no host: write it as smtp://user:password@host:587.');
    host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    secureDefault = parsed.protocol === 'smtps:';
    portNumber = parsed.port ? Number(parsed.port) : secureDefault ? 465 : 587;
    if (parsed.username || parsed.password) {
      if (!parsed.username || !parsed.password) fail('SMTP_URL', 'holds a user without a password (or the reverse): give both, smtp://user:password@host, or neither.');
      auth = { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) };
    }
  } else {
    host = get('SMTP_HOST') ?? fail('SMTP_HOST', 'is not set: give the mail server, e.g. SMTP_HOST=smtp.example.no (or the whole SMTP_URL=smtp://user:password@smtp.example.no:587).');
    const p = port.safeParse(get('SMTP_PORT') ?? 587);
    portNumber = p.success ? p.data : fail('SMTP_PORT', `"${env.SMTP_PORT}" is not a port: give a whole number from 1 to 65535, e.g. SMTP_PORT=587.`);
    secureDefault = portNumber === 465;
    const user = get('SMTP_USER');
    const pass = env.SMTP_PASS; // a password may begin or end with a space: taken as is
    if (user && !pass) fail('SMTP_PASS', 'is not set but SMTP_USER is: give the password for that user, or unset SMTP_USER.');
    if (pass && !user) fail('SMTP_USER', 'is not set but SMTP_PASS is: give the user name that goes with the password.');
    if (user && pass) auth = { user, pass };
  }

  const secureText = get('SMTP_SECURE')?.toLowerCase();
  if (secureText !== undefined && !['true', 'false'].includes(secureText)) fail('SMTP_SECURE', `"${env.SMTP_SECURE}" must be true (implicit TLS, usually port 465) or false (plain, then STARTTLS).`);
  const secure = secureText === undefined ? secureDefault : secureText === 'true';
  const starttls = (get('SMTP_STARTTLS')?.toLowerCase() ?? 'opportunistic') as StartTls;
  if (!['require', 'opportunistic', 'off'].includes(starttls)) fail('SMTP_STARTTLS', `"${env.SMTP_STARTTLS}" must be require, opportunistic or off.`);

  const from = get('MAIL_FROM') ?? fail('MAIL_FROM', 'is not set: give the sender, e.g. MAIL_FROM=briefing@example.no or MAIL_FROM="SSB-briefing <briefing@example.no>".');
  const fromAddress = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  if (!address.safeParse(fromAddress.trim()).success) fail('MAIL_FROM', `"${from}" is not an e-mail address: give one, e.g. MAIL_FROM=briefing@example.no.`);

  const toText = get('MAIL_TO') ?? fail('MAIL_TO', 'is not set: give the recipients, comma-separated, e.g. MAIL_TO=ola@example.no,kari@example.no');
  const to: string[] = [];
  for (const entry of toText.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!address.safeParse(entry).success) fail('MAIL_TO', `holds "${entry}", which is not an e-mail address: give plain addresses, comma-separated, e.g. MAIL_TO=ola@example.no,kari@example.no`);
    const key = addressKey(entry);
    if (key === null) fail('MAIL_TO', `holds "${entry}", whose domain is not a valid domain name: check its spelling.`);
    // One mailbox spelled twice (Ola@EXÄMPLE.no, ola@xn--exmple-cua.no) is mailed once.
    if (!to.some((t) => addressKey(t) === key)) to.push(entry);
  }
  if (to.length === 0) fail('MAIL_TO', 'is empty: give the recipients, comma-separated, e.g. MAIL_TO=ola@example.no,kari@example.no');

  const ms = (name: string, fallback: number): number => {
    const text = get(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < 1000 || value > 3_600_000) fail(name, `"${text}" is not a time: give a whole number of milliseconds between 1000 and 3600000.`);
    return value;
  };
  const prefix = env.MAIL_SUBJECT_PREFIX ?? '';
  return {
    host, port: portNumber, secure, starttls, auth, from, to,
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
      const pattern = escapeRegExp(form);
      out = out.replace(new RegExp(form.length >= 8 ? pattern : `(?<![\\p{L}\\p{N}@_.+-])${pattern}(?![\\p{L}\\p{N}@_+-]|\\.[\\p{L}\\p{N}])`, 'gu'), '***');
    }
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
