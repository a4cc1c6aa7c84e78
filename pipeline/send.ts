import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Handlebars from 'handlebars';
import MailComposer from 'nodemailer/lib/mail-composer';
import pRetry, { AbortError } from 'p-retry';
import * as v from 'valibot';
import { ConfigError, DeliveryError, OutputError, TemplateError } from './errors.js';
import { writeFileAtomic } from './io/atomic.js';
import { readJsonFile } from './io/json-file.js';
import { templatesDir } from './io/paths.js';
import { addressKey, deliver, describeReply, envelopeAddress, type SmtpOutcome, type SmtpServer } from './io/smtp.js';
import { redact, type MailConfig } from './config.js';
import { openAlerts, openOutbox, readOutbox, type Outbox, type RecipientRecord } from './store/outbox.js';
import { formatDate, languages, type Lang } from './text/format.js';
import { phrasebooks } from './text/index.js';

export { redact, resolveMailConfig, type MailConfig } from './config.js';
export { formatOutbox, readOutbox } from './store/outbox.js';

/**
 * `sleep` waits between attempts (a timer cut short by `stop`); `log` gets redacted lines; `now` is the time recorded.
 * After `stop` no new message is started; after `abort` the message on the wire is abandoned at once.
 */
export interface SendEffects {
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
  now?: () => Date;
  stop?: AbortSignal;
  abort?: AbortSignal;
  /** TLS settings for the server (a private CA in tests). */
  tls?: SmtpServer['tls'];
}

export interface SendOptions {
  outDir: string;
  editionId: string;
  mail: MailConfig;
  /** Write `<outDir>/editions/<id>/outbox/<recipient>.eml` for each recipient not yet reached, instead of sending; nothing is recorded. */
  dryRun?: boolean;
  /** Send again to these recipients (or every recipient in MAIL_TO), whatever the outbox says: a person's word. */
  resend?: 'all' | readonly string[];
  /** Attempts per recipient in this run, and the first backoff (ms), doubled after each. @default { attempts: 3, baseDelayMs: 500 } */
  retry?: { attempts?: number; baseDelayMs?: number };
  /** The run's deadline (epoch ms): no message is started after it, and none runs past it. */
  deadline?: number;
  effects?: SendEffects;
}

/** `uncertain`: may or may not have the message, never resent on their own; `unsent`: not tried in this call. */
export interface SendResult {
  sent: string[];
  alreadySent: string[];
  /** `earlier`: refused for good by an earlier run and not tried again. */
  failed: { recipient: string; code?: string; reason: string; permanent: boolean; earlier?: boolean }[];
  uncertain: string[];
  unsent: string[];
  stopped?: 'signal' | 'deadline' | 'server';
  /** Dry run: the .eml files written. */
  eml?: string[];
}

type Failure = ReturnType<typeof describeFailure>;

/** A failed attempt at one recipient, as thrown inside p-retry. */
class FailedAttempt extends Error {
  constructor(readonly failure: Failure) {
    super(failure.reason);
  }
}

/**
 * Mail edition `editionId` (its PDF) to everyone in `mail.to` who does not have it yet, one message each, every step
 * fsynced to the outbox before it goes on the wire. A message that may have arrived is `uncertain`, never resent on its
 * own; a temporary failure is retried with backoff (and by the next run), a 5xx is final for that recipient, a problem
 * with the server itself stops the run. Throws DeliveryError (exit 10) at the end when anyone failed or is uncertain,
 * or the server or the deadline stopped the run. The caller holds the lock over the output folder (io/lock.ts).
 */
