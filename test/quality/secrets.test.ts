import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readOutbox } from '../../pipeline/send.js';
import { runCli, type CliResult } from '../support/cli.js';
import { copyBriefing } from '../support/data-folder.js';
import { startReplayServer, v2Prefix, type ReplayServer } from '../support/replay-server.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';
import { statbankText } from '../support/statbank-fixtures.js';

/**
 * SMTP credentials never leak: the real CLI runs against a real SMTP server on loopback that requires a login,
 * with a distinctive password given as SMTP_PASS and inside SMTP_URL (URL-encoded), through `run --email`,
 * `send` (dry run, refused login with --debug, and a real send), `schedule --once` and broken mail settings, on a
 * copy of the AI briefing whose table 13265 is fetched from a StatBank on 127.0.0.1 (the real recorded response).
 * Then stdout, stderr, every file under the output and data folders (the outbox, the editions, the .eml files, the
 * claims) and every message the server received are searched for each password as is, URL-encoded and in the base64
 * forms SMTP AUTH sends: zero hits.
 */

const user = 'briefing-bot';
const password = 'Kv8#Rq2!p@ss/wörd:ÆØÅ+%2Fz'; // characters that URL-encoding and base64 each change
const wrong = 'Wr0ng-Pa55w0rd-Zq7#Tx';
const recipients = ['ola@example.no', 'kari@example.no'];
let smtp: TestSmtpServer;
let ssb: ReplayServer;
let work: string;
let dataDir: string;
let outDir: string;
const transcripts: { what: string; result: CliResult }[] = [];

/** The forms a password can take in a log, an error or a dump: as is, URL-encoded, base64 (AUTH LOGIN, AUTH PLAIN). */
const forms = (pass: string) => [
  ...new Set([
    pass,
    encodeURIComponent(pass),
    Buffer.from(pass).toString('base64'),
    Buffer.from(`\0${user}\0${pass}`).toString('base64'),
    Buffer.from(pass).toString('base64').replace(/=+$/, ''),
  ]),
];
const secrets = [...forms(password), ...forms(wrong)];
/** The forms of either password found in `bytes` (read as UTF-8 and as Latin-1). */
const leaks = (bytes: Buffer) => secrets.filter((s) => bytes.toString('utf8').includes(s) || bytes.toString('latin1').includes(s));

beforeAll(async () => {
  smtp = await startSmtpServer({ credentials: { user, pass: password } });
  ssb = await startReplayServer();
  // PxWebApi v2 as if gone: table 13265 is served as SSB recorded it, on v1.
  ssb.setFault((request) => request.path.startsWith(v2Prefix), { kind: 'gone' }, Number.MAX_SAFE_INTEGER);
  ssb.routes.set('GET /rss/statkal', { body: statbankText('statkal.xml'), headers: { 'content-type': 'application/rss+xml' } });
  work = await mkdtemp(join(tmpdir(), 'briefing-secrets-'));
  dataDir = await copyBriefing('kunstig-intelligens', join(work, 'data'));
  outDir = join(work, 'out');
}, 60_000);
afterAll(async () => {
  await smtp?.close();
  await ssb?.close();
  await rm(work, { recursive: true, force: true });
});

const base = () => ({
  SSB_API_URL: ssb.v2Url,
  SSB_RSS_URL: `${ssb.url}/rss/statkal`,
  SSB_RETRY_BUDGET_MS: '2000',
  SSB_TIMEOUT_MS: '5000',
  MAIL_FROM: 'SSB-briefing <briefing@example.no>',
  MAIL_TO: recipients.join(','),
  SMTP_STARTTLS: 'off',
});
const withPass = (pass: string) => ({ ...base(), SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_USER: user, SMTP_PASS: pass });
const withUrl = (pass: string) => ({ ...base(), SMTP_URL: `smtp://${user}:${encodeURIComponent(pass)}@127.0.0.1:${smtp.port}` });

async function cli(what: string, args: string[], env: NodeJS.ProcessEnv, expectedCode: number): Promise<CliResult> {
  const result = await runCli([...args, '--data', dataDir, '--out', outDir], { env });
  transcripts.push({ what, result });
  expect(result.code, `${what}: ${result.stderr}`).toBe(expectedCode);
  return result;
}

/** Every file under `dir`, recursively, with its bytes. */
async function files(dir: string): Promise<{ path: string; bytes: Buffer }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return Promise.all(
    entries
      .filter((e) => e.isFile())
      .map(async (e) => {
        const path = join(e.parentPath, e.name);
        return { path, bytes: await readFile(path) };
      }),
  );
}

