import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, DeliveryError, OutputError } from '../pipeline/errors.js';
import { readOutbox, redact, resolveMailConfig, sendEdition, type MailConfig, type SendOptions } from '../pipeline/send.js';
import { outboxPath } from '../pipeline/store/outbox.js';
import { testEditionId, testMailConfig, testPdf, writeEdition } from './support/mail-fixture.js';
import { closedPort, startSmtpServer, type TestSmtpServer } from './support/smtp-server.js';

/** sendEdition against smtp-server (a real SMTP server library) on 127.0.0.1. Faults it can't produce: send-faults.test.ts. */

const user = 'briefing';
const password = 'S3cret-Pässwörd!';
const recipients = ['ola@example.no', 'kari@example.no'];

let outDir: string;
let server: TestSmtpServer | undefined;
let sleeps: number[];
let logLines: string[];

beforeEach(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'send-'));
  await writeEdition(outDir);
  sleeps = [];
  logLines = [];
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(outDir, { recursive: true, force: true });
});

function mailConfig(port: number, overrides: Record<string, string> = {}): MailConfig {
  return testMailConfig(port, { SMTP_USER: user, SMTP_PASS: password, MAIL_TO: recipients.join(','), ...overrides });
}

const send = (mail: MailConfig, extra: Partial<SendOptions> = {}) =>
  sendEdition({
    outDir,
    editionId: testEditionId,
    mail,
    ...extra,
    effects: { sleep: async (ms) => void sleeps.push(ms), log: (line) => logLines.push(line), now: () => new Date('2025-10-03T07:00:00Z'), ...extra.effects },
  });

const squash = (text: string) => text.replace(/[\s\u00a0]+/g, ' ');
const toOf = (m: ParsedMail) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address));
const states = async () => Object.fromEntries(((await readOutbox(outDir))[0]?.recipients ?? []).map((r) => [r.recipient, r.state]));
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );

