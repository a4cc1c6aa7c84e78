import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Handlebars from 'handlebars';
import MailComposer from 'nodemailer/lib/mail-composer';
import * as v from 'valibot';
import { ConfigError, DeliveryError, OutputError, TemplateError } from './errors.js';
import { writeFileAtomic } from './io/atomic.js';
import { readJsonFile } from './io/json-file.js';
import { templatesDir } from './io/paths.js';
import { addressKey, deliver, describeReply, envelopeAddress, type SmtpOutcome, type SmtpPhase, type SmtpServer } from './io/smtp.js';
import { redact, type MailConfig } from './config.js';
import { openAlerts, openOutbox, readOutbox, type Outbox, type RecipientRecord } from './store/outbox.js';
import { formatDate, languages, type Lang } from './text/format.js';
import { phrasebooks } from './text/index.js';

export { redact, resolveMailConfig, type MailConfig } from './config.js';
export { formatOutbox, readOutbox, type EditionOutbox, type RecipientRecord } from './store/outbox.js';

/**
 * Mail an edition's PDF briefing, one message per recipient (nobody sees the others), each recipient at most
 * once per edition unless a person asks for it again (`resend`).
 *
 *   read the edition ─► open its outbox (store/outbox.ts) ─► settle what a stopped run left
 *     ─► for each recipient not yet reached:  queued ─► sending ─► final dot ─► sent │ failed │ uncertain
 *     ─► DeliveryError at the end if anyone failed, is uncertain or was not tried
 *
 * Each step is fsynced to the outbox before it goes on the wire, so a run killed at any moment, a full disk or
 * a lost connection never makes the next run mail someone twice: a message that may have arrived (the
 * connection was lost, or the run stopped, after the final dot) is `uncertain` and is never resent on its own.
 * A temporary failure (4xx, a connection problem before the final dot) is retried with backoff, and again by the
 * next run; a 5xx is final for that recipient and does not stop the others. A problem with the server itself
 * (can't connect, login refused) stops the run, since it would fail everyone alike.
 *
 * The caller holds the lock over the output folder (io/lock.ts) for the whole call.
 */

export interface SendEffects {
  /** Wait between attempts. @default a timer, cut short by `stop` */
  sleep?: (ms: number) => Promise<void>;
  /** One line per attempt, outcome and skipped recipient; already redacted. @default nothing */
  log?: (line: string) => void;
  /** Time recorded in the outbox and the Date header. @default new Date() */
  now?: () => Date;
  /** When aborted, no new message is started; the one on the wire is finished and recorded. */
  stop?: AbortSignal;
  /** When aborted, the message on the wire is abandoned at once (recorded as uncertain if past the final dot). */
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
  /** Attempts per recipient within this run (1 = no retry), and the first backoff (ms), doubled after each. @default { attempts: 3, baseDelayMs: 500 } */
  retry?: { attempts?: number; baseDelayMs?: number };
  /** The run's deadline (epoch ms): no message is started after it, and none runs past it. @default none */
  deadline?: number;
  effects?: SendEffects;
}

export interface SendResult {
  /** Reached in this call. */
  sent: string[];
  /** Reached before (the outbox says sent). */
  alreadySent: string[];
  /** Refused or not reachable; `earlier`: refused for good by an earlier run and not tried again. */
  failed: { recipient: string; code?: string; reason: string; permanent: boolean; earlier?: boolean }[];
  /** May or may not have the message: never resent on their own. */
  uncertain: string[];
  /** Not tried in this call (a stop, the deadline, or a server that can't be reached). */
  unsent: string[];
  /** Why the call ended before trying everyone. */
  stopped?: 'signal' | 'deadline' | 'server';
  /** Dry run: the .eml files written. */
  eml?: string[];
}

/**
 * Send edition `editionId` to everyone in `mail.to` who does not have it yet. Never throws for one recipient's
 * failure; throws DeliveryError (exit 10) at the end, after trying everyone reachable, when anyone failed, is
 * uncertain, or was not tried. Throws ConfigError for a `resend` address not in MAIL_TO and OutputError when the
 * edition or the outbox can't be read or written, before sending anything more.
 */
