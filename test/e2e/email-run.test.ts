import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.js';
import { copyCommittedData } from '../support/dataset.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

/** `npm run report -- --email` as a user runs it: the PDF arrives, and no edition is mailed twice. */
describe('briefing run --email with a real SMTP server on 127.0.0.1', () => {
  let smtp: TestSmtpServer;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let args: string[];

  beforeAll(async () => {
    smtp = await startSmtpServer({ credentials: { user: 'briefing', pass: 'correct horse battery' } });
    work = await mkdtemp(join(tmpdir(), 'briefing-email-'));
    const data = await copyCommittedData(join(work, 'data'));
    env = {
      SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_USER: 'briefing', SMTP_PASS: 'correct horse battery',
      SMTP_STARTTLS: 'off', MAIL_FROM: 'Briefing <briefing@example.no>', MAIL_TO: 'ola@example.no, kari@example.no',
      MAIL_SUBJECT_PREFIX: '[SSB]',
    };
    args = ['--offline', '--year', '2013', '--data', data, '--out', join(work, 'out')];
  });
  afterAll(async () => {
    await smtp.close();
    await rm(work, { recursive: true, force: true });
  });

  test('each recipient gets the briefing with the PDF attached', async () => {
    const result = await runCli(['run', ...args, '--email'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^✓ email 2013-nn-[0-9a-f]{12} sent to 2, 0 had it already \d+ ms$/m);
    expect(smtp.messages.map((m) => m.to).sort()).toEqual([['kari@example.no'], ['ola@example.no']]);
    const pdf = await readFile(join(work, 'out', 'briefing-nn.pdf'));
    for (const message of smtp.messages) {
      const mail = await simpleParser(message.raw);
      expect(mail.subject).toMatch(/^\[SSB\] Eitt av to norske føretak bruker sosiale medium \(1\. oktober 2013\)$/);
      expect(mail.text).toMatch(/50[\s\u00a0]%/);
      const attachment = mail.attachments.find((a) => a.contentType === 'application/pdf');
      expect(attachment?.filename).toBe('ssb-briefing-2013-nn.pdf');
      expect(Buffer.compare(attachment!.content, pdf)).toBe(0);
    }
  });

  test('running again, or `briefing send`, mails nobody twice', async () => {
    const again = await runCli(['run', ...args, '--email'], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/sent to 0, 2 had it already/);
    const send = await runCli(['send', '--data', args[4]!, '--out', join(work, 'out')], { env });
    expect(send.code).toBe(0);
    expect(smtp.messages).toHaveLength(2);
  });

  test('send --dry-run writes .eml files and sends nothing', async () => {
    const result = await runCli(['send', '--dry-run', '--data', args[4]!, '--out', join(work, 'out')], { env: { ...env, MAIL_TO: 'per@example.no' } });
    expect(result.code).toBe(0);
    const editions = await readdir(join(work, 'out', 'editions'));
    expect(existsSync(join(work, 'out', 'editions', editions[0]!, 'outbox', 'per@example.no.eml'))).toBe(true);
    expect(smtp.messages).toHaveLength(2);
  });

  test('a missing MAIL_TO with --email fails before any work, naming the variable', async () => {
    const out = join(work, 'never');
    const result = await runCli(['run', '--offline', '--data', args[4]!, '--out', out, '--email'], { env: { ...env, MAIL_TO: '' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^✗ MAIL_TO is not set/m);
    expect(result.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });
});
