import { constants } from 'node:os';

type SignalTarget = Pick<NodeJS.Process, 'on' | 'off'>;
const signals = ['SIGTERM', 'SIGINT'] as const;

/** `log`, with a log that throws (a closed stdout) ignored: it must not turn a clean stop into a crash. */
export function quietLog(log: ((line: string) => void) | undefined): (line: string) => void {
  return (line) => {
    try {
      log?.(line);
    } catch {
      // nowhere left to say it
    }
  };
}

/** The n-th SIGTERM or SIGINT runs `steps[n]` (the last step for any after it); returns a function that removes the handlers. */
export function onSignals(steps: ((signal: NodeJS.Signals) => void)[], target: SignalTarget = process): () => void {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => steps[Math.min(count++, steps.length - 1)]!(signal);
  for (const signal of signals) target.on(signal, onSignal);
  return () => {
    for (const signal of signals) target.off(signal, onSignal);
  };
}

/**
 * SIGTERM and SIGINT for a process that may be mid-message: the first stops new work (the message on the wire is
 * finished and recorded, the lock released, then the process ends); the second abandons the message on the wire (the
 * outbox records it as uncertain if its final dot was sent); the third ends the process at once.
 */
export function installShutdown(options: { log?: (line: string) => void; target?: SignalTarget & Pick<NodeJS.Process, 'exit'> } = {}) {
  const target = options.target ?? process;
  const log = quietLog(options.log);
  /** Aborted at the first signal: start nothing new, finish what is on the wire. */
  const stop = new AbortController();
  /** Aborted at the second signal: abandon what is on the wire now. */
  const abort = new AbortController();
  let received: NodeJS.Signals | undefined;
  /** 128 + the first signal's number (130 for SIGINT, 143 for SIGTERM), as a shell reports it; undefined before one. */
  const exitCode = () => (received ? 128 + constants.signals[received] : undefined);
  const steps = [
    (signal: NodeJS.Signals) => {
      received = signal;
      log(`${signal}: finishing the message on the wire, then stopping (send ${signal} again to abandon it)`);
      stop.abort(new Error(`${signal} received`));
    },
    (signal: NodeJS.Signals) => {
      log(`${signal} again: abandoning the message on the wire (recorded as uncertain if it was complete); once more ends the process at once`);
      abort.abort(new Error(`${signal} received twice`));
    },
    (signal: NodeJS.Signals) => {
      log(`${signal} a third time: ending now`);
      target.exit(exitCode());
    },
  ];
  /** dispose() removes the handlers (the signals then end the process as usual). */
  return { stop: stop.signal, abort: abort.signal, exitCode, dispose: onSignals(steps, target) };
}

export type Shutdown = ReturnType<typeof installShutdown>;
