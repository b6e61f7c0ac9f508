import {describe, expect, it, vi} from 'vitest';
import {createSessionService} from '../../../server/service.js';
import {HttpClient} from '../../support/http-client.js';
import {MemoryUsers} from '../../support/memory-users.js';
import {startRedisServer} from '../../support/redis-server.js';

describe('login throttle on a Redis store that goes away', () => {
  it('refuses logins with 503 store_unavailable and checks no password while Redis is down', async () => {
    const redis = await startRedisServer();
    const users = new MemoryUsers({Alice: {password: 'alice-pw'}});
    const service = createSessionService({store: redis.url, log_level: 'silent'}, {users});
    try {
      const {url} = await service.listen(0, '127.0.0.1');
      const login = (password: string) =>
        new HttpClient(url).post('/api/login', {name: 'Alice', password});
      expect((await login('alice-pw')).status).toBe(200);
      await redis.stop();
      const verify = vi.spyOn(users, 'verify');
      const answers = await Promise.all(Array.from({length: 20}, (_, i) => login(`guess${i}`)));
      expect(answers.map((r) => r.status)).toEqual(Array<number>(20).fill(503));
      expect(answers[0]!.json).toMatchObject({error: {code: 'store_unavailable'}});
      // Never unthrottled: not one guess reached the password check.
      expect(verify).not.toHaveBeenCalled();
    } finally {
      await service.close();
      await redis.stop();
    }
  }, 20_000);
});
