import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { editionId, hashDataset, loadEdition, saveEdition, type EditionManifest } from '../pipeline/archive.js';
import { ConfigError, DeliveryError } from '../pipeline/errors.js';
import { loadDotEnv, redact, resolveMailConfig, sendBriefing, type MailConfig } from '../pipeline/send.js';
import { closedPort, startSmtpServer, type TestSmtpServer } from './support/smtp-server.js';

const user = 'briefing';
const password = 'S3cret-Pässwörd!';
const recipients = ['ola@example.no', 'kari@example.no'];
const pdf = new Uint8Array(Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1'));

let outDir: string;
let server: TestSmtpServer | undefined;
let edition: Omit<EditionManifest, 'sent'>;
let sleeps: number[];
let logLines: string[];

beforeEach(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'send-'));
  const dataHash = hashDataset('{"observations": []}');
  const tables = [{ id: '10977', updated: '2025-10-01T06:00:00Z' }];
  edition = {
    id: editionId({ year: 2025, lang: 'nn', dataHash, tables }),
    lang: 'nn',
    year: 2025,
    headline: 'Eitt av to føretak bruker sosiale medium',
    keyFigures: [
      { value: '50\u00a0%', label: 'av føretaka bruker sosiale medium' },
      { value: '88\u00a0%', label: 'av føretaka med 100 eller fleire tilsette bruker sosiale medium' },
    ],
    editionDate: '2025-10-01',
    dataHash,
    tables,
    generatedAt: '2025-10-02T08:00:00.000Z',
    toolVersion: '0.1.0',
    pageCount: 2,
    files: { html: 'briefing.html', pdf: 'briefing.pdf' },
  };
  await saveEdition({ outDir, manifest: edition, html: '<p>briefing</p>', pdf });
  sleeps = [];
  logLines = [];
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(outDir, { recursive: true, force: true });
});

function mailConfig(port: number, overrides: Record<string, string> = {}): MailConfig {
  return resolveMailConfig({
    SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_USER: user, SMTP_PASS: password, SMTP_STARTTLS: 'off',
    MAIL_FROM: 'SSB-briefing <briefing@example.no>', MAIL_TO: recipients.join(','), MAIL_SUBJECT_PREFIX: '[SSB]',
    ...overrides,
  });
}

const send = (mail: MailConfig, extra: { dryRun?: boolean } = {}) =>
  sendBriefing({
    outDir, editionId: edition.id, mail, ...extra,
    effects: { sleep: async (ms) => void sleeps.push(ms), log: (line) => logLines.push(line), now: () => new Date('2025-10-03T07:00:00Z') },
  });

const squash = (text: string) => text.replace(/[\s\u00a0]+/g, ' ');
const toOf = (m: ParsedMail) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address));