describe('sendEdition against a real SMTP server', () => {
  it('sends one message per recipient with both bodies and the PDF byte for byte, and records each as sent', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const result = await send(mailConfig(server.port));
    expect(result).toEqual({ sent: recipients, alreadySent: [], failed: [], uncertain: [], unsent: [] });
    expect(server.messages.map((m) => m.to)).toEqual(recipients.map((r) => [r]));
    expect(server.logins).toEqual([
      { user, ok: true },
      { user, ok: true },
    ]);

    const [outbox] = await readOutbox(outDir);
    expect(outbox!.editionId).toBe(testEditionId);
    expect(outbox!.recipients.map((r) => [r.recipient, r.state, r.sentAt, r.history.map((h) => h.event)])).toEqual(
      recipients.map((r) => [r, 'sent', '2025-10-03T07:00:00.000Z', ['queued', 'sending', 'final-dot', 'sent']]),
    );
    for (const [i, received] of server.messages.entries()) {
      const mail = await simpleParser(received.raw);
      expect(mail.from?.value[0]?.address).toBe('briefing@example.no');
      expect(toOf(mail)).toEqual([recipients[i]]); // nobody sees the others
      expect(mail.cc).toBeUndefined();
      expect(mail.subject).toBe('[SSB] Eitt av to føretak bruker sosiale medium (1. oktober 2025)');
      expect(mail.messageId).toBe(outbox!.recipients[i]!.messageId);
      expect(mail.messageId).toMatch(new RegExp(`^<${testEditionId}\\.[0-9a-f]{20}@example\\.no>$`));
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
      expect(new Uint8Array(attachment!.content)).toEqual(testPdf);
    }
    expect(server.messages[0]!.raw.toString()).not.toMatch(/[^\r]\n/); // CRLF only
  });

  it("escapes the edition's text in the HTML body (the template engine does it) and leaves the text body as written", async () => {
    await writeEdition(outDir, { headline: 'Kafé & <b>"bruk"</b>', keyFigures: [{ value: '<1 %', label: 'av "alle" & fleire' }] });
    server = await startSmtpServer({ credentials: { user, pass: password } });
    await send(mailConfig(server.port, { MAIL_TO: 'ola@example.no' }));
    const mail = await simpleParser(server.messages[0]!.raw);
    const html = String(mail.html);
    expect(html).toContain('<h1>Kafé &amp; &lt;b&gt;&quot;bruk&quot;&lt;/b&gt;</h1>');
    expect(html).toContain('<li>&lt;1 % av &quot;alle&quot; &amp; fleire</li>');
    expect(html).not.toContain('<b>');
    expect(mail.text).toContain('Kafé & <b>"bruk"</b>');
    expect(mail.text).toContain('- <1 % av "alle" & fleire');
    expect(mail.subject).toBe('[SSB] Kafé & <b>"bruk"</b> (1. oktober 2025)');
  });

  it('retries a closed port with backoff, then stops, naming the server problem and leaving the rest queued', async () => {
    const port = await closedPort();
    const error = await failure(send(mailConfig(port)));
    expect(error).toBeInstanceOf(DeliveryError);
    const message = (error as Error).message;
    expect(message).toContain('to ola@example.no failed after 3 attempts');
    expect(message).toContain('ECONNREFUSED');
    expect(message).toContain('Sent to: nobody.');
    expect(message).toContain('Not tried: kari@example.no.');
    expect(message).toContain('SMTP_HOST');
    expect((error as DeliveryError).context).toMatchObject({ failed: ['ola@example.no'], unsent: ['kari@example.no'], code: 'ECONNREFUSED' });
    expect(sleeps).toEqual([500, 1000]);
    expect(await states()).toEqual({ 'ola@example.no': 'failed', 'kari@example.no': 'queued' });
    expect((await readOutbox(outDir))[0]!.recipients[0]!.failure).toMatchObject({ permanent: false, code: 'ECONNREFUSED' });
  });

  it('a temporary failure is tried again by the next send: once the server is up, everyone gets it once', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    server.failNext({ stage: 'mail', code: 421, message: '4.3.2 Service shutting down', times: 3 });
    await failure(send(mailConfig(server.port)));
    expect(await states()).toEqual({ 'ola@example.no': 'failed', 'kari@example.no': 'queued' });
    const again = await send(mailConfig(server.port));
    expect(again.sent).toEqual(recipients);
    expect(server.messages.map((m) => m.to)).toEqual(recipients.map((r) => [r]));
  });

  it('makes exactly one attempt when the login is refused, never shows the password, and mails everyone once it is fixed', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const wrong = 'An0ther-Passw0rd!';
    const error = await failure(send(mailConfig(server.port, { SMTP_PASS: wrong })));
    expect(error).toBeInstanceOf(DeliveryError);
    expect(server.logins).toEqual([{ user, ok: false }]);
    expect(server.messages).toEqual([]);
    expect(sleeps).toEqual([]);
    const e = error as DeliveryError;
    expect(e.message).toMatch(/to ola@example.no failed after 1 attempt: the server answered 535/);
    expect(e.message).toContain('SMTP_USER and SMTP_PASS');
    const everything = [e.message, JSON.stringify(e.context), ...logLines, await readFile(outboxPath(outDir, testEditionId), 'utf8')];
    for (const text of everything) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(Buffer.from(`\0${user}\0${wrong}`).toString('base64'));
    }
    // A refused login is about the settings, not the recipient: with them fixed, everyone is mailed.
    await failure(send(mailConfig(server.port, { SMTP_PASS: wrong })));
    const fixed = await send(mailConfig(server.port));
    expect(fixed.sent).toEqual(recipients);
    expect(server.messages).toHaveLength(2);
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

  it('a stop that comes during the wait between attempts ends the retries: no new message is started', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    server.failNext({ stage: 'rcpt', code: 451, message: '4.3.0 Try again later', times: 3 });
    const stop = new AbortController();
    const error = await failure(
      send(mailConfig(server.port), {
        effects: {
          sleep: async (ms) => {
            sleeps.push(ms);
            stop.abort();
          },
          stop: stop.signal,
        },
      }),
    );
    expect(error).toBeInstanceOf(DeliveryError);
    expect(sleeps).toEqual([500]);
    expect(server.messages).toEqual([]);
    expect(logLines.filter((l) => /attempt \d of 3 failed/.test(l))).toHaveLength(1);
    expect(logLines).toContain('ola@example.no: stop requested: not retrying');
    expect((error as DeliveryError).context).toMatchObject({ failed: ['ola@example.no'], unsent: ['kari@example.no'] });
    // Recorded as a temporary failure: the next send tries it again.
    expect(await states()).toEqual({ 'ola@example.no': 'failed', 'kari@example.no': 'queued' });
    expect((await readOutbox(outDir))[0]!.recipients[0]!.failure).toMatchObject({ permanent: false });
    const again = await send(mailConfig(server.port));
    expect(again.sent).toEqual(recipients);
  });

  it('mails nobody twice: a second call sends nothing', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const mail = mailConfig(server.port);
    await send(mail);
    const again = await send(mail);
    expect(again).toEqual({ sent: [], alreadySent: recipients, failed: [], uncertain: [], unsent: [] });
    expect(server.messages.map((m) => m.to[0])).toEqual(recipients);
  });

  it('a 550 for one recipient does not stop the others; it is not retried, by this run or the next, until a person asks', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const mail = mailConfig(server.port, { MAIL_TO: 'ola@example.no,kari@example.no,per@example.no' });
    server.failNext({ stage: 'rcpt', code: 550, message: '5.1.1 Mailbox unavailable' });
    const refused = await failure(send(mail));
    expect(refused).toBeInstanceOf(DeliveryError);
    expect((refused as Error).message).toMatch(
      /Sent to: kari@example.no \(now\), per@example.no \(now\)\. Failed: ola@example.no \(for good: .*550 5\.1\.1 Mailbox unavailable.*\)\..*MAIL_TO/,
    );
    expect(server.messages.map((m) => m.to[0])).toEqual(['kari@example.no', 'per@example.no']);
    expect(sleeps).toEqual([]);

    const rerun = await failure(send(mail));
    expect((rerun as DeliveryError).message).toMatch(/ola@example.no \(for good, in an earlier run/);
    expect(server.messages).toHaveLength(2);

    const resent = await send(mail, { resend: ['OLA@example.no'] });
    expect(resent).toMatchObject({ sent: ['ola@example.no'], alreadySent: ['kari@example.no', 'per@example.no'] });
    expect(server.messages.map((m) => m.to[0])).toEqual(['kari@example.no', 'per@example.no', 'ola@example.no']);
  });

  it('a 554 to the whole message is reported as is and recorded as failed for good', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    server.failNext({ stage: 'data', code: 554, message: '5.6.0 Message refused' });
    const rejected = await failure(send(mailConfig(server.port, { MAIL_TO: 'ola@example.no' })));
    expect((rejected as Error).message).toMatch(/ola@example.no \(for good: the server answered 554 5\.6\.0 Message refused at final-dot\)/);
    expect(await states()).toEqual({ 'ola@example.no': 'failed' });
    expect(server.messages).toEqual([]);
  });

  it("resend on a person's word: the same Message-ID again; an address not in MAIL_TO is refused before anything is sent", async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const mail = mailConfig(server.port);
    await send(mail);
    await expect(send(mail, { resend: ['someone@else.no'] })).rejects.toThrow(ConfigError);
    expect(server.messages).toHaveLength(2);
    const again = await send(mail, { resend: 'all' });
    expect(again.sent).toEqual(recipients);
    const ids = await Promise.all(server.messages.map(async (m) => (await simpleParser(m.raw)).messageId));
    expect(ids[2]).toBe(ids[0]);
    expect(ids[3]).toBe(ids[1]);
    expect(ids[0]).not.toBe(ids[1]);
    expect((await readOutbox(outDir))[0]!.recipients.every((r) => r.history.some((h) => h.event === 'resend'))).toBe(true);
  });

  it('one mailbox spelled two ways (domain case, IDNA) is mailed once', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const base = mailConfig(server.port);
    const mail: MailConfig = { ...base, to: ['ola@exämple.no', 'Ola@XN--EXMPLE-CUA.NO', 'ola@EXÄMPLE.no', 'kari@example.no'] };
    const result = await send(mail);
    expect(result.sent).toEqual(['ola@exämple.no', 'kari@example.no']);
    // smtp-server shows the domain in Unicode; the envelope's ASCII form is checked in send-faults.test.ts.
    expect(server.messages.map((m) => m.to)).toEqual([['ola@exämple.no'], ['kari@example.no']]);
    // A later run with the other spelling finds it sent.
    const later = await send({ ...base, to: ['ola@xn--exmple-cua.no'] });
    expect(later.alreadySent).toEqual(['ola@xn--exmple-cua.no']);
    expect(server.messages).toHaveLength(2);
  });

  it('takes over the recipients an older manifest records as sent, so an upgrade mails nobody twice', async () => {
    // An older manifest: the recipients it mailed, and no statisticUrl (recorded since).
    await writeEdition(outDir, {
      statisticUrl: undefined,
      sent: [{ recipient: 'OLA@example.no', at: '2025-10-02T09:00:00.000Z', messageId: '<old@example.no>' }],
    });
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const result = await send(mailConfig(server.port));
    expect(result).toMatchObject({ sent: ['kari@example.no'], alreadySent: ['ola@example.no'] });
    expect(server.messages.map((m) => m.to[0])).toEqual(['kari@example.no']);
    const mail = await simpleParser(server.messages[0]!.raw);
    expect(mail.text).toMatch(/^Kjelde: Statistisk sentralbyrå$/m); // the source, with no link to a page it doesn't know
    expect(`${mail.text}${mail.html}`).not.toMatch(/undefined|href=""/);
  });

  it('writes .eml files that parse in a dry run, sending and recording nothing', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const result = await send(mailConfig(server.port), { dryRun: true });
    expect(result.sent).toEqual([]);
    expect(result.eml).toHaveLength(2);
    const folder = join(outDir, 'editions', testEditionId, 'outbox');
    expect((await readdir(folder)).sort()).toEqual(['kari@example.no.eml', 'ola@example.no.eml']);
    for (const recipient of recipients) {
      const mail = await simpleParser(await readFile(join(folder, `${recipient}.eml`)));
      expect(toOf(mail)).toEqual([recipient]);
      expect(mail.subject).toContain('Eitt av to føretak');
      expect(new Uint8Array(mail.attachments[0]!.content)).toEqual(testPdf);
    }
    expect(server.messages).toEqual([]);
    expect(server.connections).toBe(0);
    expect(await readOutbox(outDir)).toEqual([]);
  });

  it('fails before sending anything for a missing edition, naming the ones there are', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const error = await failure(sendEdition({ outDir, editionId: '2025-nn-ffffffffffff', mail: mailConfig(server.port) }));
    expect(error).toBeInstanceOf(OutputError);
    expect((error as Error).message).toContain(`Editions there: ${testEditionId}.`);
    expect(server.connections).toBe(0);
  });
});