export async function sendEdition(options: SendOptions): Promise<SendResult> {
  const { outDir, editionId, mail } = options;
  const log = (line: string) => options.effects?.log?.(redact(line, mail));
  const now = options.effects?.now ?? (() => new Date());
  const stop = options.effects?.stop;
  const sleep = options.effects?.sleep ?? ((ms: number) => delay(ms, undefined, stop ? { signal: stop } : {}).catch(() => undefined));
  const attempts = Math.max(1, options.retry?.attempts ?? 3);
  const baseDelayMs = options.retry?.baseDelayMs ?? 500;

  const edition = await readEdition(outDir, editionId);
  const templates = await loadTemplates();
  const recipients = uniqueRecipients(mail.to);
  const resend = resendKeys(options.resend, recipients);
  const from = envelopeAddress(plainAddress(mail.from));
  const compose = (r: Recipient) => composeMessage(edition, mail, r.address, { messageId: messageIdFor(editionId, r.key, from), date: now(), templates });

  if (options.dryRun) {
    const records = new Map(((await readOutbox(outDir)).find((e) => e.editionId === editionId)?.recipients ?? []).map((r) => [r.key, r]));
    const folder = join(outDir, 'editions', editionId, 'outbox');
    await mkdir(folder, { recursive: true });
    const eml: string[] = [];
    const alreadySent: string[] = [];
    for (const r of recipients) {
      if (records.get(r.key)?.state === 'sent' && !resend.has(r.key)) {
        alreadySent.push(r.address);
        continue;
      }
      const path = join(folder, `${r.address.replace(/[^\w.@+-]/g, '_')}.eml`);
      await writeFileAtomic(path, await compose(r));
      log(`${r.address}: dry run, written to ${path}`);
      eml.push(path);
    }
    return { sent: [], alreadySent, failed: [], uncertain: [], unsent: [], eml };
  }

  const outbox = await openOutbox(outDir, editionId, now);
  await settle(outbox, edition, recipients, resend, log);

  const result: SendResult = { sent: [], alreadySent: [], failed: [], uncertain: [], unsent: [] };
  /** Why each uncertain recipient is uncertain, and what to do about each failed one, for the error message. */
  const doubts = new Map<string, string>();
  const hints = new Map<string, string>();
  const todo: Recipient[] = [];
  for (const r of recipients) {
    const record = outbox.get(r.key)!;
    if (record.state === 'sent') {
      result.alreadySent.push(r.address);
      log(`${r.address}: already sent edition ${editionId}, skipped`);
    } else if (record.state === 'uncertain') {
      result.uncertain.push(r.address);
      doubts.set(r.address, `since an earlier run: ${record.note}`);
      log(`${r.address}: uncertain since an earlier run (${record.note}); not resent on its own`);
    } else if (record.state === 'failed' && record.failure?.permanent) {
      result.failed.push({
        recipient: r.address,
        ...(record.failure.code ? { code: record.failure.code } : {}),
        reason: record.failure.reason,
        permanent: true,
        earlier: true,
      });
      hints.set(
        r.address,
        'The server refused it for good in an earlier run: fix the cause (the address in MAIL_TO, or the message), then `briefing send --resend <address>`.',
      );
      log(`${r.address}: refused for good by an earlier run (${record.failure.reason}); not tried again`);
    } else todo.push(r);
  }

  let serverProblem: { recipient: string; reason: string; code?: string; attempts: number } | undefined;
  for (const [index, r] of todo.entries()) {
    const stopped = stopReason(stop, options.deadline);
    if (stopped) {
      result.stopped = stopped;
      result.unsent.push(...todo.slice(index).map((t) => t.address));
      log(
        `${stopped === 'signal' ? 'stop requested' : 'the run reached its deadline'}: not sending to ${todo
          .slice(index)
          .map((t) => t.address)
          .join(', ')}`,
      );
      break;
    }
    const message = await compose(r);
    const messageId = messageIdFor(editionId, r.key, from);
    for (let attempt = 1; ; attempt++) {
      const outcome = await deliver({
        server: smtpServer(mail, options.effects?.tls),
        timeouts: timeoutsWithin(mail.timeouts, options.deadline),
        from,
        to: r.envelope,
        message,
        ...(options.effects?.abort ? { signal: options.effects.abort } : {}),
        beforeData: async () => void (await outbox.record({ event: 'sending', recipient: r.address, key: r.key, messageId })),
        beforeFinalDot: async () => void (await outbox.record({ event: 'final-dot', recipient: r.address, key: r.key })),
      });
      if (outcome.status === 'accepted') {
        await outbox.record({ event: 'sent', recipient: r.address, key: r.key, reply: redact(describeReply(outcome.reply), mail) }).catch((error: unknown) => {
          throw new OutputError(
            `${r.address} was sent edition ${editionId} (${messageId}), but that could not be recorded: ${(error as Error).message} ` +
              `The outbox shows ${r.address} as past the final dot, which the next send reports as uncertain and never resends on its own; ` +
              `once you have checked with them, \`briefing outbox --confirm ${r.address}\` records it as sent.`,
            { path: outbox.path, editionId, recipient: r.address, cause: error },
          );
        });
        log(`${r.address}: sent (${messageId}; ${redact(describeReply(outcome.reply), mail)})`);
        result.sent.push(r.address);
        break;
      }
      if (outcome.status === 'uncertain') {
        await outbox.record({
          event: 'uncertain',
          recipient: r.address,
          key: r.key,
          reason: redact(outcome.reason, mail),
          ...(outcome.code ? { code: outcome.code } : {}),
        });
        log(`${r.address}: uncertain: ${redact(outcome.reason, mail)}; not resent on its own`);
        result.uncertain.push(r.address);
        doubts.set(r.address, redact(outcome.reason, mail));
        break;
      }
      const failure = describeFailure(outcome, mail);
      const lastTry = failure.permanent || attempt >= attempts || stopReason(stop, options.deadline) !== undefined;
      log(`${r.address}: attempt ${attempt} of ${attempts} failed (${failure.reason})${lastTry ? '' : `; retrying in ${baseDelayMs * 2 ** (attempt - 1)} ms`}`);
      // Final for this recipient only when the server refused the recipient or the message: a login refused or a
      // sender refused is about the settings, and the next send (with them fixed) tries again.
      const finalForRecipient = failure.permanent && !failure.serverWide;
      // A failure after `sending` was recorded must be recorded too; one before it only once it is final.
      if (outbox.get(r.key)?.state === 'sending' || lastTry) {
        await outbox.record({
          event: 'failed',
          recipient: r.address,
          key: r.key,
          permanent: finalForRecipient,
          reason: failure.reason,
          ...(failure.code ? { code: failure.code } : {}),
          ...(outcome.status === 'rejected' ? { reply: failure.reason } : {}),
        });
      }
      if (!lastTry) {
        await sleep(baseDelayMs * 2 ** (attempt - 1));
        continue;
      }
      result.failed.push({ recipient: r.address, ...(failure.code ? { code: failure.code } : {}), reason: failure.reason, permanent: finalForRecipient });
      hints.set(r.address, failure.hint);
      if (failure.serverWide) {
        serverProblem = { recipient: r.address, reason: failure.reason, ...(failure.code ? { code: failure.code } : {}), attempts: attempt };
        result.unsent.push(...todo.slice(index + 1).map((t) => t.address));
        result.stopped = 'server';
      }
      break;
    }
    if (result.stopped === 'server') break;
  }

  if (result.failed.length || result.uncertain.length || result.stopped === 'server' || result.stopped === 'deadline') {
    throw deliveryError(editionId, outbox.path, result, doubts, hints, serverProblem);
  }
  return result;
}