describe('sendBriefing against a real SMTP server', () => {
  it('sends one message per recipient with both bodies and the PDF byte for byte, and records each', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const result = await send(mailConfig(server.port));
    expect(result).toEqual({ sent: recipients, alreadySent: [] });
    expect(server.messages.map((m) => m.to)).toEqual(recipients.map((r) => [r]));
    expect(server.logins).toEqual([{ user, ok: true }, { user, ok: true }]);

    const manifest = await loadEdition(outDir, edition.id);
    expect(manifest.sent.map((s) => [s.recipient, s.at])).toEqual(recipients.map((r) => [r, '2025-10-03T07:00:00.000Z']));
    for (const [i, received] of server.messages.entries()) {
      const mail = await simpleParser(received.raw);
      expect(mail.from?.value[0]?.address).toBe('briefing@example.no');
      expect(toOf(mail)).toEqual([recipients[i]]); // nobody sees the others
      expect(mail.cc).toBeUndefined();
      expect(mail.subject).toBe('[SSB] Eitt av to føretak bruker sosiale medium (1. oktober 2025)');
      expect(mail.messageId).toBe(manifest.sent[i]!.messageId);
      for (const body of [squash(mail.text ?? ''), squash(String(mail.html))]) {
        expect(body).toContain('Eitt av to føretak bruker sosiale medium');
        expect(body).toContain('50 % av føretaka bruker sosiale medium');
        expect(body).toContain('Kjelde: Statistisk sentralbyrå');
        expect(body).toContain('CC BY 4.0');
      }
      expect(String(mail.html)).toContain('<html lang="nn">');
      expect(mail.attachments).toHaveLength(1);
      const [attachment] = mail.attachments;
      expect(attachment!.filename).toBe('ssb-briefing-2025-nn.pdf');
      expect(attachment!.contentType).toBe('application/pdf');
      expect(new Uint8Array(attachment!.content)).toEqual(pdf);
    }
    expect(await readFile(join(outDir, 'index.html'), 'utf8')).toContain('sendt til 2 mottakarar');
  });

  it('retries a closed port with backoff, then fails naming the recipient and leaving the edition unsent', async () => {
    const port = await closedPort();
    const error = await send(mailConfig(port)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    const message = (error as Error).message;
    expect(message).toContain('ola@example.no');
    expect(message).toContain('ECONNREFUSED');
    expect(message).toContain('after 3 attempts');
    expect(message).toContain('Already sent to: nobody');
    expect(message).toMatch(/marked unsent for ola@example.no, kari@example.no/);
    expect(message).toContain('SMTP_HOST');
    expect(sleeps).toEqual([500, 1000]);
    expect((await loadEdition(outDir, edition.id)).sent).toEqual([]);
  });

  it('makes exactly one attempt when the login is refused, and never shows the password', async () => {
    server = await startSmtpServer({ credentials: { user, pass: 'another-password' } });
    const error = await send(mailConfig(server.port)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(server.logins).toEqual([{ user, ok: false }]);
    expect(server.messages).toEqual([]);
    expect(sleeps).toEqual([]);
    const e = error as DeliveryError;
    expect(e.message).toMatch(/535/);
    expect(e.message).toContain('after 1 attempt:');
    expect(e.message).toContain('SMTP_USER and SMTP_PASS');
    const { cause, ...context } = e.context;
    const everything = [e.message, String(cause), (cause as Error).message, JSON.stringify(context), ...logLines,
      await readFile(join(outDir, 'editions', edition.id, 'manifest.json'), 'utf8'), await readFile(join(outDir, 'index.html'), 'utf8')];
    for (const text of everything) expect(text).not.toContain(password);
    expect((await loadEdition(outDir, edition.id)).sent).toEqual([]);
  });

  it.each(['rcpt', 'data'] as const)('retries a temporary 451 at %s and the message arrives once', async (stage) => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    server.failNext({ stage, code: 451, message: '4.3.0 Try again later' });
    const result = await send(mailConfig(server.port, { MAIL_TO: 'ola@example.no' }));
    expect(result.sent).toEqual(['ola@example.no']);
    expect(server.messages).toHaveLength(1);
    expect(sleeps).toEqual([500]);
    expect(logLines.some((l) => /attempt 1 of 3 failed .*451/.test(l))).toBe(true);
  });

  it('mails nobody twice: a second call sends nothing', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const mail = mailConfig(server.port);
    await send(mail);
    const again = await send(mail);
    expect(again).toEqual({ sent: [], alreadySent: recipients });
    expect(server.messages.map((m) => m.to[0])).toEqual(recipients);
  });

  it('does not retry a permanent refusal: 550 at RCPT points at MAIL_TO, 554 at DATA is reported as is', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const mail = mailConfig(server.port);
    server.failNext({ stage: 'rcpt', code: 550, message: '5.1.1 Mailbox unavailable' });
    const refused = await send(mail).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DeliveryError);
    expect((refused as Error).message).toMatch(/ola@example.no failed after 1 attempt: .*550.*Already sent to: nobody\. .*unsent for ola@example.no, kari@example.no\. .*MAIL_TO/);

    server.failNext({ stage: 'data', code: 554, message: '5.6.0 Message refused' });
    const rejected = await send(mail).catch((e: unknown) => e);
    expect((rejected as Error).message).toMatch(/ola@example.no failed after 1 attempt: .*554 5\.6\.0 Message refused/);
    expect(sleeps).toEqual([]);
    expect(server.messages).toEqual([]);
    expect((await loadEdition(outDir, edition.id)).sent).toEqual([]);
  });

  it('tells what was already sent when a later recipient fails, and a rerun reaches only the rest', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const mail = mailConfig(server.port);
    const target = server;
    const result = sendBriefing({
      outDir, editionId: edition.id, mail,
      effects: {
        sleep: async (ms) => void sleeps.push(ms),
        // After the first message is recorded, refuse the next recipient for good.
        log: (line) => line.startsWith('ola@example.no: sent') && target.failNext({ stage: 'rcpt', code: 550, message: '5.1.1 No such user' }),
      },
    });
    const error = await result.catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/to kari@example.no failed .*Already sent to: ola@example.no \(now\)\. .*unsent for kari@example.no\./);
    expect((await loadEdition(outDir, edition.id)).sent.map((s) => s.recipient)).toEqual(['ola@example.no']);

    const rerun = await send(mail);
    expect(rerun).toEqual({ sent: ['kari@example.no'], alreadySent: ['ola@example.no'] });
    expect(server.messages.map((m) => m.to[0])).toEqual(['ola@example.no', 'kari@example.no']);
  });

  it('writes .eml files that parse in a dry run, sending and recording nothing', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const result = await send(mailConfig(server.port), { dryRun: true });
    expect(result.sent).toEqual([]);
    expect(result.eml).toHaveLength(2);
    const outbox = join(outDir, 'editions', edition.id, 'outbox');
    expect((await readdir(outbox)).sort()).toEqual(['kari@example.no.eml', 'ola@example.no.eml']);
    for (const recipient of recipients) {
      const mail = await simpleParser(await readFile(join(outbox, `${recipient}.eml`)));
      expect(toOf(mail)).toEqual([recipient]);
      expect(mail.subject).toContain('Eitt av to føretak');
      expect(new Uint8Array(mail.attachments[0]!.content)).toEqual(pdf);
    }
    expect(server.messages).toEqual([]);
    expect(server.connections).toBe(0);
    expect((await loadEdition(outDir, edition.id)).sent).toEqual([]);
  });
});

