import { createHash, randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { Request, Response } from 'express';
import { storeKey, type MfaStore } from '../stores/types.js';

/**
 * Adaptive rules: when to ask for a second factor at login (docs/architecture.md "Session states" "When to ask").
 * A rule answers `require` (ask, or send to enrolment, even in optional mode), `skip` (no second
 * factor this time; such a session never passes a route with `maxAge` or
 * `allowRememberBrowser: false`) or `default` (the mode decides).
 */
export type WhenVerdict = 'require' | 'skip' | 'default';
/**
 * `createStepup({ when })`: consulted after the first factor with the request and the Passport
 * user. A rejection fails the login (it never skips the second factor).
 */
export type WhenRule = (req: Request, user: unknown) => WhenVerdict | Promise<WhenVerdict>;

/**
 * Client IP inside or outside CIDR ranges (IPv4 and IPv6). The IP is `req.ip`, i.e. what
 * Express's `trust proxy` setting makes of X-Forwarded-For: with trust proxy off, a forged
 * header changes nothing. @default inside → 'default', outside → 'require'
 */
export function ipRange(
  cidrs: readonly string[],
  verdicts: { readonly inside?: WhenVerdict; readonly outside?: WhenVerdict } = {},
): WhenRule {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bitsText] = cidr.split('/');
    const type = address ? isIP(address) : 0;
    const bits = bitsText === undefined ? (type === 6 ? 128 : 32) : Number(bitsText);
    if (
      !address ||
      type === 0 ||
      !Number.isInteger(bits) ||
      bits < 0 ||
      bits > (type === 6 ? 128 : 32)
    ) {
      throw new TypeError(
        `ipRange: ${JSON.stringify(cidr)} is not a CIDR such as 10.0.0.0/8 or 2001:db8::/32`,
      );
    }
    list.addSubnet(address, bits, type === 6 ? 'ipv6' : 'ipv4');
  }
  const inside = verdicts.inside ?? 'default';
  const outside = verdicts.outside ?? 'require';
  return (req) => {
    const ip = normaliseIp(req.ip);
    if (!ip) return outside;
    return list.check(ip.address, ip.type) ? inside : outside;
  };
}

/** `::ffff:10.1.2.3` (IPv4 on a dual-stack socket) is checked as `10.1.2.3`. */
function normaliseIp(
  ip: string | undefined,
): { address: string; type: 'ipv4' | 'ipv6' } | undefined {
  if (!ip) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return { address: mapped[1], type: 'ipv4' };
  const type = isIP(ip);
  return type === 0 ? undefined : { address: ip, type: type === 6 ? 'ipv6' : 'ipv4' };
}

/** `riskScore(fn, threshold)`: ask when the app's score is at or above the threshold. */
export function riskScore(
  score: (req: Request, user: unknown) => number | Promise<number>,
  threshold: number,
): WhenRule {
  if (!Number.isFinite(threshold))
    throw new TypeError('riskScore: threshold must be a finite number');
  return async (req, user) => {
    const value = await score(req, user);
    // A score that is not a number is a broken scorer: ask rather than trust it (fail closed).
    return typeof value === 'number' && Number.isFinite(value) && value < threshold
      ? 'default'
      : 'require';
  };
}

/**
 * `country(resolve, { allow } | { deny })`: the app resolves the client IP to an ISO country
 * code; outside `allow`, or inside `deny`, a second factor is required. An IP the resolver
 * cannot place is treated as outside (fail closed).
 */
export function country(
  resolve: (ip: string) => string | undefined | null | Promise<string | undefined | null>,
  lists: { readonly allow: readonly string[] } | { readonly deny: readonly string[] },
): WhenRule {
  const allow = 'allow' in lists ? new Set(lists.allow.map((c) => c.toUpperCase())) : undefined;
  const deny = 'deny' in lists ? new Set(lists.deny.map((c) => c.toUpperCase())) : undefined;
  if (!allow && !deny) throw new TypeError('country: pass { allow: [...] } or { deny: [...] }');
  return async (req) => {
    const code = req.ip ? (await resolve(req.ip))?.toUpperCase() : undefined;
    if (!code) return 'require';
    if (allow) return allow.has(code) ? 'default' : 'require';
    return deny?.has(code) ? 'require' : 'default';
  };
}

/** Any rule that requires wins; otherwise any skip; otherwise default. */
export function anyOf(...rules: WhenRule[]): WhenRule {
  return async (req, user) => {
    const verdicts = await Promise.all(rules.map((r) => r(req, user)));
    if (verdicts.includes('require')) return 'require';
    return verdicts.includes('skip') ? 'skip' : 'default';
  };
}

/** Requires (or skips) only when every rule agrees; otherwise default. */
export function allOf(...rules: WhenRule[]): WhenRule {
  return async (req, user) => {
    const verdicts = await Promise.all(rules.map((r) => r(req, user)));
    if (verdicts.length > 0 && verdicts.every((v) => v === 'require')) return 'require';
    if (verdicts.length > 0 && verdicts.every((v) => v === 'skip')) return 'skip';
    return 'default';
  };
}

export const DEVICE_COOKIE = 'stepup_device';

/** Where `createStepup()` puts the device registry on a login request, for `newDevice()`. */
export const DEVICE_REGISTRY = Symbol.for('passport-stepup.deviceRegistry');

/**
 * `newDevice()`: ask on a browser where this user never completed a second factor. Without a
 * registry on the request (used outside `createStepup`), it always asks (fail closed).
 */
export function newDevice(): WhenRule {
  return async (req) => {
    const bound = (
      req as unknown as Record<symbol, { registry: DeviceRegistry; userId: string } | undefined>
    )[DEVICE_REGISTRY];
    if (!bound) return 'require';
    return (await bound.registry.isNewDevice(req, bound.userId)) ? 'require' : 'default';
  };
}

/**
 * `newDevice()`: ask on a browser this user has not completed a second factor on before
 * (a long-lived random device cookie, stored per user only as a hash). A remembered browser is
 * handled before rules run, so this only sees browsers without one.
 */
export class DeviceRegistry {
  constructor(
    private readonly store: MfaStore,
    private readonly secure: boolean,
    private readonly lifetimeMs = 400 * 24 * 3600 * 1000,
  ) {}

  async isNewDevice(req: Request, userId: string): Promise<boolean> {
    const id = readCookie(req, DEVICE_COOKIE);
    if (!id) return true;
    const seen = await this.store.hashGetAll(storeKey(userId, 'devices'));
    return !Object.hasOwn(seen, hash(id));
  }

  /** After a second factor: remember this device for the user (sets the cookie when missing). */
  async remember(req: Request, res: Response, userId: string): Promise<void> {
    let id = readCookie(req, DEVICE_COOKIE);
    if (!id || !/^[A-Za-z0-9_-]{22,64}$/.test(id)) {
      id = randomBytes(16).toString('base64url');
      res.cookie(DEVICE_COOKIE, id, {
        httpOnly: true,
        sameSite: 'lax',
        secure: this.secure,
        path: '/',
        maxAge: this.lifetimeMs,
      });
    }
    await this.store.hashSet(
      storeKey(userId, 'devices'),
      hash(id),
      String(Date.now()),
      this.lifetimeMs,
    );
  }
}

function hash(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** Read one cookie without a dependency on cookie-parser. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}
