import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { domainToASCII } from 'node:url';

/**
 * One message to one recipient over SMTP (RFC 5321). Hand-written rather than nodemailer's SMTP transport (which
 * still composes the message), because that has one idle timeout for every stage and its errors don't say whether
 * the final dot was sent: a connection lost after the server stored the message would look safe to retry, and the
 * recipient would get two copies. Here each stage has its own timeout (RFC 5321 §4.5.3.2), hooks run before DATA
 * and before the final dot, and the outcome says whether the server can have accepted the message.
 */

export interface SmtpServer {
  host: string;
  port: number;
  /** TLS from the first byte (SMTPS, usually port 465). */
  secure: boolean;
  /** STARTTLS on a plain connection: required, used when offered, or never. */
  starttls: 'require' | 'opportunistic' | 'off';
  auth?: { user: string; pass: string };
  /** Extra TLS settings (a private CA, say). Certificates are always verified unless this says otherwise. */
  tls?: Pick<ConnectionOptions, 'ca' | 'rejectUnauthorized' | 'servername'>;
}

/** `text`: the reply's lines without their codes, joined with '\n'. */
export interface SmtpReply {
  code: number;
  text: string;
}

export type SmtpPhase = 'connect' | 'greeting' | 'ehlo' | 'starttls' | 'auth' | 'mail' | 'rcpt' | 'data' | 'message' | 'final-dot';

/**
 * Only `accepted` and `uncertain` can have reached the recipient: `rejected` is the server's no (a 4xx to try later,
 * a 5xx for good), `not-sent` a transaction that ended before the final dot.
 */
export type SmtpOutcome =
  | { status: 'accepted'; reply: SmtpReply }
  | { status: 'rejected'; phase: SmtpPhase; permanent: boolean; reply: SmtpReply; reason: string }
  | { status: 'not-sent'; phase: SmtpPhase; permanent: boolean; code?: string; reason: string }
  | { status: 'uncertain'; phase: 'final-dot'; code?: string; reason: string };

interface DeliverOptions {
  server: SmtpServer;
  /** RFC 5321 §4.5.3.2, as MailConfig describes them; each block of the message written has `commandMs`. */
  timeouts: Record<'greetingMs' | 'commandMs' | 'finalDotMs' | 'messageDeadlineMs', number>;
  /** Envelope sender and the one recipient, plain addresses. */
  from: string;
  to: string;
  /** The whole message, not yet dot-stuffed. */
  message: Uint8Array;
  /** Abandon the transaction now (a second Ctrl-C): before the final dot it is `not-sent`, after it `uncertain`. */
  signal?: AbortSignal | undefined;
  /** Awaited before DATA and before the final dot. If one throws, nothing is delivered and its error passed on. */
  beforeData?: () => Promise<void>;
  beforeFinalDot?: () => Promise<void>;
}

/** What went wrong inside a transaction; deliver() turns it into an SmtpOutcome. */
class SmtpProblem extends Error {
  constructor(
    message: string,
    readonly details: { permanent?: boolean; code?: string; reply?: SmtpReply } = {},
  ) {
    super(message);
  }
}

/**
 * Send `message` from `from` to `to` on a connection of its own. Never rejects for anything the server or the
 * network does (that is the outcome); rejects only with an error thrown by a hook, after closing the connection.
 */
