import {afterEach, describe, expect, it} from 'vitest';
import {createSessionService, type SessionService} from '../../../server/service.js';
import type {UserInfo} from '../../../server/users/types.js';
import {HttpClient} from '../../support/http-client.js';
import {MemoryUsers} from '../../support/memory-users.js';
import {startRedisServer, type RedisServer} from '../../support/redis-server.js';

/** Users that count the password checks they run. */
class CountingUsers extends MemoryUsers {
  checked = 0;
  override verify(name: string, password: string): Promise<UserInfo | undefined> {
    this.checked++;
    return super.verify(name, password);
  }
}

let redis: RedisServer | undefined;
let service: SessionService | undefined;
afterEach(async () => {
  await service?.close();
  await redis?.stop();
  service = redis = undefined;
});

describe('login throttle on a Redis store that goes away', () => {
  it('refuses logins with 503 store_unavailable and checks no password while Redis is down', async () => {
    redis = await startRedisServer();
    const users = new CountingUsers({Alice: {password: 'alice-pw'}});
    service = createSessionService({store: redis.url, log_level: 'silent'}, {users});
    const {url} = await service.listen(0, '127.0.0.1');
    const login = (password: string) =>
      new HttpClient(url).post('/api/login', {name: 'Alice', password});
    expect((await login('alice-pw')).status).toBe(200);
    await redis.stop();
    users.checked = 0;
    const answers = await Promise.all(Array.from({length: 20}, (_, i) => login(`guess${i}`)));
    expect(answers.map((r) => r.status)).toEqual(Array<number>(20).fill(503));
    expect(answers[0]!.json).toMatchObject({error: {code: 'store_unavailable'}});
    // Never unthrottled: not one guess reached the password check.
    expect(users.checked).toBe(0);
  }, 20_000);
});
