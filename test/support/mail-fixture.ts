import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveMailConfig, type MailConfig } from '../../pipeline/config.js';

/**
 * An edition on disk as archive.ts writes it (`<outDir>/editions/<id>/manifest.json` and briefing.pdf), and mail
 * settings for a server on 127.0.0.1, for the send tests.
 */

export const testPdf = new Uint8Array(
  Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1'),
);

export const testEditionId = '2025-nn-0123456789ab';

export async function writeEdition(outDir: string, overrides: Record<string, unknown> = {}, pdf: Uint8Array = testPdf): Promise<string> {
  const id = (overrides.id as string | undefined) ?? testEditionId;
  const dir = join(outDir, 'editions', id);
  await mkdir(dir, { recursive: true });
  const manifest = {
    id,
    lang: 'nn',
    year: 2025,
    headline: 'Eitt av to føretak bruker sosiale medium',
    keyFigures: [
      { value: '50\u00a0%', label: 'av føretaka bruker sosiale medium' },
      { value: '88\u00a0%', label: 'av føretaka med 100 eller fleire tilsette bruker sosiale medium' },
    ],
    editionDate: '2025-10-01',
    statisticUrl: 'https://www.ssb.no/teknologi-og-innovasjon/statistikker/iktbrukn',
    dataHash: 'a'.repeat(64),
    tables: [{ id: '10977', updated: '2025-10-01T06:00:00Z' }],
    generatedAt: '2025-10-02T08:00:00.000Z',
    toolVersion: '0.1.0',
    pageCount: 2,
    files: { html: 'briefing.html', pdf: 'briefing.pdf' },
    sent: [],
    ...overrides,
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  await writeFile(join(dir, 'briefing.pdf'), pdf);
  await writeFile(join(dir, 'briefing.html'), '<p>briefing</p>');
  return id;
}

/** Settings for a plain-text server on 127.0.0.1; `timeouts` overrides the RFC defaults. */
export function testMailConfig(port: number, env: Record<string, string> = {}, timeouts: Partial<MailConfig['timeouts']> = {}): MailConfig {
  const config = resolveMailConfig({
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(port),
    SMTP_STARTTLS: 'off',
    MAIL_FROM: 'SSB-briefing <briefing@example.no>',
    MAIL_TO: 'ola@example.no,kari@example.no',
    MAIL_SUBJECT_PREFIX: '[SSB]',
    ...env,
  });
  return { ...config, timeouts: { ...config.timeouts, ...timeouts } };
}