export async function deliver(options: DeliverOptions): Promise<SmtpOutcome> {
  const { server, timeouts } = options;
  const deadline = AbortSignal.timeout(timeouts.messageDeadlineMs);
  const wire = new Wire(options.signal ? AbortSignal.any([options.signal, deadline]) : deadline, () =>
    deadline.aborted ? `the transaction passed its deadline of ${timeouts.messageDeadlineMs} ms` : 'the send was abandoned (stop requested)',
  );
  let phase: SmtpPhase = 'connect';
  let dotSent = false;
  /** Write a command and read the reply to it (`what` names it in a timeout's message). */
  const ask = async (line: string, what: string, timeoutMs = timeouts.commandMs) => {
    wire.send(line);
    return wire.read(timeoutMs, `the reply to ${what}`);
  };
  const command = async (line: string, code: number, what: string) => expectCode(await ask(line, what), code, phase);
  /** EHLO (HELO when the server does not know it); the extension keywords, upper-case. */
  const hello = async (name: string): Promise<Set<string>> => {
    const reply = await ask(`EHLO ${name}`, 'EHLO');
    if (reply.code === 500 || reply.code === 502) {
      await command(`HELO ${name}`, 250, 'HELO');
      return new Set();
    }
    if (reply.code !== 250) throw rejection(reply, phase);
    // "AUTH PLAIN LOGIN" (or the old "AUTH=PLAIN LOGIN") becomes AUTH, AUTH=PLAIN, AUTH=LOGIN.
    const words = reply.text
      .split('\n')
      .slice(1)
      .map((line) => line.toUpperCase().match(/[^\s=]+/g) ?? []);
    return new Set(words.flatMap(([keyword = '', ...params]) => (keyword === 'AUTH' ? [keyword, ...params.map((p) => `AUTH=${p}`)] : [keyword])));
  };
  try {
    await wire.open(server, timeouts.greetingMs);
    phase = 'greeting';
    expectCode(await wire.read(timeouts.greetingMs, 'the greeting'), 220, phase);

    phase = 'ehlo';
    const name = clientName(wire.socket?.localAddress);
    let extensions = await hello(name);
    const tlsOffered = extensions.has('STARTTLS');
    if (!server.secure && server.starttls !== 'off' && (tlsOffered || server.starttls === 'require')) {
      phase = 'starttls';
      if (!tlsOffered) throw new SmtpProblem('the server does not offer STARTTLS, and SMTP_STARTTLS=require', { permanent: true });
      await command('STARTTLS', 220, 'STARTTLS');
      await wire.upgrade(server, timeouts.greetingMs);
      phase = 'ehlo';
      extensions = await hello(name);
    }

    if (server.auth) {
      phase = 'auth';
      const { user, pass } = server.auth;
      const base64 = (text: string) => Buffer.from(text).toString('base64');
      if (extensions.has('AUTH=PLAIN')) await command(`AUTH PLAIN ${base64(`\0${user}\0${pass}`)}`, 235, 'AUTH');
      else if (extensions.has('AUTH=LOGIN')) {
        await command('AUTH LOGIN', 334, 'AUTH LOGIN');
        await command(base64(user), 334, 'the user name');
        await command(base64(pass), 235, 'the password');
      } else throw new SmtpProblem('the server offers neither AUTH PLAIN nor AUTH LOGIN, but a user and password are set', { permanent: true });
    }

    phase = 'mail';
    const utf8 = !/^[\x20-\x7e]*$/.test(options.from + options.to);
    if (utf8 && !extensions.has('SMTPUTF8')) {
      throw new SmtpProblem('the address has characters outside ASCII and the server does not offer SMTPUTF8', { permanent: true });
    }
    await command(`MAIL FROM:<${options.from}>${utf8 ? ' SMTPUTF8' : ''}`, 250, 'MAIL FROM');
    phase = 'rcpt';
    const rcpt = await ask(`RCPT TO:<${options.to}>`, 'RCPT TO');
    if (rcpt.code !== 251) expectCode(rcpt, 250, phase);

    await options.beforeData?.();
    phase = 'data';
    await command('DATA', 354, 'DATA');
    phase = 'message';
    await wire.writeMessage(dotStuff(options.message), timeouts.commandMs);
    await options.beforeFinalDot?.();
    phase = 'final-dot';
    wire.send('.');
    dotSent = true;
    const final = await wire.read(timeouts.finalDotMs, 'the reply to the final dot');
    if (final.code >= 400 && final.code < 600) throw rejection(final, phase); // the server's no: it did not take the message
    // Anything else but 250 is not an answer RFC 5321 allows here: whether the message was taken is not known.
    if (final.code !== 250)
      throw new SmtpProblem(`the server answered ${describeReply(final)} to the final dot, where 250 was expected`, { code: 'EPROTOCOL' });
    // QUIT politely; the message is already accepted, so a slow or missing 221 changes nothing.
    await ask('QUIT', 'QUIT', Math.min(timeouts.commandMs, 2000)).catch(() => undefined);
    return { status: 'accepted', reply: final };
  } catch (error) {
    if (!(error instanceof SmtpProblem)) throw error; // a hook's own error
    const { permanent = false, code, reply } = error.details;
    if (reply) return { status: 'rejected', phase, permanent: reply.code >= 500, reply, reason: error.message };
    if (!dotSent) return { status: 'not-sent', phase, permanent, code, reason: error.message };
    return { status: 'uncertain', phase: 'final-dot', code, reason: `${error.message}, after the final dot: the server may have accepted the message` };
  } finally {
    wire.destroy();
  }
}

/** A plain address as SMTP's envelope takes it: the domain in ASCII (IDNA), the local part as given. Throws on a domain IDNA refuses. */
export function envelopeAddress(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = domainToASCII(address.slice(at + 1));
  if (at <= 0 || !domain) throw new TypeError(`"${address}" has no valid domain`);
  return `${address.slice(0, at)}@${domain}`;
}