export async function sendEdition(options: SendOptions): Promise<SendResult> {
  const { outDir, editionId, mail, deadline, effects = {} } = options;
  const { stop } = effects;
  const log = (line: string) => effects.log?.(redact(line, mail));
  const now = effects.now ?? (() => new Date());
  const sleep = effects.sleep ?? ((ms: number) => delay(ms, undefined, { signal: stop }).catch(() => undefined));
  const attempts = Math.max(1, options.retry?.attempts ?? 3);
  const backoff = (attempt: number) => (options.retry?.baseDelayMs ?? 500) * 2 ** (attempt - 1);

  const edition = await readEdition(outDir, editionId);
  const compose = await messageFor(edition, mail);
  const recipients = uniqueRecipients(mail.to);
  const resend = resendKeys(options.resend, recipients);
  const from = envelopeAddress(plainAddress(mail.from));
  // The same for every message of this edition to this recipient, so a deliberate resend is one message to a mail client that removes duplicates.
  const messageIdOf = (r: Recipient) => `<${editionId}.${hash(r.key, 20)}@${domainOf(from)}>`;

  if (options.dryRun) {
    const records = (await readOutbox(outDir)).find((e) => e.editionId === editionId)?.recipients ?? [];
    const alreadySent = recipients.filter((r) => !resend.has(r.key) && records.some((s) => s.key === r.key && s.state === 'sent'));
    const folder = join(outDir, 'editions', editionId, 'outbox');
    await mkdir(folder, { recursive: true });
    const eml: string[] = [];
    for (const r of recipients.filter((r) => !alreadySent.includes(r))) {
      const path = join(folder, `${r.address.replace(/[^\w.@+-]/g, '_')}.eml`);
      await writeFileAtomic(path, await compose(r.address, messageIdOf(r), now()));
      log(`${r.address}: dry run, written to ${path}`);
      eml.push(path);
    }
    return { sent: [], alreadySent: alreadySent.map((r) => r.address), failed: [], uncertain: [], unsent: [], eml };
  }

  const outbox = await openOutbox(outDir, editionId, now);
  await settle(outbox, edition, recipients, resend, log);

  const result: SendResult = { sent: [], alreadySent: [], failed: [], uncertain: [], unsent: [] };
  const report: Report = { doubts: [], hints: [] };
  const todo: Recipient[] = [];
  for (const r of recipients) {
    const record = outbox.get(r.key)!;
    if (record.state === 'sent') {
      result.alreadySent.push(r.address);
      log(`${r.address}: already sent edition ${editionId}, skipped`);
    } else if (record.state === 'uncertain') {
      result.uncertain.push(r.address);
      report.doubts.push(`${r.address} (since an earlier run: ${record.note})`);
      log(`${r.address}: uncertain since an earlier run (${record.note}); not resent on its own`);
    } else if (record.state === 'failed' && record.failure?.permanent) {
      const { code, reason } = record.failure;
      result.failed.push({ recipient: r.address, ...(code ? { code } : {}), reason, permanent: true, earlier: true });
      report.hints.push(
        'The server refused it for good in an earlier run: fix the cause (the address in MAIL_TO, or the message), then `briefing send --resend <address>`.',
      );
      log(`${r.address}: refused for good by an earlier run (${reason}); not tried again`);
    } else todo.push(r);
  }

  /** Up to `attempts` tries at `r` through p-retry, each failure recorded: at once after `sending` was recorded, else once it is final. */
  const tryToSend = async (r: Recipient, messageId: string, message: Buffer) => {
    const recordFailure = ({ permanent, reason, code, reply }: Failure) =>
      outbox.record({ event: 'failed', recipient: r.address, key: r.key, permanent, reason, code, reply });
    let tries = 0;
    const attempt = async (n: number) => {
      tries = n;
      const outcome = await deliver({
        server: { ...mail, tls: effects.tls },
        timeouts: timeoutsWithin(mail.timeouts, deadline),
        from,
        to: envelopeAddress(r.address),
        message,
        signal: effects.abort,
        beforeData: async () => void (await outbox.record({ event: 'sending', recipient: r.address, key: r.key, messageId })),
        beforeFinalDot: async () => void (await outbox.record({ event: 'final-dot', recipient: r.address, key: r.key })),
      });
      if (outcome.status === 'accepted' || outcome.status === 'uncertain') return outcome;
      const failure = describeFailure(outcome, mail);
      const lastTry = !failure.retryable || n >= attempts || stopReason(stop, deadline) !== undefined;
      log(`${r.address}: attempt ${n} of ${attempts} failed (${failure.reason})${lastTry ? '' : `; retrying in ${backoff(n)} ms`}`);
      if (outbox.get(r.key)?.state === 'sending' || lastTry) await recordFailure(failure);
      throw lastTry ? new AbortError(new FailedAttempt(failure)) : new FailedAttempt(failure);
    };
    try {
      const outcome = await pRetry(attempt, {
        retries: attempts - 1,
        // The waits are taken in onFailedAttempt, through sleep, so tests need no real time.
        minTimeout: 0,
        async onFailedAttempt({ error, attemptNumber }) {
          if (!(error instanceof FailedAttempt)) throw error; // the outbox could not be written, or a hook failed: never retried
          await sleep(backoff(attemptNumber));
          // A stop or the deadline that came during the wait ends the retries: no new message is started after it.
          const stopped = stopReason(stop, deadline);
          if (!stopped) return;
          log(`${r.address}: ${stopWords[stopped]}: not retrying`);
          if (outbox.get(r.key)?.state !== 'failed') await recordFailure(error.failure);
          throw error;
        },
      });
      return { outcome };
    } catch (error) {
      if (!(error instanceof FailedAttempt)) throw error;
      return { failure: error.failure, tries };
    }
  };

  for (const [index, r] of todo.entries()) {
    const stopped = stopReason(stop, deadline);
    if (stopped) {
      const rest = todo.slice(index).map((t) => t.address);
      result.stopped = stopped;
      result.unsent.push(...rest);
      log(`${stopWords[stopped]}: not sending to ${rest.join(', ')}`);
      break;
    }
    const messageId = messageIdOf(r);
    const { outcome, failure, tries } = await tryToSend(r, messageId, await compose(r.address, messageId, now()));
    if (failure) {
      result.failed.push({ recipient: r.address, ...(failure.code ? { code: failure.code } : {}), reason: failure.reason, permanent: failure.permanent });
      report.hints.push(failure.hint);
      if (!failure.serverWide) continue;
      report.server = { recipient: r.address, reason: failure.reason, attempts: tries };
      result.unsent.push(...todo.slice(index + 1).map((t) => t.address));
      result.stopped = 'server';
      break;
    }
    if (outcome.status === 'uncertain') {
      const reason = redact(outcome.reason, mail);
      await outbox.record({ event: 'uncertain', recipient: r.address, key: r.key, reason, code: outcome.code });
      log(`${r.address}: uncertain: ${reason}; not resent on its own`);
      result.uncertain.push(r.address);
      report.doubts.push(`${r.address} (${reason})`);
      continue;
    }
    const reply = redact(describeReply(outcome.reply), mail);
    await outbox.record({ event: 'sent', recipient: r.address, key: r.key, reply }).catch((error: unknown) => {
      throw new OutputError(
        `${r.address} was sent edition ${editionId} (${messageId}), but that could not be recorded: ${(error as Error).message} ` +
          `The outbox shows ${r.address} as past the final dot, which the next send reports as uncertain and never resends on its own; ` +
          `once you have checked with them, \`briefing outbox --confirm ${r.address}\` records it as sent.`,
        { path: outbox.path, editionId, recipient: r.address, cause: error },
      );
    });
    log(`${r.address}: sent (${messageId}; ${reply})`);
    result.sent.push(r.address);
  }

  if (result.failed.length || result.uncertain.length || result.stopped === 'server' || result.stopped === 'deadline') {
    throw deliveryError(editionId, outbox.path, result, report);
  }
  return result;
}

