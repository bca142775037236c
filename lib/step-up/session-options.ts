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
  /** Load a session by id; `session` undefined when there is none. */
  get(sid: string, callback: (err: unknown, session?: unknown) => void): void;
  /** Save a session under its id. */
  set(sid: string, session: unknown, callback?: (err?: unknown) => void): void;
  /** Delete a session: how logout and "end this session" make an old cookie worthless. */
  destroy(sid: string, callback?: (err?: unknown) => void): void;
}

/** What `sessionDefaults()` needs from the app. */
export interface SessionDefaultsInput {
  /**
   * The cookie-signing secret, at least 32 characters (`openssl rand -base64 32`), else a
   * TypeError. An array rotates secrets: the first signs, all of them verify.
   */
  readonly secret: string | string[];
  /** @default process.env.NODE_ENV === 'production' */
  readonly production?: boolean;
  /** An express-session store (connect-redis in production). */
  readonly store?: SessionStoreLike;
  /** Idle lifetime of the session cookie in ms. @default 8 hours */
  readonly maxAgeMs?: number;
}

/** express-session options, ready for `session(sessionDefaults({ … }))`. */
export interface SessionDefaults {
  /**
   * `__Host-sid` in production (browsers only accept the prefix with `Secure`, `Path=/` and no
   * `Domain`, so a sibling subdomain cannot plant or overwrite the cookie), `sid` otherwise;
   * never the default `connect.sid`, which names the stack.
   */
  readonly name: string;
  /** The secret you passed. */
  readonly secret: string | string[];
  /**
   * Unchanged sessions are not written back, so a request that changed nothing cannot
   * overwrite (or bring back) what a concurrent one wrote, such as a logout.
   */
  readonly resave: false;
  /** No session (and no cookie) until something is stored in it: anonymous traffic costs nothing. */
  readonly saveUninitialized: false;
  /** Every response renews the cookie, so `maxAge` is an idle timeout. */
  readonly rolling: true;
  /** Never set here; add `proxy: true` yourself when TLS ends at a proxy you trust. */
  readonly proxy?: boolean;
  /**
   * The store you passed. Typed `never` so that the object fits express-session's own options
   * type without this library depending on @types/express-session.
   */
  readonly store?: never;
  /** Cookie attributes (OWASP ASVS 5.0 V3.3). */
  readonly cookie: {
    /** Scripts cannot read the session id (a stolen-by-XSS session is the worst outcome). */
    readonly httpOnly: true;
    /** True in production: the id never travels over plain HTTP. */
    readonly secure: boolean;
    /** Not sent on cross-site subrequests and form posts: a CSRF defence beside the token. */
    readonly sameSite: 'lax';
    /** Required by the `__Host-` prefix. */
    readonly path: '/';
    /** Idle lifetime in milliseconds (`maxAgeMs`, default 8 hours). */
    readonly maxAge: number;
  };
}

/**
 * Safe express-session options (docs/architecture.md, invariant 10): express-session's own
 * defaults (`connect.sid`, no `Secure`, `SameSite` unset, a session for every visitor) are not
 * what an auth library should ship.
 *
 * ```ts
 * app.use(session(sessionDefaults({ secret: process.env.SESSION_SECRET!, store })));
 * ```
 *
 * @throws TypeError when a secret is shorter than 32 characters.
 */
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