describe('TLS', () => {
  let cert: { key: string; cert: string };
  const openssl = promisify(execFile);

  beforeEach(async () => {
    const key = join(outDir, 'key.pem');
    const crt = join(outDir, 'cert.pem');
    await openssl('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      crt,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    cert = { key: await readFile(key, 'utf8'), cert: await readFile(crt, 'utf8') };
  });

  it.each([
    ['STARTTLS', { SMTP_STARTTLS: 'require' }, false],
    ['TLS from the first byte', { SMTP_SECURE: 'true' }, true],
  ] as const)('sends over %s with a certificate the client verifies', async (_, env, secure) => {
    server = await startSmtpServer({ credentials: { user, pass: password }, tls: { ...cert, secure } });
    const result = await send(mailConfig(server.port, { MAIL_TO: 'ola@example.no', ...env }), { effects: { tls: { ca: cert.cert } } });
    expect(result.sent).toEqual(['ola@example.no']);
    expect(server.messages).toHaveLength(1);
  });

  it('refuses a certificate it cannot verify, for good and without sending', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password }, tls: cert });
    const error = await failure(send(mailConfig(server.port, { MAIL_TO: 'ola@example.no', SMTP_STARTTLS: 'require' })));
    expect((error as Error).message).toMatch(/failed after 1 attempt: .*(certificate|self-signed)/i);
    expect(server.messages).toEqual([]);
  });

  it('with SMTP_STARTTLS=require, a server that does not offer STARTTLS gets nothing (no login in the clear)', async () => {
    server = await startSmtpServer({ credentials: { user, pass: password } });
    const error = await failure(send(mailConfig(server.port, { MAIL_TO: 'ola@example.no', SMTP_STARTTLS: 'require' })));
    expect((error as Error).message).toContain('does not offer STARTTLS');
    expect(server.logins).toEqual([]);
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
    expect(fails({ ...base, SMTP_PORT: 'abc' })).toMatch(/^SMTP_PORT: "abc" is not a port from 1 to 65535\. For example SMTP_PORT=587/);
    expect(fails({ ...base, SMTP_SECURE: 'yes' })).toMatch(/^SMTP_SECURE: "yes" is not true \(implicit TLS/);
    expect(fails({ ...base, SMTP_STARTTLS: 'maybe' })).toMatch(
      /^SMTP_STARTTLS: "maybe" is not require, opportunistic or off\. For example SMTP_STARTTLS=opportunistic/,
    );
    expect(fails({ ...base, SMTP_USER: 'u' })).toMatch(/^SMTP_PASS is not set but SMTP_USER is/);
    expect(fails({ ...base, SMTP_DATA_TIMEOUT_MS: '10s' })).toMatch(
      /^SMTP_DATA_TIMEOUT_MS: "10s" is not a whole number of milliseconds from 1000 to 3600000\. For example SMTP_DATA_TIMEOUT_MS=600000/,
    );
    const urlError = fails({ MAIL_FROM: 'a@b.no', MAIL_TO: 'ola@example.no', SMTP_URL: `http://u:${password}@host` });
    expect(urlError).toMatch(/^SMTP_URL must start with smtp:\/\/ or smtps:\/\//);
    expect(urlError).not.toContain(password);
  });

  it('reads SMTP_URL with credentials, applies the port defaults, and keeps one spelling of each mailbox', () => {
    const config = resolveMailConfig({
      MAIL_FROM: 'a@b.no',
      MAIL_TO: ' ola@example.no , OLA@example.no,kari@exämple.no,kari@XN--EXMPLE-CUA.no',
      SMTP_URL: `smtps://me%40x.no:${encodeURIComponent(password)}@mail.example.no`,
    });
    expect(config).toMatchObject({
      host: 'mail.example.no',
      port: 465,
      secure: true,
      starttls: 'opportunistic',
      auth: { user: 'me@x.no', pass: password },
      to: ['ola@example.no', 'kari@exämple.no'],
      subjectPrefix: '',
    });
    expect(resolveMailConfig(base)).toMatchObject({ port: 587, secure: false });
    expect(resolveMailConfig(base).auth).toBeUndefined();
    expect(resolveMailConfig({ ...base, SMTP_PORT: '465' }).secure).toBe(true);
    expect(resolveMailConfig({ ...base, SMTP_PORT: '465', SMTP_SECURE: 'false' }).secure).toBe(false);
  });

  it('has the RFC 5321 timeouts by default, each settable', () => {
    expect(resolveMailConfig(base).timeouts).toEqual({ greetingMs: 300_000, commandMs: 300_000, finalDotMs: 600_000, messageDeadlineMs: 900_000 });
    expect(resolveMailConfig({ ...base, SMTP_DATA_TIMEOUT_MS: '20000', SMTP_MESSAGE_DEADLINE_MS: '30000' }).timeouts).toMatchObject({
      finalDotMs: 20_000,
      messageDeadlineMs: 30_000,
    });
  });

  it('redacts the password and URL credentials', () => {
    const config = resolveMailConfig({ ...base, SMTP_USER: user, SMTP_PASS: password });
    const text = `login ${password} at smtp://${user}:${encodeURIComponent(password)}@host (${Buffer.from(`\0${user}\0${password}`).toString('base64')})`;
    expect(redact(text, config)).toBe('login *** at smtp://***@host (***)');
    // A short password is starred only where it stands alone, not inside other words.
    expect(redact('pp@example.no: login pp refused, pp.', { auth: { user, pass: 'pp' } })).toBe('pp@example.no: login *** refused, ***.');
  });
});
