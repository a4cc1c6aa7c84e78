import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server (smtp-server) on 127.0.0.1, random port, plain text (no STARTTLS, AUTH allowed without TLS)
 * unless `tls` gives a key and certificate (then STARTTLS is offered, or TLS from the first byte with `secure`),
 * that keeps every message it accepts, counts logins and connections, and fails the next N MAIL FROM / RCPT TO /
 * DATA commands with a chosen reply on demand (a 4xx to defer, a 5xx to refuse).
 */

export interface ReceivedMessage {
  from: string;
  to: string[];
  /** The message as the client sent it (headers and body, CRLF line ends). */
  raw: Buffer;
  /** The user the session logged in as, if any. */
  user?: string;
}

export interface SmtpFault {
  stage: 'mail' | 'rcpt' | 'data';
  /** SMTP reply code, e.g. 451 or 550. */
  code: number;
  message?: string;
  /** How many commands in a row to fail. @default 1 */
  times?: number;
}

export interface TestSmtpServer {
  host: '127.0.0.1';
  port: number;
  messages: ReceivedMessage[];
  /** Every AUTH attempt with its outcome; the password is not kept. */
  logins: { user: string; ok: boolean }[];
  connections: number;
  /** Fail the next `times` commands of `stage` with `code`. */
  failNext(fault: SmtpFault): void;
  close(): Promise<void>;
}

export interface TestSmtpServerOptions {
  /** The one user/password accepted. */
  credentials?: { user: string; pass: string };
  /** Mail without logging in is accepted. @default true when no credentials are given */
  authOptional?: boolean;
  /** Offer STARTTLS with this key and certificate (PEM), or speak TLS from the first byte when `secure`. */
  tls?: { key: string; cert: string; secure?: boolean };
}

export async function startSmtpServer(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMessage[] = [];
  const logins: { user: string; ok: boolean }[] = [];
  const faults: Required<SmtpFault>[] = [];
  let connections = 0;

  const takeFault = (stage: SmtpFault['stage']): Error | null => {
    const fault = faults.find((f) => f.stage === stage && f.times > 0);
    if (!fault) return null;
    fault.times--;
    return Object.assign(new Error(fault.message), { responseCode: fault.code });
  };

  const server = new SMTPServer({
    secure: options.tls?.secure ?? false,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : { disabledCommands: ['STARTTLS'] }),
    allowInsecureAuth: true,
    authOptional: options.authOptional ?? !options.credentials,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    closeTimeout: 1000,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      const ok = !!options.credentials && auth.username === options.credentials.user && auth.password === options.credentials.pass;
      logins.push({ user: auth.username ?? '', ok });
      if (!ok) return callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      callback(null, { user: auth.username });
    },
    onMailFrom(_address, _session, callback) {
      callback(takeFault('mail'));
    },
    onRcptTo(_address, _session, callback) {
      callback(takeFault('rcpt'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const fault = takeFault('data');
        if (fault) return callback(fault);
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    messages,
    logins,
    get connections() {
      return connections;
    },
    failNext(fault) {
      faults.push({ message: `${fault.code >= 500 ? '5' : '4'}.0.0 Fault injected by the test`, times: 1, ...fault });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on (bound, then released): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
