// Timeouts that must fire while the garbage collector runs: run with `node --expose-gc gc-timeout-child.mjs smtp|statbank`.
// A server on 127.0.0.1 takes the connection and then never answers (the SMTP one greets first); the client under test (compiled into dist/ by
// the test run's global setup) must give up after its own timeout, not the much later deadline. Prints one JSON line.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = join(import.meta.dirname, '..', '..', 'dist', 'pipeline');
const load = (module) => import(pathToFileURL(join(dist, module)).href);
const which = process.argv[2];
const sockets = [];
const server =
  which === 'smtp'
    ? createTcpServer((socket) => {
        sockets.push(socket);
        socket.on('data', () => {}); // reads every command, answers none
        socket.write('220 silent after this\r\n');
      })
    : createHttpServer((request) => sockets.push(request.socket)); // reads the request, never answers
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const collect = setInterval(() => globalThis.gc(), 5);
const started = Date.now();
let outcome;
if (which === 'smtp') {
  const { deliver } = await load('io/smtp.js');
  const result = await deliver({
    server: { host: '127.0.0.1', port, secure: false, starttls: 'off' },
    timeouts: { greetingMs: 300, commandMs: 300, finalDotMs: 300, messageDeadlineMs: 10_000 },
    from: 'briefing@example.no',
    to: 'ola@example.no',
    message: Buffer.from('Subject: x\r\n\r\nx\r\n'),
    beforeData: async () => {},
    beforeFinalDot: async () => {},
  });
  outcome = `${result.status}: ${result.reason}`;
} else {
  const { createTransport } = await load('statbank/transport.js');
  const transport = createTransport({ maxCells: 1000, requestTimeoutMs: 300, maxRetries: 0, effects: { sleep: async () => {} } });
  outcome = await transport.send({ method: 'GET', url: `http://127.0.0.1:${port}/api/v0/tables` }).then(
    () => 'answered',
    (error) => `${error.name}: ${error.message}`,
  );
}
clearInterval(collect);
process.stdout.write(`${JSON.stringify({ ms: Date.now() - started, outcome })}\n`);
for (const socket of sockets) socket.destroy();
server.close();