/**
 * The key two spellings of one mailbox share: domain in lower-case ASCII (IDNA), local part NFC-normalised and
 * lower-cased. RFC 5321 lets a server treat local parts case-sensitively, but no mail system in use does, and a
 * false match costs one person one copy while a missed one mails them twice. Null for text with no valid domain.
 */
export function addressKey(address: string): string | null {
  const trimmed = address.trim();
  const at = trimmed.lastIndexOf('@');
  const domain = at > 0 ? domainToASCII(trimmed.slice(at + 1)) : '';
  return domain ? `${trimmed.slice(0, at).normalize('NFC').toLowerCase()}@${domain}` : null;
}

export function describeReply(reply: SmtpReply): string {
  const text = reply.text.split('\n').join(' ').slice(0, 300);
  return text ? `${reply.code} ${text}` : String(reply.code);
}

function rejection(reply: SmtpReply, phase: SmtpPhase): SmtpProblem {
  return new SmtpProblem(`the server answered ${describeReply(reply)} at ${phase}`, { reply });
}

function expectCode(reply: SmtpReply, code: number, phase: SmtpPhase): void {
  if (reply.code === code) return;
  if (reply.code >= 400 && reply.code < 600) throw rejection(reply, phase);
  throw new SmtpProblem(`the server answered ${describeReply(reply)} at ${phase}, where ${code} was expected`, { permanent: true });
}

/** The name given in EHLO: the host name when it has a dot, else the local address literal. */
function clientName(localAddress: string | undefined): string {
  const name = hostname();
  if (name.includes('.')) return name;
  if (!localAddress) return '[127.0.0.1]';
  return isIP(localAddress) === 6 ? `[IPv6:${localAddress}]` : `[${localAddress}]`;
}

/** The message with CRLF line ends, every line that starts with "." given a second one (RFC 5321 §4.5.2), ending in CRLF. */
function dotStuff(message: Uint8Array): Buffer {
  // latin1 maps each byte to one code unit and back, so the bytes of any encoding pass through unchanged.
  let text = Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('latin1').replace(/\r?\n/g, '\r\n');
  if (!text.endsWith('\r\n')) text += '\r\n';
  return Buffer.from(text.replace(/(^|\r\n)\./g, '$1..'), 'latin1');
}

const maxReplyLines = 200;
const maxReplyBytes = 64 * 1024;
const messageBlock = 64 * 1024;

/**
 * The connection: writes commands, and reads replies line by line into whole (multi-line) replies. Every wait is
 * bounded by its own timeout and by `stop` (the transaction's deadline and the caller's signal).
 */
class Wire {
  socket: Socket | TLSSocket | undefined;
  /** UTF-8 (SMTPUTF8 replies) decoded across chunk boundaries. */
  private decoder = new StringDecoder('utf8');
  private pending = '';
  private lines: string[] = [];
  private replies: SmtpReply[] = [];
  /** Aborted, with the SmtpProblem as its reason, when the connection breaks: that ends the wait in progress. */
  private readonly broken = new AbortController();
  private wake: (() => void) | undefined;
  private readonly onData = (chunk: Buffer) => this.take(chunk);
  private readonly onEnd = () => this.broken.abort(new SmtpProblem('the server closed the connection', { code: 'ECONNRESET' }));
  private readonly onError = (error: NodeJS.ErrnoException) => {
    // An unknown host or a certificate that does not verify: trying again will not mend it.
    const permanent = error.code === 'ENOTFOUND' || /^(ERR_TLS_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|ERR_SSL_)/.test(error.code ?? '');
    this.broken.abort(new SmtpProblem(`connection error: ${error.message}`, { code: error.code ?? 'ESOCKET', permanent }));
  };

  constructor(
    private readonly stop: AbortSignal,
    private readonly stopReason: () => string,
  ) {}

  async open(server: SmtpServer, timeoutMs: number): Promise<void> {
    const { host, port } = server;
    const socket = server.secure ? connectTls({ host, port, ...tlsOptions(server) }) : connectTcp({ host, port });
    await this.attach(socket, server.secure ? 'secureConnect' : 'connect', timeoutMs, `connecting to ${host}:${port}`);
  }

  /** STARTTLS: the plain socket is handed to TLS; what was read after the 220 (there must be nothing) is dropped. */
  async upgrade(server: SmtpServer, timeoutMs: number): Promise<void> {
    this.pending = '';
    this.decoder = new StringDecoder('utf8');
    this.replies = [];
    // `host` too: without it the certificate is checked against "localhost".
    const socket = connectTls({ socket: this.socket, host: server.host, ...tlsOptions(server) });
    await this.attach(socket, 'secureConnect', timeoutMs, 'the TLS handshake after STARTTLS');
  }