test('the SMTP password appears in no output, error, manifest, archive file, data file or mail', async () => {
  // A dry run through SMTP_URL builds the edition and writes .eml files; a dry `send` with SMTP_PASS writes them again.
  const dry = await cli('run --email --dry-run (SMTP_URL)', ['run', '--email', '--dry-run'], withUrl(password), 0);
  expect(dry.stdout).toMatch(/^✓ fetch fetched/m);
  expect(dry.stdout).toMatch(/^✓ email 2 \.eml written \(dry run\)/m);
  await cli('send --dry-run (SMTP_PASS)', ['send', '--dry-run'], withPass(password), 0);

  // The login refused, with --debug (stack traces on): DeliveryError, exit 10, nothing sent.
  const refused = await cli('send --debug, wrong password (SMTP_URL)', ['send', '--debug'], withUrl(wrong), 10);
  expect(refused.stderr).toMatch(/^✗ Sending edition \S+ to ola@example\.no failed after 1 attempt: .*check SMTP_USER and SMTP_PASS/m);
  expect(refused.stderr).toMatch(/DeliveryError/); // the stack was shown
  const refusedPass = await cli('run --email, wrong password (SMTP_PASS)', ['run', '--email'], withPass(wrong), 10);
  expect(`${refusedPass.stdout}${refusedPass.stderr}`).toContain('refused the login');
  expect(smtp.messages).toHaveLength(0);
  expect(smtp.logins.filter((l) => !l.ok).length).toBeGreaterThanOrEqual(2);

  // Sent for real: the unchanged run mails the edition to both, a later send and a scheduler tick mail nobody twice.
  const sent = await cli('run --email (SMTP_PASS)', ['run', '--email'], withPass(password), 0);
  expect(sent.stdout).toMatch(/^✓ email \S+ sent to 2, 0 had it already/m);
  await cli('send (SMTP_URL)', ['send'], withUrl(password), 0);
  const tick = await cli('schedule --once --email (SMTP_URL)', ['schedule', '--once', '--email'], withUrl(password), 0);
  expect(tick.stdout).toMatch(/mail to 2 recipient\(s\)/);
  expect(tick.stdout).toMatch(/tick 1: unchanged/);
  expect(smtp.messages.map((m) => m.to.join())).toEqual(recipients);
  expect(smtp.logins.some((l) => l.ok && l.user === user)).toBe(true);

  // Broken settings that hold the password: the error names the setting and never echoes the value.
  await cli('SMTP_URL with a wrong scheme', ['run', '--email', '--offline'], { ...base(), SMTP_URL: `http://${user}:${password}@127.0.0.1:25` }, 2);
  await cli('SMTP_URL that is not a URL', ['send'], { ...base(), SMTP_URL: `smtp://${user}:${password}@[broken` }, 2);
  await cli('SMTP_URL and SMTP_HOST both set', ['send'], { ...withUrl(password), SMTP_HOST: '127.0.0.1' }, 2);
  await cli('SMTP_PASS without SMTP_USER', ['send'], { ...withPass(password), SMTP_USER: '' }, 2);

  // Now search everything for every form of both passwords.
  const haystacks = [
    ...transcripts.flatMap(({ what, result }) => [
      { where: `stdout of ${what}`, bytes: Buffer.from(result.stdout) },
      { where: `stderr of ${what}`, bytes: Buffer.from(result.stderr) },
    ]),
    ...(await files(outDir)).map((f) => ({ where: f.path, bytes: f.bytes })),
    ...(await files(dataDir)).map((f) => ({ where: f.path, bytes: f.bytes })),
    ...smtp.messages.map((m, i) => ({ where: `message ${i + 1} the SMTP server received`, bytes: m.raw })),
  ];
  const eml = haystacks.filter((h) => h.where.endsWith('.eml'));
  const outbox = haystacks.filter((h) => /\/outbox\/[^/]+\.jsonl$/.test(h.where));
  expect(eml.length).toBe(2); // the dry runs' files are among those searched
  expect(outbox.length).toBeGreaterThanOrEqual(1); // and the outbox, the record of who was sent what
  expect(haystacks.some((h) => h.where.endsWith('claims.json'))).toBe(true);
  const record = await readOutbox(outDir);
  expect(record).toHaveLength(1);
  expect(record[0]!.recipients.map((r) => [r.recipient, r.state])).toEqual(recipients.map((r) => [r, 'sent']));
  const hits = haystacks.flatMap(({ where, bytes }) => leaks(bytes).map((s) => `${where} holds "${s}"`));
  expect(hits).toEqual([]);
  // The search finds what it looks for: the settings the runs were given hold the password in its forms.
  expect(leaks(Buffer.from(JSON.stringify(withUrl(password))))).toContain(encodeURIComponent(password));
  expect(leaks(Buffer.from(`AUTH PLAIN ${Buffer.from(`\0${user}\0${wrong}`).toString('base64')}`)).length).toBeGreaterThan(0);
}, 180_000);
