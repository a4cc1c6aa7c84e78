import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { environment, resolveConfig } from '../pipeline/config.js';
import { ConfigError } from '../pipeline/errors.js';

/** Every setting read once, through one schema, before anything happens; a bad one names itself and the fix. */

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const fails = (fn: () => unknown, pattern: RegExp) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('accepted');
};

describe('.env and the environment', () => {
  it("reads .env with Node's own parser; real variables win; a missing file is no error", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'briefing-env-'));
    dirs.push(dir);
    expect(environment(dir, { A: '1' })).toEqual({ A: '1' });
    await writeFile(
      join(dir, '.env'),
      ['# mail', 'SMTP_HOST=smtp.example.no # the relay', 'export SMTP_PORT=2525', `SMTP_PASS='a #b "c"'`, 'MAIL_TO=file@example.no', ''].join('\n'),
    );
    expect(environment(dir, { MAIL_TO: 'real@example.no', UNSET: undefined })).toEqual({
      SMTP_HOST: 'smtp.example.no',
      SMTP_PORT: '2525',
      SMTP_PASS: 'a #b "c"',
      MAIL_TO: 'real@example.no',
    });
  });
});

describe('settings', () => {
  it('defaults: the social-media briefing, data/<briefing>/ and output/<briefing>/, Nynorsk, StatBank v2', () => {
    const c = resolveConfig({}, {}, '/somewhere');
    expect(c.briefing).toBe('sosiale-medium');
    expect(c.dataDir).toMatch(/data\/sosiale-medium$/);
    expect(c.outDir).toMatch(/output\/sosiale-medium$/);
    expect(c.langs).toEqual(['nn']);
    expect(c.statbank.baseUrl).toBe('https://data.ssb.no/api/pxwebapi/v2');
    expect(c.mail).toBeUndefined();
  });
  it('--briefing selects data/NAME/; --data and --out take any folder, relative to the working folder', () => {
    const c = resolveConfig({ briefing: 'kunstig-intelligens', data: 'd', out: '/abs/o' }, {}, '/w');
    expect(c.briefing).toBe('kunstig-intelligens');
    expect(c.dataDir).toBe('/w/d');
    expect(c.outDir).toBe('/abs/o');
    expect(resolveConfig({}, { BRIEFING: 'kunstig-intelligens' }, '/w').dataDir).toMatch(/data\/kunstig-intelligens$/);
  });
  it('a bad value names the setting, the value and the fix', () => {
    fails(() => resolveConfig({ briefing: '../etc' }, {}, '/'), /--briefing: "..\/etc" is not a folder name/);
    fails(() => resolveConfig({ lang: 'se' }, {}, '/'), /--lang: "se" is not a language/);
    fails(() => resolveConfig({ year: '19' }, {}, '/'), /--year: "19" is not a year/);
    // A script's unset "$YEAR" must not quietly build the latest year.
    fails(() => resolveConfig({ year: '' }, {}, '/'), /--year: "" is not a year/);
    fails(() => resolveConfig({ year: ' 2015' }, {}, '/'), /--year: " 2015" is not a year/);
    fails(() => resolveConfig({}, { SSB_TIMEOUT_MS: 'soon' }, '/'), /SSB_TIMEOUT_MS: "soon" is not a whole number of milliseconds/);
    fails(() => resolveConfig({}, { SSB_API_URL: 'ftp://x' }, '/'), /SSB_API_URL/);
    fails(() => resolveConfig({}, { MAIL_ADMIN: 'nobody' }, '/'), /MAIL_ADMIN: "nobody" is not an e-mail address/);
    fails(() => resolveConfig({ email: true }, {}, '/'), /SMTP_HOST is not set/);
  });
  it('mail settings: the same mailbox twice (case, IDNA) is one recipient; the password is never echoed', () => {
    const env = {
      SMTP_HOST: 'smtp.example.no',
      MAIL_FROM: 'b@example.no',
      MAIL_TO: 'ola@exämple.no, OLA@xn--exmple-cua.no, kari@example.no',
      SMTP_USER: 'u',
      SMTP_PASS: 'hemmelig-passord',
    };
    const c = resolveConfig({ email: true }, env, '/');
    expect(c.mail!.to).toEqual(['ola@exämple.no', 'kari@example.no']);
    expect(c.mail!.timeouts.finalDotMs).toBe(600_000);
    fails(() => resolveConfig({ email: true }, { ...env, SMTP_PORT: 'x' }, '/'), /SMTP_PORT/);
    try {
      resolveConfig({ email: true }, { ...env, SMTP_URL: 'smtp://u:hemmelig-passord@h', SMTP_HOST: 'h' }, '/');
    } catch (error) {
      expect((error as Error).message).not.toContain('hemmelig');
    }
  });
});
