import {connect} from 'node:net';

/** One answer read off the wire. */
export interface RawAnswer {
  status: number;
  /** Header names in lower case; repeated headers joined with "\n". */
  headers: Record<string, string>;
  body: string;
}

/** A request as bytes go out: any method, target, header names and values, and body. */
export interface RawRequest {
  method: string;
  target: string;
  headers: [string, string][];
  body: Buffer;
}

/** Serializes a request for HTTP/1.1 with `Connection: close` and a correct Content-Length. */
export function serialize(r: RawRequest, host: string): Buffer {
  const lines = [`${r.method} ${r.target} HTTP/1.1`, `Host: ${host}`, 'Connection: close'];
  for (const [k, v] of r.headers) lines.push(`${k}: ${v}`);
  if (r.body.length > 0 || r.method === 'POST') lines.push(`Content-Length: ${r.body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), r.body]);
}

/**
 * Sends raw bytes on a fresh connection and reads the answer until the server closes it. A
 * connection the server drops without an answer resolves with status 0.
 */
export function sendRaw(url: string, bytes: Buffer, timeoutMs = 5000): Promise<RawAnswer> {
  const {hostname, port} = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    // A reset after the server answered (it closed while we were still sending) is an answer.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parse(Buffer.concat(chunks).toString('latin1')));
    });
    // write, not end: node:http drops a request whose client half-closes before the answer.
    socket.write(bytes);
  });
}

function parse(text: string): RawAnswer {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!m) return {status: 0, headers: {}, body: ''};
  const end = text.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}\n${v}`;
  }
  let body = end < 0 ? '' : text.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = unchunk(body);
  return {status: Number(m[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8')};
}

function unchunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const nl = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, nl), 16);
    if (!(size > 0)) return out;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
}
