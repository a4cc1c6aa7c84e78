import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The SMTP client's per-phase timeouts and StatBank's per-request timeout fire while the garbage collector runs.
 * An AbortSignal.timeout() that only an AbortSignal.any() refers to can be collected before it fires (Node 22.12,
 * the oldest version package.json allows): a silent mail server then held a run until the message deadline, and a
 * silent StatBank for ever. Each case runs in a child with --expose-gc that collects every 5 ms; .ci/run also runs
 * it on the oldest supported Node (NODE_OLDEST, the path of its binary).
 */
const child = join(import.meta.dirname, 'support', 'gc-timeout-child.mjs');
const nodes = [process.execPath, ...(process.env.NODE_OLDEST ? [process.env.NODE_OLDEST] : [])];

async function run(node: string, which: 'smtp' | 'statbank'): Promise<{ ms: number; outcome: string }> {
  const { stdout } = await promisify(execFile)(node, ['--expose-gc', child, which], { timeout: 20_000 });
  return JSON.parse(stdout) as { ms: number; outcome: string };
}

describe.each(nodes)('timeouts under garbage collection, on %s', (node) => {
  it('a mail server that greets and then says nothing: given up after the command timeout, not the deadline', async () => {
    const { ms, outcome } = await run(node, 'smtp');
    expect(outcome).toBe('not-sent: no answer within 300 ms (waiting for the reply to EHLO)');
    expect(ms).toBeLessThan(5000);
  });
  it('a StatBank that takes the request and never answers: given up after the request timeout', async () => {
    const { ms, outcome } = await run(node, 'statbank');
    expect(outcome).toMatch(/^OfflineError: StatBank is unavailable: timed out after 300 ms: GET http:\/\/127\.0\.0\.1:\d+\/api\/v0\/tables\./);
    expect(ms).toBeLessThan(5000);
  });
});
