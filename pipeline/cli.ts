#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { environment, flagOptions } from './config.js';
import { BriefingError, ConfigError } from './errors.js';
import { packageVersion } from './io/paths.js';
import { terminalSafe } from './io/terminal.js';
import type { CliIo } from './commands.js';

/**
 * `briefing <command> [options]`, the only module that touches `process`: runs one command (commands.ts) and maps a
 * failure to one line and an exit code. Output is cleaned of escape sequences; the process ends by itself once
 * everything is flushed (no `process.exit` that could cut a pipe short).
 */

const usage = `Usage: briefing <command> [options]

Commands:
  run                   Fetch from SSB if the figures changed, build the briefing, archive it as an edition and
                        write output/<briefing>/briefing-<lang>.html and .pdf (npm run report)
  fetch                 Only fetch from SSB's StatBank and update data/<briefing>/
  send [edition-id]     Mail an edition (default: the newest of each --lang) to MAIL_TO; --resend <address|all>
  outbox                List who has each edition, who doesn't, and who may (uncertain); --confirm <address>
  schedule              Run \`run\` on a schedule (BRIEFING_CRON, BRIEFING_TIMEZONE) until stopped
  preview               Serve the briefing on 127.0.0.1 and reload it on every saved change (npm run preview)
  tables [query]        List the statistic's StatBank tables (updated, last period, discontinued)
  inspect <table-id>    Print a StatBank table's dimensions, codes and labels; --suggest prints a definition snippet
  jsonstat <file|url>   Print a JSON-stat 2.0 document's cells, one row per cell
  help                  Show this help

Options:
${Object.values(flagOptions)
  .map((flag) => `  ${flag.usage}\n`)
  .join('')}
Settings: see .env.example (a .env file in the working folder is read; real environment variables win).
`;

async function main(argv: string[], io: CliIo): Promise<number> {
  let debug = argv.includes('--debug');
  try {
    const { values, positionals } = (() => {
      try {
        return parseArgs({ args: argv, options: flagOptions, allowPositionals: true, strict: true });
      } catch (error) {
        throw new ConfigError(`${(error as Error).message}. Run \`briefing --help\` for the options.`);
      }
    })();
    debug = values.debug ?? false;
    if (values.version) {
      io.write(`ssb-briefing ${packageVersion()}`);
      return 0;
    }
    const [command, ...rest] = positionals;
    if (!command || command === 'help' || values.help) {
      const asked = Boolean(command || values.help);
      (asked ? io.write : io.error)(usage);
      return asked ? 0 : 2;
    }
    const env = environment(io.cwd, io.env);
    const { commands } = await import('./commands.js');
    const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
    if (!run) throw new ConfigError(`Unknown command "${command}". Run \`briefing --help\` for the commands.`);
    return await run(rest, values, env, io);
  } catch (error) {
    return report(error, debug, io);
  }
}

/** One line that says what happened, and the exit code of its kind; an unexpected error is a bug: exit 1 with its stack. */
function report(error: unknown, debug: boolean, io: CliIo): number {
  const e = error instanceof Error ? error : new Error(String(error));
  if (error instanceof BriefingError) io.error(`✗ ${e.message}`);
  else io.error(`✗ Unexpected error: ${e.message}. This is a bug in ssb-briefing; run again with --debug and report the output.`);
  if (debug && e.stack) io.error(e.stack);
  return error instanceof BriefingError ? error.exitCode : 1;
}

// A closed pipe (`briefing jsonstat … | head`) is not an error worth a stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exitCode ??= 0;
});
main(process.argv.slice(2), {
  write: (line) => process.stdout.write(`${terminalSafe(line)}\n`),
  out: (text) => process.stdout.write(terminalSafe(text)),
  error: (line) => process.stderr.write(`${terminalSafe(line)}\n`),
  env: process.env,
  cwd: process.cwd(),
}).then((code) => {
  process.exitCode = code;
});
