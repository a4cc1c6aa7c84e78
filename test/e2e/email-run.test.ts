import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listEditions } from '../../pipeline/archive.js';
import { errorLines, errorsOnStderrOnly, runCli } from '../support/cli.js';
import { copyBriefing } from '../support/data-folder.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

/** `npm run report -- --email` as a user runs it, against a real SMTP server on 127.0.0.1: the PDF arrives, once. */
describe('briefing run --email with a real SMTP server on 127.0.0.1', () => {
  let smtp: TestSmtpServer;
  let work: string;
  let data: string;
  let out: string;
  let env: Record<string, string>;
  const args = () => ['--offline', '--year', '2013', '--data', data, '--out', out];

  beforeAll(async () => {
    smtp = await startSmtpServer({ credentials: { user: 'briefing', pass: 'correct horse battery' } });
    work = await mkdtemp(join(tmpdir(), 'briefing-email-'));
    data = await copyBriefing('sosiale-medium', join(work, 'data'));
    out = join(work, 'out');
    env = {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_USER: 'briefing',
      SMTP_PASS: 'correct horse battery',
      SMTP_STARTTLS: 'off',
      MAIL_FROM: 'Briefing <briefing@example.no>',
      MAIL_TO: 'ola@example.no, kari@example.no',
      MAIL_SUBJECT_PREFIX: '[SSB]',
    };
  });
  afterAll(async () => {
    await smtp?.close();
    await rm(work, { recursive: true, force: true });
  });

  test('each recipient gets the briefing with the PDF attached, byte for byte', async () => {
    const result = await runCli(['run', ...args(), '--email'], { env });
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^✓ email 2013-nn-[0-9a-f]{12}: sent to 2, 0 had it already \d+ ms$/m);
    expect(result.stdout).not.toContain('correct horse battery');
    expect(smtp.messages.map((m) => m.to).sort()).toEqual([['kari@example.no'], ['ola@example.no']]);
    expect(smtp.logins.length).toBeGreaterThan(0);
    expect(smtp.logins.every((l) => l.user === 'briefing' && l.ok)).toBe(true);
    const pdf = await readFile(join(out, 'briefing-nn.pdf'));
    for (const message of smtp.messages) {
      const mail = await simpleParser(message.raw);
      expect(mail.subject).toMatch(/^\[SSB\] Eitt av to norske føretak bruker sosiale medium\b/);
      expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe(message.to[0]); // nobody sees the others
      expect(mail.text).toMatch(/50[\s\u00a0]%/);
      const attachment = mail.attachments.find((a) => a.contentType === 'application/pdf');
      expect(attachment?.filename).toBe('ssb-briefing-2013-nn.pdf');
      expect(Buffer.compare(attachment!.content, pdf)).toBe(0);
    }
  });

  test('running again, or `briefing send`, mails nobody twice', async () => {
    const again = await runCli(['run', ...args(), '--email'], { env });
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/^✓ email 2013-nn-[0-9a-f]{12}: sent to 0, 2 had it already \d+ ms$/m);
    const send = await runCli(['send', '--data', data, '--out', out], { env });
    expect(send.code, send.stdout).toBe(0);
    expect(send.stdout).toMatch(/sent to 0, 2 had it already/);
    expect(smtp.messages).toHaveLength(2);
    const outbox = await runCli(['outbox', '--data', data, '--out', out], { env });
    expect(outbox.code).toBe(0);
    expect(outbox.stdout).toContain('ola@example.no');
    expect(outbox.stdout).toContain('kari@example.no');
  });

  test('send --dry-run writes .eml files for who has not got it, and sends nothing', async () => {
    const result = await runCli(['send', '--dry-run', '--data', data, '--out', out], { env: { ...env, MAIL_TO: 'per@example.no, ola@example.no' } });
    expect(result.code, result.stdout).toBe(0);
    const [edition] = await listEditions(out);
    expect(existsSync(join(out, 'editions', edition!.id, 'outbox', 'per@example.no.eml'))).toBe(true);
    expect(existsSync(join(out, 'editions', edition!.id, 'outbox', 'ola@example.no.eml'))).toBe(false); // she has it
    expect(smtp.messages).toHaveLength(2);
  });

  test('a missing MAIL_TO with --email fails before any work, naming the variable', async () => {
    const never = join(work, 'never');
    const result = await runCli(['run', '--offline', '--data', data, '--out', never, '--email'], { env: { ...env, MAIL_TO: '' } });
    expect(result.code).toBe(2);
    expect(errorLines(result)).toEqual([expect.stringMatching(/^✗ MAIL_TO is not set: give the recipients/)]);
    expect(result.stdout).toBe('');
    expect(errorsOnStderrOnly(result)).toBe(true);
    expect(existsSync(never)).toBe(false);
  });
});
