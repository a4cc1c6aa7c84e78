import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputError } from '../../pipeline/errors.js';
import { formatOutbox, openAlerts, openOutbox, outboxPath, readOutbox } from '../../pipeline/store/outbox.js';

let outDir: string;
const id = '2025-nn-0123456789ab';
let clock: number;
const now = () => new Date(Date.UTC(2025, 9, 3, 7, 0, clock++));

beforeEach(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'outbox-'));
  clock = 0;
});
afterEach(async () => {
  await rm(outDir, { recursive: true, force: true });
});

const ola = { recipient: 'ola@example.no', key: 'ola@example.no' };
const kari = { recipient: 'kari@example.no', key: 'kari@example.no' };

describe('the outbox journal', () => {
  it('appends one line per change, durable before record() resolves, and replays to the same states', async () => {
    const outbox = await openOutbox(outDir, id, now);
    await outbox.record({ event: 'queued', ...ola });
    await outbox.record({ event: 'sending', ...ola, messageId: '<m1@example.no>' });
    expect((await readFile(outboxPath(outDir, id), 'utf8')).trim().split('\n')).toHaveLength(2);
    await outbox.record({ event: 'final-dot', ...ola });
    await outbox.record({ event: 'sent', ...ola, reply: '250 2.0.0 Ok' });
    await outbox.record({ event: 'queued', ...kari });
    await outbox.record({ event: 'sending', ...kari, messageId: '<m2@example.no>' });
    await outbox.record({ event: 'failed', ...kari, permanent: true, code: '550', reason: 'the server answered 550 5.1.1 No such user at rcpt' });

    const [edition] = await readOutbox(outDir);
    expect(edition).toMatchObject({ editionId: id, tornTail: false });
    expect(edition!.recipients).toEqual([
      expect.objectContaining({
        ...ola,
        state: 'sent',
        messageId: '<m1@example.no>',
        attempts: 1,
        sentAt: '2025-10-03T07:00:03.000Z',
        lastReply: '250 2.0.0 Ok',
      }),
      expect.objectContaining({
        ...kari,
        state: 'failed',
        failure: { permanent: true, code: '550', reason: 'the server answered 550 5.1.1 No such user at rcpt' },
      }),
    ]);
    const reopened = await openOutbox(outDir, id, now);
    expect(reopened.list()).toEqual(outbox.list());
  });

  it('serialises records made without waiting: every line whole and in order', async () => {
    const outbox = await openOutbox(outDir, id, now);
    await Promise.all(Array.from({ length: 50 }, (_, i) => outbox.record({ event: 'queued', recipient: `r${i}@example.no`, key: `r${i}@example.no` })));
    const lines = (await readFile(outboxPath(outDir, id), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).recipient);
    expect(lines).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}@example.no`));
  });

  it('a torn last line (a process killed mid-append) is ignored when read and cut off when opened for writing', async () => {
    const outbox = await openOutbox(outDir, id, now);
    await outbox.record({ event: 'queued', ...ola });
    await outbox.record({ event: 'sending', ...ola, messageId: '<m1@example.no>' });
    await appendFile(outboxPath(outDir, id), '{"at":"2025-10-03T07:00:09.000Z","event":"final-d');
    const [read] = await readOutbox(outDir);
    expect(read!.tornTail).toBe(true);
    expect(read!.recipients[0]).toMatchObject({ state: 'sending', finalDot: false });

    const reopened = await openOutbox(outDir, id, now);
    expect(reopened.get(ola.key)).toMatchObject({ state: 'sending', finalDot: false });
    await reopened.record({ event: 'interrupted', ...ola });
    const text = await readFile(outboxPath(outDir, id), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).event),
    ).toEqual(['queued', 'sending', 'interrupted']);
    expect(reopened.get(ola.key)).toMatchObject({ state: 'queued', note: 'the last run stopped before the final dot' });
  });

  it('a line in the middle that is not a record stops everything with the file and line named', async () => {
    const outbox = await openOutbox(outDir, id, now);
    await outbox.record({ event: 'queued', ...ola });
    await appendFile(outboxPath(outDir, id), 'garbage\n');
    await outbox.record({ event: 'queued', ...kari }).catch(() => undefined);
    await expect(openOutbox(outDir, id, now)).rejects.toThrow(OutputError);
    await expect(readOutbox(outDir)).rejects.toThrow(/outbox-.*\.jsonl line 2 is not an outbox record \(not JSON\)/);
  });

  it('refuses an edition id that is not a plain name', async () => {
    await expect(openOutbox(outDir, '../escape', now)).rejects.toThrow(/is not an edition id/);
    await expect(openOutbox(outDir, 'alerts', now)).rejects.toThrow(/is not an edition id/);
  });

  it('lists nothing when nothing was mailed', async () => {
    expect(await readOutbox(outDir)).toEqual([]);
    expect(formatOutbox([])).toBe('The outbox is empty: no edition has been mailed yet.');
  });
});

describe('formatOutbox', () => {
  it("lists every recipient's state, time, Message-ID and last reply or reason, counts, and what to do about the uncertain ones", async () => {
    const outbox = await openOutbox(outDir, id, now);
    const per = { recipient: 'per@example.no', key: 'per@example.no' };
    const liv = { recipient: 'liv@example.no', key: 'liv@example.no' };
    const kim = { recipient: 'kim@example.no', key: 'kim@example.no' };
    for (const r of [ola, kari, per, liv, kim]) await outbox.record({ event: 'queued', ...r });
    await outbox.record({ event: 'sending', ...ola, messageId: '<a@x.no>' });
    await outbox.record({ event: 'sent', ...ola, reply: '250 2.0.0 Ok: queued as 4F2' });
    await outbox.record({ event: 'sending', ...kari, messageId: '<b@x.no>' });
    await outbox.record({ event: 'uncertain', ...kari, reason: 'the server closed the connection, after the final dot' });
    await outbox.record({ event: 'failed', ...per, permanent: true, code: '550', reason: 'No such user' });
    await outbox.record({ event: 'failed', ...liv, permanent: false, code: 'ECONNREFUSED', reason: 'connection refused' });
    await writeFile(join(outDir, 'outbox', 'alerts.jsonl'), ''); // not an edition
    const text = formatOutbox(await readOutbox(outDir));
    expect(text.split('\n')).toEqual([
      `${id}  1 sent, 1 uncertain, 2 failed, 1 queued`,
      '  sent      ola@example.no   2025-10-03T07:00:06Z  <a@x.no>  250 2.0.0 Ok: queued as 4F2',
      '  uncertain kari@example.no  2025-10-03T07:00:08Z  <b@x.no>  the server closed the connection, after the final dot',
      '  failed    per@example.no   2025-10-03T07:00:09Z  -  550: No such user',
      '  failed*   liv@example.no   2025-10-03T07:00:10Z  -  ECONNREFUSED: connection refused',
      '  queued    kim@example.no   2025-10-03T07:00:04Z  -',
      `  Uncertain: ask kari@example.no whether the edition arrived; then \`briefing send ${id} --resend <address>\` if it did not (the same Message-ID, so a mail client that saw it shows one), or confirm it with \`briefing outbox --confirm <address>\`.`,
      '',
      'failed* = a temporary failure, tried again by the next send; sending. = stopped after the final dot',
    ]);
  });
});

describe('alerts', () => {
  it('an incident is open once alerted (or maybe alerted), failed when the mail failed, and can be resolved and opened again', async () => {
    const alerts = await openAlerts(outDir, now);
    await alerts.record({ event: 'sending', incident: 'tick-failed', subject: 'failed' });
    expect(alerts.get('tick-failed')).toMatchObject({ state: 'open', alertedAt: '2025-10-03T07:00:00.000Z' });
    await alerts.record({ event: 'sent', incident: 'tick-failed' });
    await alerts.record({ event: 'resolved', incident: 'tick-failed' });
    await alerts.record({ event: 'sending', incident: 'release-overdue:2026-03-02' });
    await alerts.record({ event: 'failed', incident: 'release-overdue:2026-03-02', reason: 'ECONNREFUSED' });
    const again = await openAlerts(outDir, now);
    expect(again.list().map((i) => [i.incident, i.state])).toEqual([
      ['tick-failed', 'resolved'],
      ['release-overdue:2026-03-02', 'failed'],
    ]);
  });
});
