/**
 * SIGTERM and SIGINT for a process that may be mid-message: the first asks it to stop starting new work (the
 * message on the wire is finished and recorded, the lock released, then the process ends); the second abandons
 * the message on the wire (the outbox records it as uncertain if its final dot was sent); the third ends the
 * process at once. SIGKILL ends it at any moment, which the outbox is made to survive.
 *
 *   const shutdown = installShutdown({ log });
 *   try { await withLock(dirs, owner, () => sendEdition({ ..., effects: { stop: shutdown.stop, abort: shutdown.abort } })); }
 *   finally { shutdown.dispose(); }
 *   process.exitCode = shutdown.exitCode() ?? process.exitCode;
 */

export interface Shutdown {
  /** Aborted at the first signal: start nothing new, finish what is on the wire. */
  readonly stop: AbortSignal;
  /** Aborted at the second signal: abandon what is on the wire now. */
  readonly abort: AbortSignal;
  /** The first signal received, if any. */
  readonly received: NodeJS.Signals | undefined;
  /** 128 + the signal's number (130 for SIGINT, 143 for SIGTERM) once one was received, as a shell reports it. */
  exitCode(): number | undefined;
  /** Remove the handlers (the signals then end the process as usual). Idempotent. */
  dispose(): void;
}

export interface ShutdownOptions {
  /** One line per signal. @default nothing */
  log?: (line: string) => void;
  /** @default ['SIGTERM', 'SIGINT'] */
  signals?: NodeJS.Signals[];
  /** Where the handlers go and what the third signal calls. @default process */
  target?: Pick<NodeJS.Process, 'on' | 'off' | 'exit'>;
}

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15 };

export function installShutdown(options: ShutdownOptions = {}): Shutdown {
  const target = options.target ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const stop = new AbortController();
  const abort = new AbortController();
  let received: NodeJS.Signals | undefined;
  let count = 0;
  const log = (line: string) => {
    try {
      options.log?.(line);
    } catch {
      // a closed stdout must not turn a clean stop into a crash
    }
  };
  const exitCode = () => (received ? 128 + (signalNumbers[received] ?? 15) : undefined);
  const onSignal = (signal: NodeJS.Signals) => {
    count++;
    received ??= signal;
    if (count === 1) {
      log(`${signal}: finishing the message on the wire, then stopping (send ${signal} again to abandon it)`);
      stop.abort(new Error(`${signal} received`));
    } else if (count === 2) {
      log(`${signal} again: abandoning the message on the wire (recorded as uncertain if it was complete); once more ends the process at once`);
      abort.abort(new Error(`${signal} received twice`));
    } else {
      log(`${signal} a third time: ending now`);
      target.exit(exitCode());
    }
  };
  for (const signal of signals) target.on(signal, onSignal);
  let disposed = false;
  return {
    stop: stop.signal,
    abort: abort.signal,
    get received() {
      return received;
    },
    exitCode,
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const signal of signals) target.off(signal, onSignal);
    },
  };
}
