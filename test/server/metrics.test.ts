import {afterEach, describe, expect, it} from 'vitest';
import {Visitor} from '../support/fault-harness.js';
import {PASSWORDS, startService, type TestService} from '../support/test-service.js';

/** The sum of every sample of a metric (all label sets) in Prometheus text, or null if absent. */
function total(text: string, name: string): number | null {
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

const FAMILIES = [
  ['moin_http_requests_total', 'counter'],
  ['moin_errors_total', 'counter'],
  ['moin_store_seconds', 'histogram'],
  ['moin_sockets', 'gauge'],
  ['moin_ws_messages_total', 'counter'],
  ['moin_sessions', 'gauge'],
] as const;

describe('GET /metrics before and after traffic', () => {
  let t: TestService;
  afterEach(async () => {
    await t.close();
  });

  it('declares every family, and each one moves with HTTP and WebSocket traffic', async () => {
    t = await startService();
    const scrape = async () => (await t.client().get('/metrics')).text;
    const before = await scrape();
    for (const [name, type] of FAMILIES) expect(before).toContain(`# TYPE ${name} ${type}`);
    const was = {
      requests: total(before, 'moin_http_requests_total') ?? 0,
      errors: total(before, 'moin_errors_total') ?? 0,
      storeCalls: total(before, 'moin_store_seconds_count') ?? 0,
      sockets: total(before, 'moin_sockets'),
      messages: total(before, 'moin_ws_messages_total') ?? 0,
      sessions: total(before, 'moin_sessions'),
    };
    expect(was.sockets).toBe(0);
    expect(was.sessions).toBe(0);

    const alice = t.client();
    await alice.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    await alice.post('/api/trail', {page: ''});
    const socket = new Visitor('m', 2);
    await socket.connect(t.url, alice.cookieHeader());
    socket.stream();
    await socket.allAcked();
    socket.send('{');
    const errorBy = Date.now() + 5000;
    while (!socket.messages.some((m) => m.type === 'error') && Date.now() < errorBy) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(socket.messages.map((m) => m.type)).toContain('error');

    const during = await scrape();
    expect(total(during, 'moin_http_requests_total')).toBeGreaterThan(was.requests + 2);
    // invalid_page over HTTP and bad_message over the socket.
    expect(total(during, 'moin_errors_total')).toBeGreaterThanOrEqual(was.errors + 2);
    expect(during).toMatch(/moin_errors_total\{code="invalid_page"\} 1/);
    expect(during).toMatch(/moin_errors_total\{code="bad_message"\} 1/);
    expect(total(during, 'moin_store_seconds_count')).toBeGreaterThan(was.storeCalls);
    expect(total(during, 'moin_store_seconds_sum')).toBeGreaterThan(0);
    expect(total(during, 'moin_sockets')).toBe(1);
    // In: 2 visits and a bad frame; out: a view, 2 acks and an error at least.
    expect(total(during, 'moin_ws_messages_total')).toBeGreaterThanOrEqual(was.messages + 6);
    expect(during).toMatch(/moin_ws_messages_total\{direction="in",type="visit"\} 2/);
    expect(during).toMatch(/moin_ws_messages_total\{direction="out",type="ack"\} 2/);
    expect(total(during, 'moin_sessions')).toBe(1);

    socket.close();
    await socket.closed;
    await alice.post('/api/logout');
    const deadline = Date.now() + 5000;
    let after = await scrape();
    while (total(after, 'moin_sockets') !== 0 && Date.now() < deadline) after = await scrape();
    expect(total(after, 'moin_sockets')).toBe(0);
    expect(total(after, 'moin_sessions')).toBe(0);
  });
});
