import { appendFile, mkdir, open, readdir, readFile, truncate } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { OutputError } from '../errors.js';
import { errorCode } from '../io/atomic.js';

/**
 * The outbox: for each edition and recipient, what became of the e-mail. `<outDir>/outbox/<editionId>.jsonl` is a
 * journal, one JSON line per state change, fsynced before the step it records goes on the wire, and read by replaying
 * the lines; a torn last line (a process killed mid-write) never became durable and is dropped. `alerts.jsonl` is a
 * journal of the same kind for the alerts. Callers hold the lock over the output folder (io/lock.ts) while writing.
 */

const outboxEventSchema = v.object({
  at: v.pipe(v.string(), v.isoTimestamp()),
  event: v.picklist(['queued', 'sending', 'final-dot', 'sent', 'failed', 'uncertain', 'interrupted', 'resend', 'confirmed']),
  /** The address as MAIL_TO gave it, and addressKey() of it: what two spellings of one mailbox share. */
  recipient: v.string(),
  key: v.pipe(v.string(), v.minLength(3)),
  messageId: v.optional(v.string()),
  /** The server's reply (redacted), for sent, failed and uncertain. */
  reply: v.optional(v.string()),
  /** The SMTP reply code or network error code (550, ECONNREFUSED). */
  code: v.optional(v.string()),
  permanent: v.optional(v.boolean()),
  reason: v.optional(v.string()),
  /** Which process wrote it: `<pid>@<host>`. */
  by: v.optional(v.string()),
});
type OutboxEvent = v.InferOutput<typeof outboxEventSchema>;

export interface RecipientRecord {
  recipient: string;
  key: string;
  state: 'queued' | 'sending' | 'sent' | 'failed' | 'uncertain';
  /** In `sending`: the final dot may have been written (a run that stopped here leaves the recipient uncertain). */
  finalDot: boolean;
  messageId?: string;
  /** Messages started (sending events) over all runs. */
  attempts: number;
  updatedAt: string;
  sentAt?: string;
  lastReply?: string;
  /** For `failed`: whether the server refused for good, its code, and why. */
  failure?: { permanent: boolean; code?: string; reason: string };
  /** Why the state is what it is, when that needs saying (uncertain, resend requested, confirmed). */
  note?: string;
  /** Every change, oldest first. */
  history: { at: string; event: OutboxEvent['event'] }[];
}

const outboxDir = (outDir: string) => join(outDir, 'outbox');
export const outboxPath = (outDir: string, editionId: string) => join(outboxDir(outDir), `${checkEditionId(editionId)}.jsonl`);
export const alertsPath = (outDir: string) => join(outboxDir(outDir), 'alerts.jsonl');

export type Outbox = Awaited<ReturnType<typeof openOutbox>>;

/** The outbox of `editionId`, opened for recording (see openJournal). */
export async function openOutbox(outDir: string, editionId: string, now: () => Date = () => new Date()) {
  return openJournal(outboxPath(outDir, editionId), outboxEventSchema, applyOutboxEvent, now);
}

/** Every edition's outbox in `<outDir>/outbox/`, oldest file name first; `tornTail`: a torn last line was ignored. Nothing is changed. */
export async function readOutbox(outDir: string) {
  const names = await readdir(outboxDir(outDir)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw readError(outboxDir(outDir), error);
  });
  const editions = [];
  for (const name of names.filter((n) => n.endsWith('.jsonl') && n !== 'alerts.jsonl').sort()) {
    const path = join(outboxDir(outDir), name);
    const { events, tornTail } = parseJournal(path, await readText(path), outboxEventSchema);
    editions.push({ editionId: name.slice(0, -'.jsonl'.length), path, recipients: [...replay(events, applyOutboxEvent).values()], tornTail });
  }
  return editions;
}