/** The SMTP server of the settings, as io/smtp.ts connects to it. */
function smtpServer(mail: MailConfig, tls: SmtpServer['tls'] | undefined): SmtpServer {
  return {
    host: mail.host,
    port: mail.port,
    secure: mail.secure,
    starttls: mail.starttls,
    ...(mail.auth ? { auth: mail.auth } : {}),
    ...(tls ? { tls } : {}),
  };
}

/** The name `run.ts` and `commands.ts` call. */
export const sendBriefing = sendEdition;

/**
 * Record that the listed recipients have edition `editionId` (they said so): an uncertain one becomes sent, and
 * is then never mailed again. For `briefing outbox --confirm <address>`. Returns the records changed.
 */
export async function confirmDelivery(options: {
  outDir: string;
  editionId: string;
  recipients: readonly string[];
  now?: () => Date;
}): Promise<RecipientRecord[]> {
  const outbox = await openOutbox(options.outDir, options.editionId, options.now);
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

export interface AlertOptions {
  /** Where alerts go (MAIL_ADMIN); without it the alert is only logged. */
  admin?: string | undefined;
  /** The SMTP settings; without them the alert is only logged. */
  mail?: MailConfig | undefined;
  /** What the alert is about, stable while it lasts ("tick-failed", "release-overdue:2026-03-05"): one mail per incident. */
  incident: string;
  subject: string;
  text: string;
  outDir: string;
  effects?: Pick<SendEffects, 'log' | 'now' | 'tls' | 'abort'>;
}

export type AlertStatus = 'sent' | 'already-alerted' | 'logged-only' | 'failed' | 'uncertain';

/**
 * Tell a person: log the alert, and mail it to `admin` once per incident (the incident is recorded in
 * `<outDir>/outbox/alerts.jsonl` before the mail goes out, so a crash can't make it twice). Never throws: a
 * failure to alert is logged, and the next call for the same incident tries again.
 */
export async function sendAlert(options: AlertOptions): Promise<AlertStatus> {
  const auth = options.mail ?? { auth: undefined };
  const log = (line: string) => {
    try {
      options.effects?.log?.(redact(line, auth));
    } catch {
      // a log that can't be written must not turn an alert into a crash
    }
  };
  log(`ALERT [${options.incident}] ${options.subject}: ${options.text.replace(/\s+/g, ' ').trim()}`);
  const { admin, mail } = options;
  if (!admin || !mail) {
    log('  (no MAIL_ADMIN set: the alert is only logged)');
    return 'logged-only';
  }
  try {
    const now = options.effects?.now ?? (() => new Date());
    const alerts = await openAlerts(options.outDir, now);
    const open = alerts.get(options.incident);
    if (open?.state === 'open') {
      log(`  (${admin} was alerted about this incident at ${open.alertedAt}: not mailed again)`);
      return 'already-alerted';
    }
    const from = envelopeAddress(plainAddress(mail.from));
    const message = await new MailComposer({
      from: mail.from,
      to: admin,
      subject: `${mail.subjectPrefix}${options.subject}`,
      text: `${options.text.trim()}\n\nIncident: ${options.incident}\nYou get one mail per incident; the next comes once this one is over and a new one begins.\n`,
      // Unique per mail: a later incident under the same key must not look like a duplicate to a mail client.
      messageId: `<alert.${hash(options.incident, 12)}.${now().getTime().toString(36)}@${from.slice(from.lastIndexOf('@') + 1)}>`,
      date: now(),
    })
      .compile()
      .build();
    await alerts.record({ event: 'sending', incident: options.incident, subject: options.subject });
    const outcome = await deliver({
      server: smtpServer(mail, options.effects?.tls),
      timeouts: mail.timeouts,
      from,
      to: envelopeAddress(admin),
      message,
      ...(options.effects?.abort ? { signal: options.effects.abort } : {}),
    });
    if (outcome.status === 'accepted') {
      await alerts.record({ event: 'sent', incident: options.incident });
      log(`  (mailed to ${admin})`);
      return 'sent';
    }
    if (outcome.status === 'uncertain') {
      log(`  (may have reached ${admin}: ${outcome.reason}; counted as given)`);
      return 'uncertain';
    }
    const reason = redact(outcome.status === 'rejected' ? outcome.reason : outcome.reason, mail);
    await alerts.record({ event: 'failed', incident: options.incident, reason });
    log(`  (could not mail ${admin}: ${reason}; the next alert for this incident tries again)`);
    return 'failed';
  } catch (error) {
    log(`  (could not mail the alert: ${(error as Error).message})`);
    return 'failed';
  }
}

/** The incident is over: the next alert under the same key mails the admin again. Never throws. */
export async function resolveIncident(options: { outDir: string; incident: string; effects?: Pick<SendEffects, 'log' | 'now'> }): Promise<boolean> {
  try {
    const alerts = await openAlerts(options.outDir, options.effects?.now);
    if (alerts.get(options.incident)?.state !== 'open') return false;
    await alerts.record({ event: 'resolved', incident: options.incident });
    options.effects?.log?.(`incident [${options.incident}] resolved`);
    return true;
  } catch (error) {
    options.effects?.log?.(`could not record incident [${options.incident}] as resolved: ${(error as Error).message}`);
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
  /** The statistic's page on ssb.no, linked under the figures; editions archived before it was recorded have none. */
  statisticUrl: v.optional(v.string()),
  /** Recipients recorded in the manifest before the outbox existed: taken over as sent. */
  sent: v.optional(v.array(v.looseObject({ recipient: v.string(), at: v.optional(v.string()), messageId: v.optional(v.string()) }))),
});
export type MailEdition = v.InferOutput<typeof editionSchema> & { pdf: Uint8Array };

export interface MailTemplates {
  text: HandlebarsTemplateDelegate;
  html: HandlebarsTemplateDelegate;
}

/** templates/mail/text.hbs and html.hbs, compiled: the HTML one escapes every value, the text one none. */
export async function loadTemplates(dir = join(templatesDir, 'mail')): Promise<MailTemplates> {
  const hb = Handlebars.create();
  const load = async (name: string, noEscape: boolean) => {
    const path = join(dir, name);
    let source: string;
    try {
      source = await readFile(path, 'utf8');
    } catch (error) {
      throw new TemplateError(`Cannot read ${path} (${(error as NodeJS.ErrnoException).code}); nothing was sent. Restore templates/mail/ from git.`, {
        path,
        cause: error,
      });
    }
    try {
      const template = hb.compile(source, { noEscape, strict: true });
      return template;
    } catch (error) {
      throw new TemplateError(`${path} does not compile: ${(error as Error).message}. Nothing was sent.`, { path, cause: error });
    }
  };
  return { text: await load('text.hbs', true), html: await load('html.hbs', false) };
}

/** The message for one recipient, in the edition's language, as the bytes that go after DATA (CRLF line ends). */
export async function composeMessage(
  edition: MailEdition,
  mail: MailConfig,
  recipient: string,
  options: { messageId: string; date: Date; templates: MailTemplates },
): Promise<Buffer> {
  const lang = edition.lang as Lang;
  const words = mailWords[lang];
  const ui = phrasebooks[lang].ui;
  const attachment = `ssb-briefing-${edition.year}-${edition.lang}.pdf`;
  const context = {
    lang,
    headline: edition.headline,
    keyFigures: edition.keyFigures,
    keyFiguresHeading: ui.keyFigures,
    attached: words.attached,
    attachment,
    source: ui.source,
    statisticUrl: edition.statisticUrl,
    licence: words.licence,
    licenceUrl,
  };
  let text: string;
  let html: string;
  try {
    text = options.templates.text(context);
    html = options.templates.html(context);
  } catch (error) {
    throw new TemplateError(`templates/mail could not be filled for edition ${edition.id}: ${(error as Error).message}. Nothing was sent.`, { cause: error });
  }
  const date = edition.editionDate ?? edition.generatedAt;
  const raw = await new MailComposer({
    from: mail.from,
    to: recipient,
    subject: `${mail.subjectPrefix}${edition.headline}${date ? ` (${formatDate(date, lang)})` : ''}`,
    text,
    html,
    attachments: [{ filename: attachment, content: Buffer.from(edition.pdf), contentType: 'application/pdf' }],
    messageId: options.messageId,
    date: options.date,
  })
    .compile()
    .build();
  return Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

/**
 * `<editionId.hash@sender's domain>`: the same for every message of this edition to this recipient, so a
 * deliberate resend is one message to a mail client that removes duplicates.
 */
export function messageIdFor(editionId: string, recipientKey: string, from: string): string {
  return `<${editionId}.${hash(recipientKey, 20)}@${from.slice(from.lastIndexOf('@') + 1)}>`;
}

const licenceUrl = 'https://creativecommons.org/licenses/by/4.0/';
const mailWords: Record<Lang, { attached: string; licence: string }> = {
  nn: { attached: 'Heile briefingen ligg ved som PDF', licence: 'Lisens:' },
  nb: { attached: 'Hele briefingen ligger ved som PDF', licence: 'Lisens:' },
  en: { attached: 'The full briefing is attached as a PDF', licence: 'Licence:' },
};

/** `<outDir>/editions/<id>/manifest.json` and briefing.pdf, as archive.ts writes them. */
async function readEdition(outDir: string, id: string): Promise<MailEdition> {
  const dir = join(outDir, 'editions', id);
  if (!/^[\w-]+$/.test(id)) throw new OutputError(`"${id}" is not an edition id; nothing was sent.`, { editionId: id });
  const known = async () => {
    const names = await readdir(join(outDir, 'editions')).catch(() => [] as string[]);
    return names.length ? `Editions there: ${names.sort().join(', ')}.` : 'There are no editions there yet: run the briefing first.';
  };
  const manifest = await readJsonFile(join(dir, 'manifest.json'), editionSchema, {
    advice: 'Nothing was sent.',
    fail: (message, context) => new OutputError(message, { path: context.path, editionId: id, cause: context.cause }),
  }).catch(async (error: unknown) => {
    if (((error as OutputError).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      throw new OutputError(`Edition "${id}" does not exist in ${join(outDir, 'editions')}; nothing was sent. ${await known()}`, { path: dir, editionId: id });
    }
    throw error;
  });
  if (manifest.id !== id)
    throw new OutputError(`${join(dir, 'manifest.json')} is for edition ${manifest.id}, not ${id}; nothing was sent. Run the briefing again.`, {
      path: dir,
      editionId: id,
    });
  const path = join(dir, 'briefing.pdf');
  let pdf: Uint8Array;
  try {
    pdf = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OutputError(`Cannot read the edition's PDF ${path} (${code}); nothing was sent. Run the briefing again to rebuild the edition.`, {
      path,
      cause: error,
    });
  }
  return { ...manifest, pdf };
}

// --- recipients and the outbox -----------------------------------------------------------------------------------

interface Recipient {
  /** As MAIL_TO spells it (first spelling wins). */
  address: string;
  key: string;
  /** For RCPT TO: the domain in ASCII. */
  envelope: string;
}

/** MAIL_TO without the second spelling of a mailbox (domain case, IDNA, local-part case). */
function uniqueRecipients(to: readonly string[]): Recipient[] {
  const seen = new Map<string, Recipient>();
  for (const address of to) {
    const key = addressKey(address);
    if (key === null)
      throw new ConfigError(`MAIL_TO holds "${address}", whose domain is not a valid domain name; nothing was sent. Fix the address.`, {
        setting: 'MAIL_TO',
        value: address,
      });
    if (!seen.has(key)) seen.set(key, { address: address.trim(), key, envelope: envelopeAddress(address.trim()) });
  }
  return [...seen.values()];
}

function resendKeys(resend: SendOptions['resend'], recipients: Recipient[]): Set<string> {
  if (resend === undefined) return new Set();
  if (resend === 'all') return new Set(recipients.map((r) => r.key));
  const keys = new Set<string>();
  for (const address of resend) {
    const key = addressKey(address);
    if (key === null || !recipients.some((r) => r.key === key)) {
      throw new ConfigError(
        `--resend: ${address} is not a recipient in MAIL_TO (${recipients.map((r) => r.address).join(', ')}); nothing was sent. ` +
          'Give an address from MAIL_TO, or all.',
        { setting: 'resend', value: address },
      );
    }
    keys.add(key);
  }
  return keys;
}

/**
 * Bring the outbox up to date before sending: recipients the manifest says were sent (before the outbox
 * existed) are taken over as sent; what a stopped run left in `sending` is settled (before the final dot: the
 * message never arrived, queue it again; after it: uncertain); a person's resend re-queues; new recipients are
 * queued.
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
        ...(entry.messageId ? { messageId: entry.messageId } : {}),
        ...(entry.at && !Number.isNaN(Date.parse(entry.at)) ? { at: new Date(entry.at).toISOString() } : {}),
      });
    }
  }
  for (const record of outbox.list()) {
    if (record.state !== 'sending') continue;
    if (record.finalDot) {
      await outbox.record({
        event: 'uncertain',
        recipient: record.recipient,
        key: record.key,
        reason: "an earlier run stopped after the final dot, before the server's reply was recorded",
      });
      log(`${record.recipient}: an earlier run stopped after the final dot: uncertain`);
    } else {
      await outbox.record({
        event: 'interrupted',
        recipient: record.recipient,
        key: record.key,
        reason: 'an earlier run stopped before the final dot: the message was not delivered',
      });
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

/** Phases that are about the server or the sender, not the recipient: a failure there would fail everyone alike. */
const serverPhases: ReadonlySet<SmtpPhase> = new Set(['connect', 'greeting', 'ehlo', 'starttls', 'auth', 'mail']);

interface Failure {
  permanent: boolean;
  /** About the server or the sender (connecting, login, MAIL FROM): trying the next recipient would fail alike. */
  serverWide: boolean;
  reason: string;
  /** The SMTP reply code or the network error code. */
  code?: string;
  /** What a person can do about it. */
  hint: string;
}

function describeFailure(outcome: Extract<SmtpOutcome, { status: 'rejected' | 'not-sent' }>, mail: MailConfig): Failure {
  const server = `${mail.host}:${mail.port}`;
  const serverWide = serverPhases.has(outcome.phase);
  const reason = redact(outcome.reason, mail);
  if (outcome.status === 'rejected') {
    const permanent = outcome.permanent;
    const hint =
      outcome.phase === 'auth'
        ? `The server ${server} refused the login: check SMTP_USER and SMTP_PASS (or the user and password in SMTP_URL).`
        : outcome.phase === 'mail' && permanent
          ? `The server ${server} refused the sender: check MAIL_FROM.`
          : outcome.phase === 'rcpt' && permanent
            ? 'The server refused the address for good: check it in MAIL_TO, then `briefing send --resend <address>`.'
            : permanent && !serverWide
              ? 'The server refused the message for good: read its answer, fix the cause, then `briefing send --resend <address>`.'
              : permanent
                ? `The server ${server} refused for good: read its answer and fix the settings.`
                : `The server ${server} deferred it: the next send tries again.`;
    return { permanent, serverWide, reason, code: String(outcome.reply.code), hint };
  }
  const hint = outcome.permanent
    ? `Check the mail settings (SMTP_HOST, SMTP_PORT, SMTP_SECURE, SMTP_STARTTLS, the server's certificate) against the server ${server}.`
    : `Could not talk to the mail server ${server}: check SMTP_HOST/SMTP_PORT (or SMTP_URL), SMTP_SECURE and that the server is up; the next send tries again.`;
  return { permanent: outcome.permanent, serverWide, reason, ...(outcome.code ? { code: outcome.code } : {}), hint };
}

function deliveryError(
  editionId: string,
  path: string,
  result: SendResult,
  doubts: Map<string, string>,
  hints: Map<string, string>,
  server?: { recipient: string; reason: string; code?: string; attempts: number },
): DeliveryError {
  const parts: string[] = [];
  const reached = [...result.sent.map((r) => `${r} (now)`), ...result.alreadySent.map((r) => `${r} (earlier)`)];
  if (server) {
    const tries = server.attempts === 1 ? '1 attempt' : `${server.attempts} attempts`;
    parts.push(
      `Sending edition ${editionId} to ${server.recipient} failed after ${tries}: ${server.reason}; nothing more was sent, since the server would fail everyone alike.`,
    );
  } else parts.push(`Edition ${editionId} did not reach everyone.`);
  parts.push(`Sent to: ${reached.length ? reached.join(', ') : 'nobody'}.`);
  if (result.failed.length) {
    parts.push(
      `Failed: ${result.failed.map((f) => `${f.recipient} (${f.permanent ? 'for good' : 'for now'}${f.earlier ? ', in an earlier run' : ''}: ${f.reason})`).join('; ')}.`,
    );
    parts.push(...new Set(result.failed.map((f) => hints.get(f.recipient) ?? '')).values());
  }
  if (result.uncertain.length) {
    parts.push(
      `Uncertain: ${result.uncertain.map((r) => `${r} (${doubts.get(r) ?? 'not known whether it arrived'})`).join('; ')}: ` +
        'the connection was lost or timed out after the whole message was sent, so it may have arrived. ' +
        'They are never mailed again on their own: ask them, then `briefing send --resend <address>` if it did not arrive, or `briefing outbox --confirm <address>` if it did.',
    );
  }
  if (result.unsent.length) parts.push(`Not tried: ${result.unsent.join(', ')}.`);
  parts.push(`The outbox ${path} records each recipient's state; sending again mails only those not reached (refused ones and uncertain ones need --resend).`);
  const first = result.failed[0];
  return new DeliveryError(parts.join(' '), {
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

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}
