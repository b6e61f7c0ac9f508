import {request, Agent} from 'node:http';
import {connect, type AddressInfo} from 'node:net';
import {describe, expect, it} from 'vitest';
import {createSessionService} from '../../server/service.js';
import {MemoryStore} from '../../server/store/memory-store.js';
import type {SessionRecord} from '../../server/store/types.js';
import {MemoryUsers} from '../support/memory-users.js';
import {pino} from 'pino';

/** A memory store whose reads take `ms`, so a request is still in flight when the service closes. */
class SlowStore extends MemoryStore {
  constructor(readonly ms: number) {
    super();
  }
  override async get(key: string, now: number): Promise<SessionRecord | undefined> {
    await new Promise((r) => setTimeout(r, this.ms));
    return super.get(key, now);
  }
}

function get(url: string, agent: Agent): Promise<{status: number; connection: string | undefined}> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/api/session`,
      {agent, headers: {cookie: `MOIN_SESSION=${'a'.repeat(43)}`}},
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({status: res.statusCode ?? 0, connection: res.headers.connection})
        );
      }
    );
    req.on('error', reject);
    req.end();
  });
}

describe('SessionService#close', () => {
  it('finishes an in-flight keep-alive request and then closes its connection', async () => {
    const service = createSessionService(
      {store: 'memory:'},
      {store: new SlowStore(300), users: new MemoryUsers(), logger: pino({level: 'silent'})}
    );
    const {url} = await service.listen(0, '127.0.0.1');
    const agent = new Agent({keepAlive: true});
    try {
      const pending = get(url, agent);
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      const closed = service.close();
      const answer = await pending;
      await closed;
      expect(answer.status).toBe(200);
      // The client is told not to reuse the connection, and close() does not wait for the
      // keep-alive timeout (5 s) to let the now idle connection go.
      expect(answer.connection).toBe('close');
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      agent.destroy();
    }
  });

  it('refuses new connections once closed', async () => {
    const service = createSessionService(
      {store: 'memory:'},
      {users: new MemoryUsers(), logger: pino({level: 'silent'})}
    );
    const {url} = await service.listen(0, '127.0.0.1');
    await service.close();
    await expect(get(url, new Agent())).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('SessionService#listen', () => {
  it('answers bytes that are not HTTP with the JSON 400 and keeps serving', async () => {
    const service = createSessionService(
      {store: 'memory:'},
      {users: new MemoryUsers(), logger: pino({level: 'silent'})}
    );
    const {url, server} = await service.listen(0, '127.0.0.1');
    try {
      const {port} = server.address() as AddressInfo;
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(raw).toContain('Content-Type: application/json; charset=utf-8\r\n');
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({
        error: {code: 'bad_request', message: 'The request is not valid HTTP.'},
      });
      expect((await get(url, new Agent())).status).toBe(200);
    } finally {
      await service.close();
    }
  });
});