/**
 * `briefing outbox --confirm <address>`: record that the listed recipients have edition `editionId` (they said so),
 * so an uncertain one becomes sent and is never mailed again. Returns the records changed.
 */
export async function confirmDelivery(options: { outDir: string; editionId: string; recipients: readonly string[] }): Promise<RecipientRecord[]> {
  const outbox = await openOutbox(options.outDir, options.editionId);
  const changed: RecipientRecord[] = [];
  for (const address of options.recipients) {
    const key = addressKey(address);
    const record = key === null ? undefined : outbox.get(key);
    if (!record) {
      throw new ConfigError(
        `${address} is not in the outbox of edition ${options.editionId} (${outbox.path}). Give an address listed by \`briefing outbox\`.`,
        { value: address },
      );
    }
    changed.push(await outbox.record({ event: 'confirmed', recipient: record.recipient, key: record.key, reason: 'confirmed as delivered by a person' }));
  }
  return changed;
}

// --- alerts ------------------------------------------------------------------------------------------------------

/**
 * Tell a person: log the alert, and mail it to `admin` (MAIL_ADMIN) once per incident (a key stable while it lasts,
 * "tick-failed"). The incident is recorded in `<outDir>/outbox/alerts.jsonl` before the mail goes out, so a crash
 * can't make it twice. Never throws: a failure to alert is logged, and the next call for the incident tries again.
 */
