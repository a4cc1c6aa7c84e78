import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installShutdown } from '../../pipeline/io/shutdown.js';

/** The two-step stop, against an emitter standing in for the process (a real SIGTERM to a sender: send-kill.test.ts). */
describe('installShutdown', () => {
  const fakeProcess = () => {
    const emitter = new EventEmitter();
    const exits: (number | undefined)[] = [];
    return {
      emitter,
      exits,
      target: { on: emitter.on.bind(emitter), off: emitter.off.bind(emitter), exit: (code?: number) => void exits.push(code) } as never,
    };
  };

  it('first signal: stop; second: abort; third: exit at once with 128 + the signal number', () => {
    const { emitter, exits, target } = fakeProcess();
    const lines: string[] = [];
    const shutdown = installShutdown({ log: (l) => lines.push(l), target });
    expect([shutdown.stop.aborted, shutdown.abort.aborted, shutdown.exitCode()]).toEqual([false, false, undefined]);
    emitter.emit('SIGTERM', 'SIGTERM');
    expect([shutdown.stop.aborted, shutdown.abort.aborted, shutdown.exitCode()]).toEqual([true, false, 143]);
    emitter.emit('SIGINT', 'SIGINT');
    expect(shutdown.abort.aborted).toBe(true);
    expect(exits).toEqual([]);
    emitter.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([143]);
    expect(lines[0]).toBe('SIGTERM: finishing the message on the wire, then stopping (send SIGTERM again to abandon it)');
  });

  it('SIGINT alone gives 130; dispose removes the handlers; a log that throws changes nothing', () => {
    const { emitter, target } = fakeProcess();
    const shutdown = installShutdown({
      log: () => {
        throw new Error('EPIPE');
      },
      target,
    });
    emitter.emit('SIGINT', 'SIGINT');
    expect(shutdown.exitCode()).toBe(130);
    shutdown.dispose();
    shutdown.dispose();
    expect(emitter.listenerCount('SIGINT') + emitter.listenerCount('SIGTERM')).toBe(0);
  });
});