/** The state after one more event. */
function applyOutboxEvent(records: Map<string, RecipientRecord>, event: OutboxEvent): RecipientRecord {
  let record = records.get(event.key);
  if (!record) {
    record = { recipient: event.recipient, key: event.key, state: 'queued', finalDot: false, attempts: 0, updatedAt: event.at, history: [] };
    records.set(event.key, record);
  }
  record.updatedAt = event.at;
  record.history.push({ at: event.at, event: event.event });
  if (event.messageId) record.messageId = event.messageId;
  if (event.reply) record.lastReply = event.reply;
  switch (event.event) {
    case 'queued':
      record.state = 'queued';
      break;
    case 'sending':
      record.state = 'sending';
      record.finalDot = false;
      record.attempts++;
      delete record.failure;
      delete record.note;
      break;
    case 'final-dot':
      record.finalDot = true;
      break;
    case 'sent':
    case 'confirmed':
      record.state = 'sent';
      record.sentAt = event.at;
      delete record.failure;
      if (event.event === 'confirmed' || event.reason) record.note = event.reason ?? 'confirmed as delivered by a person';
      else delete record.note;
      break;
    case 'failed':
      record.state = 'failed';
      record.failure = { permanent: event.permanent ?? false, ...(event.code ? { code: event.code } : {}), reason: event.reason ?? '' };
      break;
    case 'uncertain':
      record.state = 'uncertain';
      record.note = event.reason ?? 'not known whether the message reached the recipient';
      break;
    case 'interrupted':
    case 'resend':
      record.state = 'queued';
      record.finalDot = false;
      record.note = event.reason ?? (event.event === 'resend' ? 'resend requested by a person' : 'the last run stopped before the final dot');
      break;
  }
  return record;
}

// --- alerts ------------------------------------------------------------------------------------------------------

const alertEventSchema = v.object({
  at: v.pipe(v.string(), v.isoTimestamp()),
  incident: v.pipe(v.string(), v.minLength(1)),
  /** sending: recorded before the message goes out; a run that stops after it counts the alert as given. */
  event: v.picklist(['sending', 'sent', 'failed', 'resolved'] as const),
  subject: v.optional(v.string()),
  reason: v.optional(v.string()),
  by: v.optional(v.string()),
});
type AlertEvent = v.InferOutput<typeof alertEventSchema>;

/** `open`: the admin was alerted (or the alert may have gone out), and the incident is not resolved. */
type IncidentRecord = { incident: string; state: 'open' | 'failed' | 'resolved'; alertedAt?: string };

export async function openAlerts(outDir: string, now: () => Date = () => new Date()) {
  return openJournal(alertsPath(outDir), alertEventSchema, applyAlertEvent, now);
}

function applyAlertEvent(incidents: Map<string, IncidentRecord>, event: AlertEvent): IncidentRecord {
  const record: IncidentRecord = incidents.get(event.incident) ?? { incident: event.incident, state: 'failed' };
  if (event.event === 'sending' || event.event === 'sent') {
    record.state = 'open';
    record.alertedAt = event.at;
  } else record.state = event.event;
  incidents.set(event.incident, record);
  return record;
}

// --- formatting --------------------------------------------------------------------------------------------------

/**
 * `briefing outbox`: per edition, one line per recipient (state, address, when, Message-ID, the server's last reply or
 * why), then a count per state and what a person can do about the uncertain ones.
 */
export function formatOutbox(editions: Awaited<ReturnType<typeof readOutbox>>): string {
  if (editions.length === 0) return 'The outbox is empty: no edition has been mailed yet.';
  const blocks = editions.map(({ editionId, recipients, tornTail }) => {
    const width = Math.max(...recipients.map((r) => r.recipient.length), 9);
    const lines = recipients.map((r) => {
      const state = r.state === 'failed' ? (r.failure?.permanent ? 'failed' : 'failed*') : r.state === 'sending' && r.finalDot ? 'sending.' : r.state;
      const why = r.state === 'failed' ? `${r.failure?.code ? `${r.failure.code}: ` : ''}${r.failure?.reason ?? ''}` : (r.note ?? r.lastReply ?? '');
      const flat = why.replace(/\s+/g, ' ').trim();
      const shown = flat.length > 160 ? `${flat.slice(0, 159)}…` : flat;
      const when = (r.sentAt ?? r.updatedAt).replace(/\.\d{3}Z$/, 'Z');
      return `  ${state.padEnd(9)} ${r.recipient.padEnd(width)}  ${when}  ${r.messageId ?? '-'}${shown ? `  ${shown}` : ''}`;
    });
    const counts = (['sent', 'uncertain', 'failed', 'sending', 'queued'] as const)
      .map((state) => [state, recipients.filter((r) => r.state === state).length] as const)
      .filter(([, n]) => n > 0)
      .map(([state, n]) => `${n} ${state}`);
    const uncertain = recipients.filter((r) => r.state === 'uncertain').map((r) => r.recipient);
    if (uncertain.length) {
      lines.push(
        `  Uncertain: ask ${uncertain.join(', ')} whether the edition arrived; then \`briefing send ${editionId} --resend <address>\` ` +
          'if it did not (the same Message-ID, so a mail client that saw it shows one), or confirm it with `briefing outbox --confirm <address>`.',
      );
    }
    if (tornTail) lines.push('  (a torn last line, from a run killed while writing, was ignored)');
    return [`${editionId}  ${counts.join(', ')}`, ...lines].join('\n');
  });
  return `${blocks.join('\n\n')}\n\nfailed* = a temporary failure, tried again by the next send; sending. = stopped after the final dot`;
}