export async function sendAlert(options: {
  admin?: string | undefined;
  mail?: MailConfig | undefined;
  incident: string;
  subject: string;
  text: string;
  outDir: string;
  effects?: Pick<SendEffects, 'log'>;
}): Promise<'sent' | 'already-alerted' | 'logged-only' | 'failed' | 'uncertain'> {
  const { admin, mail, incident, effects = {} } = options;
  const log = (line: string) => {
    try {
      effects.log?.(redact(line, mail ?? { auth: undefined }));
    } catch {
      // a log that can't be written must not turn an alert into a crash
    }
  };
  log(`ALERT [${incident}] ${options.subject}: ${options.text.replace(/\s+/g, ' ').trim()}`);
  if (!admin || !mail) {
    log('  (no MAIL_ADMIN set: the alert is only logged)');
    return 'logged-only';
  }
  try {
    const alerts = await openAlerts(options.outDir);
    const open = alerts.get(incident);
    if (open?.state === 'open') {
      log(`  (${admin} was alerted about this incident at ${open.alertedAt}: not mailed again)`);
      return 'already-alerted';
    }
    const from = envelopeAddress(plainAddress(mail.from));
    const date = new Date();
    const message = await composeMessage({
      from: mail.from,
      to: admin,
      subject: `${mail.subjectPrefix}${options.subject}`,
      text: `${options.text.trim()}\n\nIncident: ${incident}\nYou get one mail per incident; the next comes once this one is over and a new one begins.\n`,
      // Unique per mail: a later incident under the same key must not look like a duplicate to a mail client.
      messageId: `<alert.${hash(incident, 12)}.${date.getTime().toString(36)}@${domainOf(from)}>`,
      date,
    });
    await alerts.record({ event: 'sending', incident, subject: options.subject });
    const outcome = await deliver({ server: mail, timeouts: mail.timeouts, from, to: envelopeAddress(admin), message });
    if (outcome.status === 'accepted') {
      await alerts.record({ event: 'sent', incident });
      log(`  (mailed to ${admin})`);
      return 'sent';
    }
    if (outcome.status === 'uncertain') {
      log(`  (may have reached ${admin}: ${outcome.reason}; counted as given)`);
      return 'uncertain';
    }
    const reason = redact(outcome.reason, mail);
    await alerts.record({ event: 'failed', incident, reason });
    log(`  (could not mail ${admin}: ${reason}; the next alert for this incident tries again)`);
    return 'failed';
  } catch (error) {
    log(`  (could not mail the alert: ${(error as Error).message})`);
    return 'failed';
  }
}

/** The incident is over: the next alert under the same key mails the admin again. Never throws. */
export async function resolveIncident(options: { outDir: string; incident: string; effects?: Pick<SendEffects, 'log'> }): Promise<boolean> {
  const { incident, effects } = options;
  try {
    const alerts = await openAlerts(options.outDir);
    if (alerts.get(incident)?.state !== 'open') return false;
    await alerts.record({ event: 'resolved', incident });
    effects?.log?.(`incident [${incident}] resolved`);
    return true;
  } catch (error) {
    effects?.log?.(`could not record incident [${incident}] as resolved: ${(error as Error).message}`);
    return false;
  }
}

// --- the message -------------------------------------------------------------------------------------------------

/** What the message needs from the edition's manifest.json (archive.ts writes more). */
const editionSchema = v.looseObject({
  id: v.string(),
  lang: v.picklist(languages),
  year: v.number(),
  headline: v.string(),
  keyFigures: v.array(v.object({ value: v.string(), label: v.string() })),
  /** The date the figures were published (YYYY-MM-DD or ISO), null when unknown. */
  editionDate: v.optional(v.nullable(v.string()), null),
  generatedAt: v.optional(v.string()),
  /** The statistic's page on ssb.no; editions archived before it was recorded have none. */
  statisticUrl: v.optional(v.string()),
  /** Recipients recorded in the manifest before the outbox existed: taken over as sent. */
  sent: v.optional(v.array(v.looseObject({ recipient: v.string(), at: v.optional(v.string()), messageId: v.optional(v.string()) }))),
});
type MailEdition = v.InferOutput<typeof editionSchema> & { pdf: Uint8Array };