  /** One command line. Nothing here logs or echoes what is sent, so AUTH's secrets stay on the wire. */
  send(line: string): void {
    this.broken.signal.throwIfAborted();
    this.socket!.write(`${line}\r\n`);
  }

  /** Write the (stuffed) message in blocks, each flushed within `timeoutMs`. */
  async writeMessage(data: Buffer, timeoutMs: number): Promise<void> {
    for (let offset = 0; offset < data.length; offset += messageBlock) {
      const block = data.subarray(offset, offset + messageBlock);
      await this.until(new Promise<void>((resolve) => this.socket!.write(block, () => resolve())), timeoutMs, 'writing the message');
    }
  }

  /** The next whole reply, within `timeoutMs`. */
  async read(timeoutMs: number, what: string): Promise<SmtpReply> {
    for (;;) {
      const reply = this.replies.shift();
      if (reply) return reply;
      await this.until(new Promise<void>((resolve) => (this.wake = resolve)), timeoutMs, `waiting for ${what}`);
    }
  }

  destroy(): void {
    this.socket?.off('data', this.onData).destroy();
  }

  /** Listen to `socket`, no longer to the one before it (STARTTLS), and wait for it to connect. */
  private async attach(socket: Socket | TLSSocket, connected: string, timeoutMs: number, what: string): Promise<void> {
    const old = this.socket;
    old?.off('data', this.onData).off('end', this.onEnd).off('close', this.onEnd).off('error', this.onError);
    old?.on('error', () => undefined); // its failures reach the new socket; an unheard 'error' would end the process
    this.socket = socket.on('data', this.onData).on('end', this.onEnd).on('close', this.onEnd).on('error', this.onError);
    await this.until(new Promise<void>((resolve) => socket.once(connected, () => resolve())), timeoutMs, what);
  }

  /**
   * `work`, unless a broken connection, the stop signal or the timeout comes first. The timeout is a plain timer, not
   * AbortSignal.timeout() inside AbortSignal.any(): nothing would hold that signal, so it could be collected and never fire.
   */
  private async until<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    const interruption = () => {
      if (this.broken.signal.aborted) return this.broken.signal.reason as SmtpProblem;
      if (this.stop.aborted) return new SmtpProblem(`${this.stopReason()} (${what})`, { code: 'ETIMEDOUT' });
      return new SmtpProblem(`no answer within ${timeoutMs} ms (${what})`, { code: 'ETIMEDOUT' });
    };
    if (this.broken.signal.aborted || this.stop.aborted) throw interruption();
    let interrupt = () => {};
    const timer = setTimeout(() => interrupt(), timeoutMs);
    const interrupted = new Promise<never>((_, reject) => {
      interrupt = () => reject(interruption());
    });
    this.stop.addEventListener('abort', interrupt);
    this.broken.signal.addEventListener('abort', interrupt);
    try {
      return await Promise.race([work, interrupted]);
    } finally {
      clearTimeout(timer);
      this.stop.removeEventListener('abort', interrupt);
      this.broken.signal.removeEventListener('abort', interrupt);
    }
  }

  /** Split what came into lines, and lines into replies: `250-` continues a reply, `250 ` ends it. */
  private take(chunk: Buffer): void {
    const lines = (this.pending + this.decoder.write(chunk)).split('\n');
    this.pending = lines.pop()!;
    for (const raw of lines) {
      if (this.broken.signal.aborted) return;
      const line = raw.replace(/\r$/, '');
      const match = /^(\d{3})([ -]?)(.*)$/.exec(line);
      if (!match || (this.lines.length > 0 && match[1] !== this.lines[0]!.slice(0, 3))) {
        this.protocolError(`a malformed reply line "${line.slice(0, 80)}"`);
        return;
      }
      this.lines.push(line);
      if (match[2] === '-') {
        if (this.lines.length > maxReplyLines || this.lines.join('').length > maxReplyBytes) {
          this.protocolError(`a reply of more than ${maxReplyLines} lines or 64 KiB`);
        }
        continue;
      }
      this.replies.push({ code: Number(match[1]), text: this.lines.map((l) => l.slice(4)).join('\n') });
      this.lines = [];
      this.wake?.();
    }
    if (!this.broken.signal.aborted && this.pending.length > maxReplyBytes) this.protocolError('a reply line longer than 64 KiB');
  }

  private protocolError(what: string): void {
    this.broken.abort(new SmtpProblem(`the server sent ${what}`, { code: 'EPROTOCOL' }));
    this.socket?.destroy();
  }
}

function tlsOptions(server: SmtpServer): ConnectionOptions {
  return { ...(isIP(server.host) ? {} : { servername: server.host }), ...server.tls };
}
