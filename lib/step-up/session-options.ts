/**
 * Recommended express-session options (invariant 10 (docs/architecture.md), OWASP ASVS 5.0 V3.3): express-session's
 * defaults (`connect.sid`, no `Secure`, `SameSite` unset) are not what an auth library should
 * ship. In production the cookie gets the `__Host-` prefix, which browsers only accept with
 * `Secure`, `Path=/` and no `Domain`, so a sibling subdomain cannot plant or overwrite it.
 */
/**
 * The parts of an express-session store that express-session calls (connect-redis, its
 * MemoryStore and every other `session.Store` have them). Structural, so that this library's
 * types need no @types/express-session, yet `store: 42` or a Redis client passed by mistake
 * (instead of `new ConnectRedisStore({ client })`) fails to compile.
 */
export interface SessionStoreLike {
  get(sid: string, callback: (err: unknown, session?: unknown) => void): void;
  set(sid: string, session: unknown, callback?: (err?: unknown) => void): void;
  destroy(sid: string, callback?: (err?: unknown) => void): void;
}

export interface SessionDefaultsInput {
  readonly secret: string | string[];
  /** @default process.env.NODE_ENV === 'production' */
  readonly production?: boolean;
  /** An express-session store (connect-redis in production). */
  readonly store?: SessionStoreLike;
  /** Idle lifetime of the session cookie in ms. @default 8 hours */
  readonly maxAgeMs?: number;
}

export interface SessionDefaults {
  readonly name: string;
  readonly secret: string | string[];
  readonly resave: false;
  readonly saveUninitialized: false;
  readonly rolling: true;
  readonly proxy?: boolean;
  readonly store?: never;
  readonly cookie: {
    readonly httpOnly: true;
    readonly secure: boolean;
    readonly sameSite: 'lax';
    readonly path: '/';
    readonly maxAge: number;
  };
}

export function sessionDefaults(input: SessionDefaultsInput): SessionDefaults {
  const secrets = Array.isArray(input.secret) ? input.secret : [input.secret];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length < 32)) {
    throw new TypeError(
      'sessionDefaults: secret must be at least 32 characters (openssl rand -base64 32)',
    );
  }
  const production = input.production ?? process.env.NODE_ENV === 'production';
  return {
    name: production ? '__Host-sid' : 'sid',
    secret: input.secret,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    ...(input.store !== undefined ? { store: input.store as never } : {}),
    cookie: {
      httpOnly: true,
      secure: production,
      sameSite: 'lax',
      path: '/',
      maxAge: input.maxAgeMs ?? 8 * 3600 * 1000,
    },
  };
}
