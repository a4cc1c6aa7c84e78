#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { resolveRunConfig } from './config.js';
import { BriefingError, ConfigError } from './errors.js';
import { createProgress } from './progress.js';
import { runBriefing } from './run.js';

/**
 * `briefing <command> [options]`: the command-line entry. Parses flags, runs one command, and maps every
 * failure to one clear line and an exit code (stacks with --debug).
 */

const usage = `Usage: briefing <command> [options]

Commands:
  run                 Build the briefing from data/ and write output/briefing-<lang>.html and .pdf
  help                Show this help

Options for run:
  --year YYYY         The year the briefing is about (default: the latest year in the dataset)
  --lang nn|nb|en     Language(s), comma-separated (default: nn)
  --out DIR           Output folder (default: output/)
  --data DIR          Folder holding dataset.json (default: data/)
  --debug             Show stack traces with errors
  -h, --help          Show this help

Environment:
  PUPPETEER_EXECUTABLE_PATH   Chromium/Chrome to print with (default: system Chromium, else Puppeteer's)
  BRIEFING_PRINT_TIMEOUT_MS   Time allowed for each browser step (default: 30000)
`;

const options = {
  year: { type: 'string' },
  lang: { type: 'string' },
  out: { type: 'string' },
  data: { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const write = (line: string) => process.stdout.write(line + '\n');
  let debug = argv.includes('--debug');
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new ConfigError(`${(error as Error).message}. Run \`briefing --help\` for the options.`);
    }
    const { values, positionals } = parsed;
    debug = values.debug ?? false;
    const command = positionals[0] ?? (values.help ? 'help' : undefined);
    if (!command || command === 'help' || values.help) {
      write(usage);
      return command || values.help ? 0 : 2;
    }
    if (command === 'run') {
      const config = resolveRunConfig(values, env, process.cwd());
      const progress = createProgress(write);
      const started = performance.now();
      const result = await runBriefing(config, progress);
      const pages = Object.entries(result.pages).map(([lang, n]) => `${lang} ${n} pages`).join(', ');
      const peakMb = Math.round(process.resourceUsage().maxRSS / 1024);
      write(`Briefing for ${result.year} (${pages}) in ${Math.round(performance.now() - started)} ms, peak memory ${peakMb} MB:`);
      for (const file of result.files) write(`  ${file}`);
      return 0;
    }
    throw new ConfigError(`Unknown command "${command}". Run \`briefing --help\` for the commands.`);
  } catch (error) {
    return report(error, debug);
  }
}

function report(error: unknown, debug: boolean): number {
  const code = error instanceof BriefingError ? error.exitCode : 1;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`✗ ${message}\n`);
  if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  if (!(error instanceof BriefingError) && !debug) process.stderr.write('  (an unexpected error: run again with --debug for the stack)\n');
  return code;
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
