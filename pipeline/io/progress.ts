/**
 * One line per stage with its time: "✓ charts 3 rendered 41 ms". Output goes through a `write` effect so tests
 * can capture it and a scheduler can prefix it.
 */
export interface Progress {
  stage<T>(name: string, work: () => Promise<T>, summary?: (result: T) => string): Promise<T>;
  info(message: string): void;
  timings: Record<string, number>;
}

export function createProgress(write: (line: string) => void, now: () => number = () => performance.now()): Progress {
  const timings: Record<string, number> = {};
  return {
    timings,
    async stage(name, work, summary) {
      const started = now();
      const result = await work();
      const ms = Math.round(now() - started);
      timings[name] = (timings[name] ?? 0) + ms;
      const detail = summary ? ` ${summary(result)}` : '';
      write(`✓ ${name}${detail} ${ms} ms`);
      return result;
    },
    info(message) {
      write(message);
    },
  };
}

export const silentProgress = (): Progress => createProgress(() => undefined);