describe('resolveMailConfig', () => {
  const base = { SMTP_HOST: 'smtp.example.no', MAIL_FROM: 'briefing@example.no', MAIL_TO: 'ola@example.no' };
  const fails = (env: Record<string, string>) => {
    try {
      resolveMailConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('names the variable that is missing or wrong and what to set', () => {
    expect(fails({ ...base, MAIL_TO: '' })).toBe('MAIL_TO is not set: give the recipients, comma-separated, e.g. MAIL_TO=ola@example.no,kari@example.no');
    expect(fails({ ...base, MAIL_TO: 'ola@example.no, kari' })).toMatch(/^MAIL_TO holds "kari", which is not an e-mail address/);
    expect(fails({ SMTP_HOST: 'h', MAIL_TO: 'ola@example.no' })).toMatch(/^MAIL_FROM is not set: .*MAIL_FROM=/);
    expect(fails({ MAIL_FROM: 'a@b.no', MAIL_TO: 'ola@example.no' })).toMatch(/^SMTP_HOST is not set: .*SMTP_URL/);
    expect(fails({ ...base, SMTP_PORT: 'abc' })).toMatch(/^SMTP_PORT "abc" is not a port/);
    expect(fails({ ...base, SMTP_SECURE: 'yes' })).toMatch(/^SMTP_SECURE/);
    expect(fails({ ...base, SMTP_STARTTLS: 'maybe' })).toMatch(/^SMTP_STARTTLS "maybe" must be require, opportunistic or off/);
    expect(fails({ ...base, SMTP_USER: 'u' })).toMatch(/^SMTP_PASS is not set but SMTP_USER is/);
    const urlError = fails({ MAIL_FROM: 'a@b.no', MAIL_TO: 'ola@example.no', SMTP_URL: `http://u:${password}@host` });
    expect(urlError).toMatch(/^SMTP_URL must start with smtp:\/\/ or smtps:\/\//);
    expect(urlError).not.toContain(password);
  });

  it('reads SMTP_URL with credentials and applies the port defaults', () => {
    const config = resolveMailConfig({ MAIL_FROM: 'a@b.no', MAIL_TO: ' ola@example.no , OLA@example.no,kari@example.no', SMTP_URL: `smtps://me%40x.no:${encodeURIComponent(password)}@mail.example.no` });
    expect(config).toMatchObject({ host: 'mail.example.no', port: 465, secure: true, starttls: 'opportunistic', auth: { user: 'me@x.no', pass: password }, to: ['ola@example.no', 'kari@example.no'], subjectPrefix: '' });
    expect(resolveMailConfig(base)).toMatchObject({ port: 587, secure: false, auth: undefined });
    expect(resolveMailConfig({ ...base, SMTP_PORT: '465' }).secure).toBe(true);
    expect(resolveMailConfig({ ...base, SMTP_PORT: '465', SMTP_SECURE: 'false' }).secure).toBe(false);
  });

  it('redacts the password and URL credentials', () => {
    const config = resolveMailConfig({ ...base, SMTP_USER: user, SMTP_PASS: password });
    const text = `login ${password} at smtp://${user}:${encodeURIComponent(password)}@host (${Buffer.from(`\0${user}\0${password}`).toString('base64')})`;
    expect(redact(text, config)).toBe('login *** at smtp://***@host (***)');
    // A short password is starred only where it stands alone, not inside other words.
    expect(redact('pp@example.no: login pp refused, pp.', { auth: { user, pass: 'pp' } })).toBe('pp@example.no: login *** refused, ***.');
  });
});

describe('loadDotEnv', () => {
  it('reads KEY=VALUE lines, comments and quotes; real environment variables win', async () => {
    const path = join(outDir, '.env');
    await writeFile(path, ['# mail', 'SMTP_HOST=smtp.example.no # the relay', 'export SMTP_PORT=2525', `SMTP_PASS='a #b "c"'`, 'MAIL_FROM="Briefing <b@example.no>"', 'MAIL_TO=file@example.no', ''].join('\n'));
    const env = loadDotEnv(path, { MAIL_TO: 'real@example.no' });
    expect(env).toMatchObject({ SMTP_HOST: 'smtp.example.no', SMTP_PORT: '2525', SMTP_PASS: 'a #b "c"', MAIL_FROM: 'Briefing <b@example.no>', MAIL_TO: 'real@example.no' });
    expect(loadDotEnv(join(outDir, 'missing.env'), { A: '1' })).toEqual({ A: '1' });
    await writeFile(path, `SMTP_PASS=${password}\nthis line is wrong\n`);
    expect(() => loadDotEnv(path, {})).toThrow(/line 2 is not KEY=VALUE/);
  });
});
