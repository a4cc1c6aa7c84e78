import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type NodemailerError, type SendMailOptions, type SMTPTransportOptions } from 'nodemailer';
import { editionDir, editionFiles, loadEdition, recordSent, type EditionManifest } from './archive.js';
import { writeFileAtomic } from './io/atomic.js';
import { statisticUrl } from './briefing/content.js';
import { DeliveryError, OutputError } from './errors.js';
import { formatDate, type Lang } from './text/format.js';
import { redact, type MailConfig } from './mail-config.js';
import { phrasebooks } from './text/phrasebook.js';
import { escapeHtml as esc } from './io/escape.js';

export { loadDotEnv, redact, resolveMailConfig, type MailConfig } from './mail-config.js';

/**
 * Mail an edition's PDF briefing: one message per recipient (nobody sees the others), each recipient at most
 * once per edition. After every accepted message the edition's manifest records it at once, so a run that
 * fails half-way, or is repeated, mails nobody twice. Transient failures (connection refused/reset/timeout,
 * SMTP 4xx) are retried with exponential backoff; permanent ones (5xx, refused login) are not.
 */

export interface SendEffects {
  /** @default setTimeout-based */
  sleep?: (ms: number) => Promise<void>;
  /** One line per attempt and per message sent. @default nothing */
  log?: (line: string) => void;
  /** Time recorded in `sent[].at`. @default new Date() */
  now?: () => Date;
  /** Merged over the SMTP transport's options (e.g. shorter timeouts in tests). */
  transportOptions?: Partial<SMTPTransportOptions>;
}

export interface SendOptions {
  outDir: string;
  editionId: string;
  mail: MailConfig;
  /** Write `<editionDir>/outbox/<recipient>.eml` instead of sending; nothing is recorded as sent. */
  dryRun?: boolean;
  /** Attempts per recipient (1 = no retry) and the first backoff (ms), doubled after each attempt. @default { attempts: 3, baseDelayMs: 500 } */
  retry?: { attempts?: number; baseDelayMs?: number };
  effects?: SendEffects;
}

/** Timeouts (ms) for connecting, the server's greeting and an idle socket. */
export const smtpTimeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 10_000 };

export async function sendBriefing(options: SendOptions): Promise<{ sent: string[]; alreadySent: string[]; eml?: string[] }> {
  const { outDir, editionId, mail } = options;
  const sleep = options.effects?.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = (line: string) => options.effects?.log?.(redact(line, mail));
  const now = options.effects?.now ?? (() => new Date());
  const attempts = Math.max(1, options.retry?.attempts ?? 3);
  const baseDelayMs = options.retry?.baseDelayMs ?? 500;

  const manifest = await loadEdition(outDir, editionId);
  const dir = editionDir(outDir, editionId);
  const pdf = await readPdf(join(dir, editionFiles.pdf));
  const done = new Set(manifest.sent.map((s) => s.recipient.toLowerCase()));
  const alreadySent = mail.to.filter((r) => done.has(r.toLowerCase()));
  const pending = mail.to.filter((r) => !done.has(r.toLowerCase()));
  for (const r of alreadySent) log(`${r}: already sent edition ${editionId}, skipped`);

  if (options.dryRun) {
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    const outbox = join(dir, 'outbox');
    await mkdir(outbox, { recursive: true });
    const eml: string[] = [];
    for (const recipient of pending) {
      const info = await transport.sendMail(composeMessage(manifest, pdf, mail, recipient));
      const path = join(outbox, `${recipient.replace(/[^\w.@+-]/g, '_')}.eml`);
      await writeFileAtomic(path, info.message as Buffer);
      log(`${recipient}: dry run, written to ${path}`);
      eml.push(path);
    }
    return { sent: [], alreadySent, eml };
  }

  const transport = nodemailer.createTransport({
    host: mail.host,
    port: mail.port,
    secure: mail.secure,
    auth: mail.auth,
    requireTLS: mail.starttls === 'require',
    ignoreTLS: mail.starttls === 'off',
    ...smtpTimeouts,
    logger: false,
    ...options.effects?.transportOptions,
  });
  const sent: string[] = [];
  /** The accepted message's id, after retrying transient failures; a DeliveryError once it can't be sent. */
  const sendWithRetry = async (recipient: string, index: number): Promise<string> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await transport.sendMail(composeMessage(manifest, pdf, mail, recipient))).messageId;
      } catch (error) {
        const failure = describe(error as NodemailerError, mail);
        const retry = failure.transient && attempt < attempts;
        const delay = baseDelayMs * 2 ** (attempt - 1);
        log(`${recipient}: attempt ${attempt} of ${attempts} failed (${failure.reason}); ${retry ? `retrying in ${delay} ms` : 'giving up'}`);
        if (!retry) throw deliveryError({ manifest, dir, recipient, attempt, failure, sent, alreadySent, unsent: pending.slice(index) });
        await sleep(delay);
      }
    }
  };
  try {
    for (const [index, recipient] of pending.entries()) {
      const messageId = await sendWithRetry(recipient, index);
      try {
        await recordSent(outDir, editionId, [{ recipient, at: now().toISOString(), messageId }]);
      } catch (error) {
        throw new OutputError(
          `Edition ${editionId} was sent to ${recipient} (${messageId}) but that could not be recorded in ${join(dir, 'manifest.json')}: ` +
            `${(error as Error).message} Sending again would mail ${recipient} twice: fix the folder first, or leave ${recipient} out of MAIL_TO.`,
          { path: dir, recipient, cause: error },
        );
      }
      log(`${recipient}: sent (${messageId})`);
      sent.push(recipient);
    }
  } finally {
    transport.close();
  }
  return { sent, alreadySent };
}

