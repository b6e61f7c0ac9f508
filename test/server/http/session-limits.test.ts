import {afterEach, describe, expect, it} from 'vitest';
import type {SessionView} from '../../../shared/index.js';
import {PASSWORDS, startService, type TestService} from '../../support/test-service.js';

// issue 10b, finding 10: remembered logins neither pile up without end nor live for ever.

const HOUR = 3_600_000;
let t: TestService;
afterEach(async () => {
  await t?.close();
});

const login = (rememberMe: boolean) => async () => {
  const c = t.client();
  const r = await c.post('/api/login', {
    name: 'Alice',
    password: PASSWORDS.Alice,
    remember_me: rememberMe,
  });
  expect(r.status).toBe(200);
  return c;
};

describe('max_sessions_per_user', () => {
  it('ends the oldest sessions when a login passes the cap', async () => {
    t = await startService({max_sessions_per_user: 3});
    const browsers = [];
    for (let i = 0; i < 5; i++) {
      browsers.push(await login(true)());
      t.clock.advance(1000);
    }
    const users = await Promise.all(
      browsers.map(async (c) => (await c.get<SessionView>('/api/session')).json.user?.name ?? null)
    );
    expect(users).toEqual([null, null, 'Alice', 'Alice', 'Alice']);
    expect(await t.service.store.list(t.clock.now(), 'Alice')).toHaveLength(3);
  });

  it('holds under logins at once', async () => {
    // The login throttle counts checks in flight (at most login_max_failures at once per name):
    // lifted here, so all 12 logins really run at once and only the cap is tested.
    t = await startService({max_sessions_per_user: 2, login_max_failures: 50});
    await Promise.all(Array.from({length: 12}, login(false)));
    expect(await t.service.store.list(t.clock.now(), 'Alice')).toHaveLength(2);
  });
});

describe('remember_me_max_hours', () => {
  it('ends a remembered login that long after it was made, however active, and the purge removes it', async () => {
    t = await startService({remember_me_max_hours: 24});
    const c = await login(true)();
    for (let h = 0; h < 23; h++) {
      t.clock.advance(HOUR);
      expect((await c.get<SessionView>('/api/session')).json.user).toEqual({name: 'Alice'});
    }
    t.clock.advance(HOUR + 60_000);
    expect((await c.get<SessionView>('/api/session')).json.user).toBeNull();
    expect(await t.service.store.purgeExpired(t.clock.now())).toBe(1);
  });

  it('leaves a login without remember_me to its sliding lifetime', async () => {
    t = await startService({remember_me_max_hours: 1, cookie_lifetime: [0, 2]});
    const c = await login(false)();
    for (let i = 0; i < 4; i++) {
      t.clock.advance(HOUR);
      await c.get('/api/session');
    }
    expect((await c.get<SessionView>('/api/session')).json.user).toEqual({name: 'Alice'});
  });
});