// --- the journal -------------------------------------------------------------------------------------------------

const writer = `${process.pid}@${hostname()}`;

/**
 * Open (creating the folder) a journal for recording: a torn last line is cut off, the events are replayed by `apply`
 * into records by key, and record() appends one more, fsynced, then applies it. After a failed append (disk full) the
 * file is cut back and every later record() fails at once, so a caller can't go on sending with nothing recorded.
 */
async function openJournal<E extends { at: string }, R>(
  path: string,
  schema: v.GenericSchema<unknown, E>,
  apply: (records: Map<string, R>, event: E) => R,
  now: () => Date,
) {
  const dir = join(path, '..');
  await guard(path, 'create the outbox folder', () => mkdir(dir, { recursive: true }));
  const text = await readText(path);
  const { events, tornTail, goodBytes } = parseJournal(path, text, schema);
  // A torn last line was never fsynced: cut it off so the next line starts on a line of its own.
  if (tornTail) await guard(path, 'cut off its torn last line', () => truncate(path, goodBytes));
  const records = replay(events, apply);
  let size = goodBytes;
  let created = text === '';
  let broken: Error | undefined;
  /** The last append, settled: never rejects. Appends are serialised: each waits for the one before it. */
  let queue: Promise<unknown> = Promise.resolve();

  return {
    path,
    get: (key: string) => records.get(key),
    list: () => [...records.values()],
    record(partial: Omit<E, 'at' | 'by'> & { at?: string }): Promise<R> {
      const result = queue.then(async () => {
        if (broken) throw broken;
        const event = v.parse(schema, { ...partial, at: partial.at ?? now().toISOString(), by: writer });
        const line = `${JSON.stringify(event)}\n`;
        try {
          await appendFile(path, line, { flush: true });
          if (created) await syncDir(dir); // the new file's name must survive a crash too
          created = false;
        } catch (error) {
          await truncate(path, size).catch(() => undefined); // a partial line would hide every later one
          broken = new OutputError(
            `Cannot record in ${path} (${errorCode(error)}): nothing more is sent in this run, since a message that is not recorded could be sent twice. ` +
              "The outbox holds every change made before this one. Free disk space or fix the folder's permissions, then send again.",
            { path, cause: error },
          );
          throw broken;
        }
        size += Buffer.byteLength(line);
        return apply(records, event);
      });
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

function replay<E, R>(events: E[], apply: (records: Map<string, R>, event: E) => R): Map<string, R> {
  const records = new Map<string, R>();
  for (const event of events) apply(records, event);
  return records;
}

/** The whole lines of `text` as events; a torn last line (no newline yet) is left out. Throws on a line that is not an event. */
function parseJournal<E>(path: string, text: string, schema: v.GenericSchema<unknown, E>): { events: E[]; tornTail: boolean; goodBytes: number } {
  const whole = text.slice(0, text.lastIndexOf('\n') + 1);
  const lineSchema = v.pipe(v.string(), v.parseJson(undefined, 'not JSON'), schema);
  const events = whole.split('\n').flatMap((line, i) => {
    if (line === '') return [];
    const result = v.safeParse(lineSchema, line);
    if (result.success) return [result.output];
    throw new OutputError(
      `${path} line ${i + 1} is not an outbox record (${result.issues[0].message}). Nothing was sent for it, since who already has the edition can't be told. ` +
        'Look at the file (a line edited by hand, or a disk fault), fix or remove that line, and send again.',
      { path },
    );
  });
  return { events, tornTail: whole.length < text.length, goodBytes: Buffer.byteLength(whole) };
}

async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw readError(path, error);
  });
}

function readError(path: string, error: unknown): OutputError {
  return new OutputError(`Cannot read ${path} (${errorCode(error)}); nothing was sent. Fix its permissions and try again.`, { path, cause: error });
}

async function guard(path: string, what: string, action: () => Promise<unknown>): Promise<void> {
  await action().catch((error: unknown) => {
    throw new OutputError(
      `Cannot ${what} for ${path} (${errorCode(error)}); nothing was sent. Check that the output folder is writable and has free space, then send again.`,
      { path, cause: error },
    );
  });
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined); // some file systems refuse fsync on a folder
  await handle?.close();
}

function checkEditionId(editionId: string): string {
  if (!/^[\w-]+$/.test(editionId) || editionId === 'alerts') {
    throw new OutputError(`"${editionId}" is not an edition id (letters, digits, - and _ only).`, { editionId });
  }
  return editionId;
}
