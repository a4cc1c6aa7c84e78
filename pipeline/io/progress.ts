/**
 * One line per stage with its time: "✓ charts 3 rendered 41 ms". Output goes through a `write` effect so tests
 * can capture it and a scheduler can prefix it.
 */
export interface Progress {
  stage<T>(name: string, work: () => Promise<T>, summary?: (result: T) => string): Promise<T>;
  info(message: string): void;
}

export function createProgress(write: (line: string) => void, now: () => number = () => performance.now()): Progress {
  return {
    async stage(name, work, summary) {
      const started = now();
      const result = await work();
      write(`✓ ${name}${summary ? ` ${summary(result)}` : ''} ${Math.round(now() - started)} ms`);
      return result;
    },
    info: write,
  };
}

export const silentProgress = (): Progress => createProgress(() => undefined);
