import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../pipeline/errors.js';
import { lockPath, withLock } from '../pipeline/io/lock.js';
import { projectRoot } from '../pipeline/io/paths.js';
import { readOutbox, sendEdition, type MailConfig } from '../pipeline/send.js';
import { startFaultySmtp, type AfterDot, type FaultySmtp } from './support/faulty-smtp.js';
import { testEditionId, testMailConfig, writeEdition } from './support/mail-fixture.js';
import { mulberry32 } from './support/json-mutations.js';

/**
 * `briefing send` as a process that is killed, stopped or run twice at once (test/support/send-child.mjs, the
 * real code compiled into dist/ by the global setup). However it ends, the next send mails nobody twice, and
 * everyone it can reach and is not uncertain about is reached.
 */

const recipients = ['a@example.no', 'b@example.no', 'c@example.no', 'd@example.no', 'e@example.no', 'f@example.no'];
const children = new Set<ChildProcess>();
let work: string;
let outDir: string;
let server: FaultySmtp | undefined;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'send-kill-'));
  outDir = join(work, 'out');
  await writeEdition(outDir);
});
afterEach(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  await server?.close();
  server = undefined;
  await rm(work, { recursive: true, force: true });
});
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

interface Child {
  process: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(options: { mail: MailConfig; lockDirs: string[]; shutdown?: boolean; waitForGo?: boolean }): Child {
  const child = spawn(
    process.execPath,
    [join(projectRoot, 'test', 'support', 'send-child.mjs'), JSON.stringify({ outDir, editionId: testEditionId, ...options })],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.add(child);
  let out = '';
  const listeners = new Set<() => void>();
  const heard = (d: Buffer) => {
    out += d;
    for (const l of listeners) l();
  };
  child.stdout!.on('data', heard);
  child.stderr!.on('data', heard);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      for (const l of listeners) l();
      resolve({ code, signal });
    }),
  );
  return {
    process: child,
    output: () => out,
    exited,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(out)) {
            listeners.delete(check);
            return resolve();
          }
          if (child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            reject(new Error(`child ended before ${pattern}:\n${out}`));
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

async function finalSend(mail: MailConfig): Promise<{ sent: string[]; uncertain: string[] }> {
  try {
    const result = await withLock([outDir], 'test', () => sendEdition({ outDir, editionId: testEditionId, mail, retry: { attempts: 2, baseDelayMs: 10 } }));
    return { sent: result.sent, uncertain: result.uncertain };
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    expect(error.context.failed ?? []).toEqual([]); // only uncertainty may be left
    return { sent: error.context.sent ?? [], uncertain: error.context.uncertain ?? [] };
  }
}

describe('SIGKILL at seeded moments, then the next send', () => {
  it('mails nobody twice: a recipient is sent or uncertain, never resent on its own; everyone else is reached', async () => {
    const rounds = 12;
    const random = mulberry32(20_251_003);
    let uncertainRounds = 0;
    let killed = 0;
    for (let round = 0; round < rounds; round++) {
      await rm(join(outDir, 'outbox'), { recursive: true, force: true });
      await server?.close();
      // Even rounds: SIGKILL right after the server's 250 to the k-th message (0-5 ms later), in the window between the
      // reply and its record. Odd rounds: at a random moment of the whole send (connecting, recording, mid-message).
      const target = 1 + Math.floor(random() * recipients.length);
      const delayMs = Math.floor(random() * 6);
      const atMs = 20 + Math.floor(random() * 400);
      let kill: (() => void) | undefined;
      const s = await startFaultySmtp({
        afterDot: (): AfterDot => ({ kind: 'delay', ms: 15 }),
        onAccepted: ({ n }) => {
          if (round % 2 === 0 && n === target) delayMs === 0 ? kill?.() : setTimeout(() => kill?.(), delayMs);
        },
      });
      server = s;
      const mail = testMailConfig(s.port, { MAIL_TO: recipients.join(',') });
      const child = startChild({ mail, lockDirs: [outDir] });
      kill = () => child.process.kill('SIGKILL');
      await child.waitFor(/^ready$/m);
      if (round % 2 === 1) setTimeout(() => kill?.(), atMs);
      const ended = await child.exited;
      if (ended.signal === 'SIGKILL') killed++;
      const plan = round % 2 === 0 ? `after the 250 to message ${target} (+${delayMs} ms)` : `at ${atMs} ms`;

      const before = await readOutbox(outDir);
      const final = await finalSend(mail);
      const after = Object.fromEntries(((await readOutbox(outDir))[0]?.recipients ?? []).map((r) => [r.recipient, r.state]));
      for (const r of recipients) {
        const context =
          `round ${round} (SIGKILL ${plan}, child ${ended.signal ?? `exit ${ended.code}`}), ${r}: ${after[r]}, ` +
          `before: ${JSON.stringify(before[0]?.recipients.find((x) => x.recipient === r)?.history.map((h) => h.event))}`;
        expect(s.received(r), context).toBeLessThanOrEqual(1);
        expect(after[r], context).toMatch(/^(sent|uncertain)$/);
        if (after[r] === 'sent') expect(s.received(r), context).toBe(1);
      }
      expect(final.uncertain.every((r) => after[r] === 'uncertain')).toBe(true);
      if (final.uncertain.length > 0) uncertainRounds++;
      expect(existsSync(lockPath(outDir))).toBe(false); // the dead child's lock was taken over and released
    }
    console.log('SIGKILL rounds:', { rounds, killed, uncertainRounds });
    expect(killed).toBeGreaterThanOrEqual(rounds / 2); // every kill aimed at a 250 landed before the child was done
    // The kills right after a 250 did land in the window where the message is out and its record is not.
    expect(uncertainRounds).toBeGreaterThan(0);
  }, 120_000);
});

describe('SIGTERM', () => {
  it('finishes the message on the wire, records it, sends no other, releases the lock and exits 143; the next send reaches the rest', async () => {
    let child: Child | undefined;
    server = await startFaultySmtp({
      afterDot: ({ n }) => {
        if (n === 1) child!.process.kill('SIGTERM');
        return { kind: 'delay', ms: 1000 };
      },
    });
    const mail = testMailConfig(server.port, { MAIL_TO: recipients.slice(0, 3).join(',') });
    child = startChild({ mail, lockDirs: [outDir], shutdown: true });
    const ended = await child.exited;
    expect(ended).toEqual({ code: 143, signal: null });
    expect(child.output()).toMatch(/log SIGTERM: finishing the message on the wire, then stopping/);
    expect(child.output()).toMatch(/result .*"stopped":"signal"/);
    expect(server.messages.map((m) => m.to[0])).toEqual(['a@example.no']);
    const states = Object.fromEntries((await readOutbox(outDir))[0]!.recipients.map((r) => [r.recipient, r.state]));
    expect(states).toEqual({ 'a@example.no': 'sent', 'b@example.no': 'queued', 'c@example.no': 'queued' });
    expect(existsSync(lockPath(outDir))).toBe(false);

    await finalSend(mail);
    expect(recipients.slice(0, 3).map((r) => server!.received(r))).toEqual([1, 1, 1]);
  });

  it('a second SIGTERM abandons the message on the wire: uncertain, and the process ends at once', async () => {
    let child: Child | undefined;
    server = await startFaultySmtp({
      afterDot: () => {
        child!.process.kill('SIGTERM');
        setTimeout(() => child!.process.kill('SIGTERM'), 200);
        return { kind: 'delay', ms: 60_000 };
      },
    });
    const mail = testMailConfig(server.port, { MAIL_TO: 'a@example.no,b@example.no' });
    child = startChild({ mail, lockDirs: [outDir], shutdown: true });
    const started = Date.now();
    const ended = await child.exited;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(ended.code).toBe(143);
    expect(child.output()).toMatch(/error DeliveryError .*Uncertain: a@example.no/);
    const states = Object.fromEntries((await readOutbox(outDir))[0]!.recipients.map((r) => [r.recipient, r.state]));
    expect(states).toEqual({ 'a@example.no': 'uncertain', 'b@example.no': 'queued' });
  });
});

describe('two sends at once', () => {
  it('with different --data and the same --out: one takes the lock, the other stops at it; everyone is mailed once', async () => {
    server = await startFaultySmtp({ afterDot: () => ({ kind: 'delay', ms: 100 }) });
    const mail = testMailConfig(server.port, { MAIL_TO: recipients.join(',') });
    const dataA = join(work, 'data-a');
    const dataB = join(work, 'data-b');
    await Promise.all([mkdir(dataA), mkdir(dataB)]);
    const a = startChild({ mail, lockDirs: [dataA, outDir], waitForGo: true });
    const b = startChild({ mail, lockDirs: [dataB, outDir], waitForGo: true });
    await Promise.all([a.waitFor(/^ready$/m), b.waitFor(/^ready$/m)]);
    a.process.stdin!.end('go\n');
    b.process.stdin!.end('go\n');
    const [endA, endB] = await Promise.all([a.exited, b.exited]);
    expect([endA.code, endB.code].sort()).toEqual([0, 9]);
    const loser = endA.code === 9 ? a : b;
    expect(loser.output()).toMatch(/error LockError .*\.lock: another briefing run holds the lock \(send-child \d+/);
    expect(recipients.map((r) => server!.received(r))).toEqual(recipients.map(() => 1));
    expect(existsSync(lockPath(dataA)) || existsSync(lockPath(dataB)) || existsSync(lockPath(outDir))).toBe(false);
  });
});