const mailWords: Record<Lang, { attached: string; licence: string }> = {
  nn: { attached: 'Heile briefingen ligg ved som PDF', licence: 'Lisens:' },
  nb: { attached: 'Hele briefingen ligger ved som PDF', licence: 'Lisens:' },
  en: { attached: 'The full briefing is attached as a PDF', licence: 'Licence:' },
};

/**
 * The edition's message, its bodies filled from templates/mail/text.hbs and html.hbs (the HTML one escapes every
 * value, the text one none): a function of the recipient that gives the bytes that go after DATA (CRLF line ends).
 */
async function messageFor(edition: MailEdition, mail: MailConfig): Promise<(to: string, messageId: string, date: Date) => Promise<Buffer>> {
  const { lang } = edition;
  const ui = phrasebooks[lang].ui;
  const attachment = `ssb-briefing-${edition.year}-${lang}.pdf`;
  const context = {
    lang,
    headline: edition.headline,
    keyFigures: edition.keyFigures,
    keyFiguresHeading: ui.keyFigures,
    ...mailWords[lang],
    attachment,
    source: ui.source,
    statisticUrl: edition.statisticUrl,
    licenceUrl: 'https://creativecommons.org/licenses/by/4.0/',
  };
  const handlebars = Handlebars.create();
  const fill = async (name: string, noEscape: boolean) => {
    const path = join(templatesDir, 'mail', name);
    const source = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new TemplateError(`Cannot read ${path} (${error.code}); nothing was sent. Restore templates/mail/ from git.`, { path, cause: error });
    });
    try {
      return handlebars.compile(source, { noEscape, strict: true })(context);
    } catch (error) {
      throw new TemplateError(`${path} could not be filled for edition ${edition.id}: ${(error as Error).message}. Nothing was sent.`, { path, cause: error });
    }
  };
  const text = await fill('text.hbs', true);
  const html = await fill('html.hbs', false);
  const published = edition.editionDate ?? edition.generatedAt;
  const subject = `${mail.subjectPrefix}${edition.headline}${published ? ` (${formatDate(published, lang)})` : ''}`;
  return async (to, messageId, date) => {
    const attachments = [{ filename: attachment, content: Buffer.from(edition.pdf), contentType: 'application/pdf' }];
    return composeMessage({ from: mail.from, to, subject, text, html, attachments, messageId, date });
  };
}

