import { createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * An SMTP server on 127.0.0.1 (random port, real sockets, plain text) that misbehaves on demand where a
 * well-behaved server library can't be asked to: a greeting that never comes, a recipient refused, and after the
 * final dot a reply that comes late, never (the connection dropped after the message was stored), or never ends
 * (`250-` lines forever). It counts what each recipient received: a message counts as received once the server
 * has stored it, whatever happens to the reply, which is what a mailbox would show.
 *
 * Speaks just enough SMTP for the client in pipeline/io/smtp.ts and any RFC 5321 client: EHLO/HELO, AUTH PLAIN
 * and LOGIN, MAIL, RCPT, DATA (dot-unstuffed), RSET, NOOP, QUIT.
 */

export type AfterDot =
  /** Store, reply 250 at once. */
  | { kind: 'ok' }
  /** Store, reply 250 after `ms` (if the client is still there). */
  | { kind: 'delay'; ms: number }
  /** Store, then close the connection without a reply. */
  | { kind: 'drop' }
  /** Store, then send `250-` lines forever: every `intervalMs`, or as fast as the socket takes them (0). */
  | { kind: 'endless'; intervalMs: number }
  /** Reply with `line` (e.g. "451 4.3.0 Try later"); stored only if `store`. */
  | { kind: 'reply'; line: string; store: boolean };

export interface FaultySmtpOptions {
  /** 'never': accept the connection and say nothing. @default normal 220 */
  greeting?: 'normal' | 'never';
  /** A reply line for RCPT TO of `address` instead of 250 (e.g. "550 5.1.1 No such user"). */
  rcpt?: (address: string) => string | undefined;
  /** What to do after the final dot of the n-th message (1-based, counted over the server's life). @default ok */
  afterDot?: (message: { n: number; to: string[] }) => AfterDot;
  /** The one user and password AUTH accepts; without it AUTH is not offered. */
  auth?: { user: string; pass: string };
  /** Called right after the server wrote its 250 to the n-th message's final dot. */
  onAccepted?: (message: { n: number; to: string[] }) => void;
  /** Called with each command line as it arrives, before it is answered. */
  onCommand?: (line: string) => void;
  /** Close the connection when the first bytes of the n-th message body arrive (1-based over all DATA commands), before its final dot. */
  dropInData?: (n: number) => boolean;
}

export interface StoredMessage {
  n: number;
  from: string;
  to: string[];
  raw: Buffer;
}

export interface FaultySmtp {
  host: '127.0.0.1';
  port: number;
  messages: StoredMessage[];
  /** How many stored messages went to `address` (compared in lower case). */
  received(address: string): number;
  connections(): number;
  /** Close the listener and every open connection. */
  close(): Promise<void>;
}

export async function startFaultySmtp(options: FaultySmtpOptions = {}): Promise<FaultySmtp> {
  const messages: StoredMessage[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let count = 0;
  let dataCount = 0;

  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const reply = (text: string) => {
      if (!socket.destroyed) socket.write(`${text}\r\n`);
    };
    let from = '';
    let to: string[] = [];
    let buffer = Buffer.alloc(0);
    let mode: 'command' | 'data' | 'auth-user' | 'auth-pass' | 'done' = 'command';
    let loginUser = '';
    let dataStarted = false;

    if (options.greeting !== 'never') reply('220 faulty.test ESMTP ready');

    const finishData = (body: Buffer) => {
      const raw = Buffer.from(body.toString('latin1').replace(/(^|\r\n)\.\./g, '$1.'), 'latin1');
      const n = ++count;
      const message = { n, to: [...to] };
      const behaviour = options.afterDot?.(message) ?? { kind: 'ok' };
      const store = behaviour.kind !== 'reply' || behaviour.store;
      if (store) messages.push({ n, from, to: [...to], raw });
      from = '';
      to = [];
      mode = 'command';
      const accept = () => {
        if (socket.destroyed) return;
        reply('250 2.0.0 Ok: queued');
        options.onAccepted?.(message);
      };
      switch (behaviour.kind) {
        case 'ok':
          return accept();
        case 'delay':
          return void setTimeout(accept, behaviour.ms);
        case 'drop':
          mode = 'done';
          return void socket.destroy();
        case 'reply':
          return reply(behaviour.line);
        case 'endless': {
          mode = 'done';
          let i = 0;
          const more = () => {
            while (!socket.destroyed) {
              const ok = socket.write(`250-still checking the message, line ${++i}\r\n`);
              if (behaviour.intervalMs > 0) return void setTimeout(more, behaviour.intervalMs);
              if (!ok) return void socket.once('drain', more);
            }
          };
          return more();
        }
      }
    };

    const command = (line: string) => {
      options.onCommand?.(line);
      const verb = line.split(' ')[0]!.toUpperCase();
      if (mode === 'auth-user') {
        loginUser = Buffer.from(line, 'base64').toString();
        mode = 'auth-pass';
        return reply('334 UGFzc3dvcmQ6');
      }
      if (mode === 'auth-pass') {
        mode = 'command';
        const ok = loginUser === options.auth?.user && Buffer.from(line, 'base64').toString() === options.auth?.pass;
        return reply(ok ? '235 2.7.0 Authentication successful' : '535 5.7.8 Authentication credentials invalid');
      }
      switch (verb) {
        case 'EHLO':
          return reply(['250-faulty.test', ...(options.auth ? ['250-AUTH PLAIN LOGIN'] : []), '250-8BITMIME', '250 SMTPUTF8'].join('\r\n'));
        case 'HELO':
          return reply('250 faulty.test');
        case 'AUTH': {
          const [, method, initial] = line.split(' ');
          if (method?.toUpperCase() === 'LOGIN') {
            mode = 'auth-user';
            return reply('334 VXNlcm5hbWU6');
          }
          const [, user, pass] = Buffer.from(initial ?? '', 'base64')
            .toString()
            .split('\0');
          const ok = !!options.auth && user === options.auth.user && pass === options.auth.pass;
          return reply(ok ? '235 2.7.0 Authentication successful' : '535 5.7.8 Authentication credentials invalid');
        }
        case 'MAIL':
          from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          return reply('250 2.1.0 Ok');
        case 'RCPT': {
          const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
          const refused = options.rcpt?.(address);
          if (refused) return reply(refused);
          to.push(address);
          return reply('250 2.1.5 Ok');
        }
        case 'DATA':
          if (to.length === 0) return reply('503 5.5.1 No valid recipients');
          mode = 'data';
          return reply('354 End data with <CR><LF>.<CR><LF>');
        case 'RSET':
          from = '';
          to = [];
          return reply('250 2.0.0 Ok');
        case 'NOOP':
          return reply('250 2.0.0 Ok');
        case 'QUIT':
          reply('221 2.0.0 Bye');
          return void socket.end();
        default:
          return reply('502 5.5.2 Command not recognised');
      }
    };

    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (mode === 'done') return;
        if (mode === 'data') {
          if (!dataStarted && buffer.length > 0) {
            dataStarted = true;
            if (options.dropInData?.(++dataCount)) {
              mode = 'done';
              return void socket.destroy();
            }
          }
          const end = buffer.indexOf('\r\n.\r\n');
          const empty = buffer.subarray(0, 3).toString() === '.\r\n';
          if (end === -1 && !empty) return;
          const body = empty ? Buffer.alloc(0) : buffer.subarray(0, end + 2);
          buffer = buffer.subarray(empty ? 3 : end + 5);
          dataStarted = false;
          finishData(body);
          continue;
        }
        const newline = buffer.indexOf('\r\n');
        if (newline === -1) return;
        const line = buffer.subarray(0, newline).toString('utf8');
        buffer = buffer.subarray(newline + 2);
        command(line);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    messages,
    received: (address) => messages.filter((m) => m.to.some((t) => t.toLowerCase() === address.toLowerCase())).length,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