/** The message for one recipient, in the edition's language. Pure. */
export function composeMessage(m: EditionManifest, pdf: Uint8Array, mail: MailConfig, recipient: string): SendMailOptions {
  const lang = m.lang as Lang;
  const words = mailWords[lang];
  const source = phrasebooks[lang].ui.source;
  const figures = m.keyFigures.map((f) => `${f.value} ${f.label}`);
  const attachment = `ssb-briefing-${m.year}-${m.lang}.pdf`;
  const text = [
    m.headline,
    '',
    ...(figures.length ? [`${phrasebooks[lang].ui.keyFigures}:`, ...figures.map((f) => `- ${f}`), ''] : []),
    `${words.attached} (${attachment}).`,
    '',
    `${source}, ${statisticUrl}`,
    `${words.licence} CC BY 4.0, ${licenceUrl}`,
    '',
  ].join('\n');
  const html = `<!DOCTYPE html>
<html lang="${m.lang}"><head><meta charset="utf-8"><title>${esc(m.headline)}</title></head>
<body>
<h1>${esc(m.headline)}</h1>
${figures.length ? `<h2>${esc(phrasebooks[lang].ui.keyFigures)}</h2>\n<ul>\n${figures.map((f) => `<li>${esc(f)}</li>`).join('\n')}\n</ul>` : ''}
<p>${esc(words.attached)} (${esc(attachment)}).</p>
<p><a href="${statisticUrl}">${esc(source)}</a>. ${esc(words.licence)} <a href="${licenceUrl}">CC BY 4.0</a>.</p>
</body></html>
`;
  return {
    from: mail.from,
    to: recipient,
    subject: `${mail.subjectPrefix}${m.headline} (${formatDate(m.editionDate ?? m.generatedAt, lang)})`,
    text,
    html,
    attachments: [{ filename: attachment, content: Buffer.from(pdf), contentType: 'application/pdf' }],
  };
}

const licenceUrl = 'https://creativecommons.org/licenses/by/4.0/';
const mailWords: Record<Lang, { attached: string; licence: string }> = {
  nn: { attached: 'Heile briefingen ligg ved som PDF', licence: 'Lisens:' },
  nb: { attached: 'Hele briefingen ligger ved som PDF', licence: 'Lisens:' },
  en: { attached: 'The full briefing is attached as a PDF', licence: 'Licence:' },
};


async function readPdf(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OutputError(`Cannot read the edition's PDF ${path} (${code}); nothing was sent. Run the briefing again to rebuild the edition.`, { path, cause: error });
  }
}

interface Failure {
  transient: boolean;
  reason: string;
  hint: string;
  code?: string;
  responseCode?: number;
}

/** What went wrong, whether trying again can help, and what to do; every text redacted. */
function describe(error: NodemailerError, mail: MailConfig): Failure {
  const responseCode = error.responseCode;
  const code = error.code;
  const original = error.originalCode;
  // nodemailer's message already ends with the server's answer when there was one.
  const reason = redact(`${error.message}${code ? ` [${code}${original ? `/${original}` : ''}]` : ''}`, mail);
  const server = `${mail.host}:${mail.port}`;
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    return { transient: false, reason, code, responseCode, hint: `The server ${server} refused the login: check SMTP_USER and SMTP_PASS (or the user and password in SMTP_URL).` };
  }
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    return { transient: true, reason, code, responseCode, hint: `The server ${server} deferred the message (${responseCode}): send again later.` };
  }
  if (responseCode !== undefined && responseCode >= 500) {
    const hint = code === 'EENVELOPE'
      ? `The server ${server} rejected the address (${responseCode}): check it in MAIL_TO (and the sender in MAIL_FROM).`
      : `The server ${server} rejected the message for good (${responseCode}): read its answer above and fix the cause before sending again.`;
    return { transient: false, reason, code, responseCode, hint };
  }
  const connection = code === 'ECONNECTION' || code === 'ESOCKET' || code === 'ETIMEDOUT' || (code === 'EDNS' && original === 'EAI_AGAIN');
  if (connection) {
    return { transient: true, reason, code, hint: `Could not talk to the mail server ${server}: check SMTP_HOST/SMTP_PORT (or SMTP_URL), SMTP_SECURE and that the server is up, then send again.` };
  }
  return { transient: false, reason, code, hint: `Check the mail settings (SMTP_HOST, SMTP_PORT, SMTP_SECURE, SMTP_STARTTLS) against the server ${server}, then send again.` };
}

function deliveryError(p: {
  manifest: EditionManifest;
  dir: string;
  recipient: string;
  attempt: number;
  failure: Failure;
  sent: string[];
  alreadySent: string[];
  unsent: string[];
}): DeliveryError {
  const { failure, recipient, manifest } = p;
  const tries = p.attempt === 1 ? '1 attempt' : `${p.attempt} attempts`;
  const done = [...p.sent.map((r) => `${r} (now)`), ...p.alreadySent.map((r) => `${r} (earlier)`)];
  const message =
    `Sending edition ${manifest.id} to ${recipient} failed after ${tries}: ${failure.reason}. ` +
    `Already sent to: ${done.length ? done.join(', ') : 'nobody'}. ` +
    `The edition stays in ${p.dir}, marked unsent for ${p.unsent.join(', ')}. ` +
    `${failure.hint} Sending the same edition again mails only those not yet reached.`;
  // The cause is a copy with redacted text, so a --debug dump cannot show what the server or library echoed.
  const cause = Object.assign(new Error(failure.reason), { code: failure.code, responseCode: failure.responseCode });
  return new DeliveryError(message, {
    recipient,
    editionId: manifest.id,
    code: failure.code,
    responseCode: failure.responseCode,
    sent: p.sent,
    alreadySent: p.alreadySent,
    unsent: p.unsent,
    cause,
  });
}