/** A message's bytes as they go after DATA, with CRLF line ends. */
async function composeMessage(fields: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  const raw = await new MailComposer(fields).compile().build();
  return Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** `<outDir>/editions/<id>/manifest.json` and briefing.pdf, as archive.ts writes them. */
async function readEdition(outDir: string, id: string): Promise<MailEdition> {
  const dir = join(outDir, 'editions', id);
  if (!/^[\w-]+$/.test(id)) throw new OutputError(`"${id}" is not an edition id; nothing was sent.`, { editionId: id });
  const manifest = await readJsonFile(join(dir, 'manifest.json'), editionSchema, {
    advice: 'Nothing was sent.',
    fail: (message, context) => new OutputError(message, { path: context.path, editionId: id, cause: context.cause }),
  }).catch(async (error: unknown) => {
    if (((error as OutputError).cause as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') throw error;
    const names = await readdir(join(outDir, 'editions')).catch(() => [] as string[]);
    const known = names.length ? `Editions there: ${names.sort().join(', ')}.` : 'There are no editions there yet: run the briefing first.';
    throw new OutputError(`Edition "${id}" does not exist in ${join(outDir, 'editions')}; nothing was sent. ${known}`, { path: dir, editionId: id });
  });
  if (manifest.id !== id) {
    throw new OutputError(`${join(dir, 'manifest.json')} is for edition ${manifest.id}, not ${id}; nothing was sent. Run the briefing again.`, {
      path: dir,
      editionId: id,
    });
  }
  const path = join(dir, 'briefing.pdf');
  const pdf = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new OutputError(`Cannot read the edition's PDF ${path} (${error.code}); nothing was sent. Run the briefing again to rebuild the edition.`, {
      path,
      cause: error,
    });
  });
  return { ...manifest, pdf };
}

// --- recipients and the outbox -----------------------------------------------------------------------------------

/** MAIL_TO without the second spelling of a mailbox (domain case, IDNA, local-part case): the first spelling, and its addressKey(). */
function uniqueRecipients(to: readonly string[]) {
  const seen = new Map<string, { address: string; key: string }>();
  for (const address of to) {
    const key = addressKey(address);
    if (key === null) {
      throw new ConfigError(`MAIL_TO holds "${address}", whose domain is not a valid domain name; nothing was sent. Fix the address.`, {
        setting: 'MAIL_TO',
        value: address,
      });
    }
    if (!seen.has(key)) seen.set(key, { address: address.trim(), key });
  }
  return [...seen.values()];
}
type Recipient = ReturnType<typeof uniqueRecipients>[number];

function resendKeys(resend: SendOptions['resend'], recipients: Recipient[]): Set<string> {
  if (resend === 'all') return new Set(recipients.map((r) => r.key));
  const keyOf = (address: string) => {
    const key = addressKey(address);
    if (key !== null && recipients.some((r) => r.key === key)) return key;
    throw new ConfigError(
      `--resend: ${address} is not a recipient in MAIL_TO (${recipients.map((r) => r.address).join(', ')}); nothing was sent. ` +
        'Give an address from MAIL_TO, or all.',
      { setting: 'resend', value: address },
    );
  };
  return new Set((resend ?? []).map(keyOf));
}

/**
 * Bring the outbox up to date before sending: recipients the manifest says were sent (before the outbox existed) are
 * taken over as sent; what a stopped run left in `sending` is settled (before the final dot: queued again; after it:
 * uncertain); a person's resend re-queues; new recipients are queued.
 */
async function settle(outbox: Outbox, edition: MailEdition, recipients: Recipient[], resend: Set<string>, log: (line: string) => void): Promise<void> {
  if (outbox.list().length === 0) {
    for (const entry of edition.sent ?? []) {
      const key = addressKey(entry.recipient);
      if (key === null || outbox.get(key)) continue;
      await outbox.record({
        event: 'sent',
        recipient: entry.recipient,
        key,
        reason: 'recorded as sent in the edition manifest',
        messageId: entry.messageId,
        at: entry.at && !Number.isNaN(Date.parse(entry.at)) ? new Date(entry.at).toISOString() : undefined,
      });
    }
  }
  for (const { state, finalDot, recipient, key } of outbox.list()) {
    if (state !== 'sending') continue;
    if (finalDot) {
      await outbox.record({ event: 'uncertain', recipient, key, reason: "an earlier run stopped after the final dot, before the server's reply was recorded" });
      log(`${recipient}: an earlier run stopped after the final dot: uncertain`);
    } else {
      await outbox.record({ event: 'interrupted', recipient, key, reason: 'an earlier run stopped before the final dot: the message was not delivered' });
    }
  }
  for (const r of recipients) {
    const record = outbox.get(r.key);
    if (resend.has(r.key) && record) {
      await outbox.record({ event: 'resend', recipient: r.address, key: r.key, reason: `resend requested by a person (was ${record.state})` });
      log(`${r.address}: resend requested (was ${record.state})`);
    } else if (!record) {
      await outbox.record({ event: 'queued', recipient: r.address, key: r.key });
    }
  }
}

// --- failures ----------------------------------------------------------------------------------------------------

/**
 * `retryable`: worth another attempt in this run; `permanent`: final for this recipient; `serverWide`: about the server
 * or the sender, so the next recipient would fail alike; `reply`: the server's refusal; `hint`: what to do.
 */
function describeFailure(outcome: Extract<SmtpOutcome, { status: 'rejected' | 'not-sent' }>, mail: MailConfig) {
  const serverWide = ['connect', 'greeting', 'ehlo', 'starttls', 'auth', 'mail'].includes(outcome.phase);
  const reason = redact(outcome.reason, mail);
  const rejected = outcome.status === 'rejected';
  return {
    retryable: !outcome.permanent,
    // A login or a sender refused for good is about the settings: the next send, with them fixed, tries again.
    permanent: outcome.permanent && !serverWide,
    serverWide,
    reason,
    code: rejected ? String(outcome.reply.code) : outcome.code,
    reply: rejected ? reason : undefined,
    hint: hintFor(outcome, serverWide, `${mail.host}:${mail.port}`),
  };
}

/** What a person can do about a failure: by whether the server answered, at which phase, and whether for good. */
function hintFor({ status, phase, permanent }: Parameters<typeof describeFailure>[0], serverWide: boolean, server: string): string {
  if (status === 'not-sent') {
    return permanent
      ? `Check the mail settings (SMTP_HOST, SMTP_PORT, SMTP_SECURE, SMTP_STARTTLS, the server's certificate) against the server ${server}.`
      : `Could not talk to the mail server ${server}: check SMTP_HOST/SMTP_PORT (or SMTP_URL), SMTP_SECURE and that the server is up; the next send tries again.`;
  }
  if (phase === 'auth') return `The server ${server} refused the login: check SMTP_USER and SMTP_PASS (or the user and password in SMTP_URL).`;
  if (!permanent) return `The server ${server} deferred it: the next send tries again.`;
  if (phase === 'mail') return `The server ${server} refused the sender: check MAIL_FROM.`;
  if (phase === 'rcpt') return 'The server refused the address for good: check it in MAIL_TO, then `briefing send --resend <address>`.';
  if (serverWide) return `The server ${server} refused for good: read its answer and fix the settings.`;
  return 'The server refused the message for good: read its answer, fix the cause, then `briefing send --resend <address>`.';
}

/** What the error message needs beyond the result: why each uncertain recipient is, what to do, the server problem that stopped the run. */
interface Report {
  doubts: string[];
  hints: string[];
  server?: { recipient: string; reason: string; attempts: number };
}

function deliveryError(editionId: string, path: string, result: SendResult, { doubts, hints, server }: Report): DeliveryError {
  const reached = [...result.sent.map((r) => `${r} (now)`), ...result.alreadySent.map((r) => `${r} (earlier)`)];
  const failed = result.failed.map((f) => `${f.recipient} (${f.permanent ? 'for good' : 'for now'}${f.earlier ? ', in an earlier run' : ''}: ${f.reason})`);
  const parts = [
    server
      ? `Sending edition ${editionId} to ${server.recipient} failed after ${server.attempts === 1 ? '1 attempt' : `${server.attempts} attempts`}: ${server.reason}; nothing more was sent, since the server would fail everyone alike.`
      : `Edition ${editionId} did not reach everyone.`,
    `Sent to: ${reached.join(', ') || 'nobody'}.`,
    failed.length ? `Failed: ${failed.join('; ')}.` : '',
    ...new Set(hints), // one for each failure
    doubts.length
      ? `Uncertain: ${doubts.join('; ')}: the connection was lost or timed out after the whole message was sent, so it may have arrived. ` +
        'They are never mailed again on their own: ask them, then `briefing send --resend <address>` if it did not arrive, or `briefing outbox --confirm <address>` if it did.'
      : '',
    result.unsent.length ? `Not tried: ${result.unsent.join(', ')}.` : '',
    `The outbox ${path} records each recipient's state; sending again mails only those not reached (refused ones and uncertain ones need --resend).`,
  ];
  const first = result.failed[0];
  return new DeliveryError(parts.filter(Boolean).join(' '), {
    editionId,
    ...(first ? { recipient: first.recipient } : {}),
    ...(first?.code ? { code: first.code } : {}),
    ...(first?.code && /^\d{3}$/.test(first.code) ? { responseCode: Number(first.code) } : {}),
    sent: result.sent,
    alreadySent: result.alreadySent,
    failed: result.failed.map((f) => f.recipient),
    uncertain: result.uncertain,
    unsent: result.unsent,
  });
}

// --- small helpers -----------------------------------------------------------------------------------------------

const stopWords = { signal: 'stop requested', deadline: 'the run reached its deadline' };

function stopReason(stop: AbortSignal | undefined, deadline: number | undefined): 'signal' | 'deadline' | undefined {
  if (stop?.aborted) return 'signal';
  if (deadline !== undefined && Date.now() >= deadline) return 'deadline';
  return undefined;
}

/** The message's timeouts, its deadline cut to what is left of the run's (at least 1 s, so a message can end cleanly). */
function timeoutsWithin(timeouts: MailConfig['timeouts'], deadline: number | undefined): MailConfig['timeouts'] {
  if (deadline === undefined) return timeouts;
  return { ...timeouts, messageDeadlineMs: Math.max(1000, Math.min(timeouts.messageDeadlineMs, deadline - Date.now())) };
}

/** `briefing@example.no` from `SSB-briefing <briefing@example.no>`. */
function plainAddress(from: string): string {
  return (/<([^<>]+)>\s*$/.exec(from)?.[1] ?? from).trim();
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}
