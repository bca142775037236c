// A new user passed `sessionDefaults({ store: redis })` (the ioredis client instead of a
// connect-redis store) and it compiled: express-session then failed at the first request. The
// option is typed as an express-session store, so such a mistake fails `npm run typecheck`
// (this file is part of it) instead of a production request.
import session from 'express-session';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { sessionDefaults } from '../../lib/index.js';

const SECRET = 'a-session-secret-of-at-least-32-characters';

describe('sessionDefaults types', () => {
  it('takes any express-session store', () => {
    const memory = sessionDefaults({ secret: SECRET, store: new session.MemoryStore() });
    expect(memory.store).toBeInstanceOf(session.MemoryStore);
    const client = new Redis({ lazyConnect: true });
    const redis = sessionDefaults({ secret: SECRET, store: new ConnectRedisStore({ client }) });
    expect(redis.store).toBeInstanceOf(ConnectRedisStore);
    client.disconnect();
    // The result is what express-session takes.
    expect(typeof session(sessionDefaults({ secret: SECRET }))).toBe('function');
  });

  it('refuses what is not a session store at compile time', () => {
    // @ts-expect-error a number is not a session store
    expect(sessionDefaults({ secret: SECRET, store: 42 }).store).toBe(42);
    const client = new Redis({ lazyConnect: true });
    // @ts-expect-error an ioredis client is not a session store (wrap it in connect-redis)
    expect(sessionDefaults({ secret: SECRET, store: client }).store).toBe(client);
    client.disconnect();
    // @ts-expect-error the secret is a string or a list of strings
    expect(() => sessionDefaults({ secret: 42 })).toThrow(TypeError);
  });
});
