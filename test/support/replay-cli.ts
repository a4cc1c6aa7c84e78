import { startReplayServer, v2Prefix } from './replay-server.js';

/**
 * The real recorded StatBank responses of table 13265 (test/fixtures/ssb/v0/, PxWebApi v1) served on 127.0.0.1, with
 * PxWebApi v2 answering as if it were gone, so the client falls back to v1 as it would against SSB. This is how
 * data/kunstig-intelligens/ was built, through the live fetch path:
 *
 *   node dist/test/support/replay-cli.js &                      # prints SSB_API_URL=http://127.0.0.1:<port>/api/pxwebapi/v2
 *   SSB_API_URL=<that URL> node dist/pipeline/cli.js fetch --briefing kunstig-intelligens
 *
 * Stops on SIGTERM or SIGINT.
 */
const port = Number(process.argv.find((a) => /^--port=\d+$/.test(a))?.slice(7) ?? 0);
const server = await startReplayServer({ port });
server.setFault((request) => request.path.startsWith(v2Prefix), { kind: 'gone' }, Number.MAX_SAFE_INTEGER);
process.stdout.write(`SSB_API_URL=${server.v2Url}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
