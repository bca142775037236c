/** What every page module gets, and the two small helpers they share. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isWellFormedText, safeReturnTo, type Stepup, type StepupError } from '../lib/index.js';
import type { ActivityLog } from './activity.js';
import type { ExampleConfig } from './config.js';
import type { Features } from './factors.js';
import type { Mail } from './mail.js';
import type { UserDirectory } from './users.js';
import type { Render } from './views.js';

export interface ExampleContext {
  readonly stepup: Stepup;
  readonly users: UserDirectory;
  readonly mail: Mail;
  readonly activity: ActivityLog;
  readonly features: Features;
  readonly config: ExampleConfig;
  readonly render: Render;
}

/** An async route whose rejection reaches Express's error handler. */
export function page(
  handler: (req: Request, res: Response, next: NextFunction) => Promise<void>,
): RequestHandler {
  return (req, res, next) => {
    handler(req, res, next).catch(next);
  };
}

/** Run a middleware (e.g. `stepup.authenticate('totp')`) and wait for its `next()`. */
export function run(mw: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    void mw(req, res, (err?: unknown) => {
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve();
    });
  });
}

/** A form field as a string of at most `max` characters, or undefined. */
export function field(req: Request, name: string, max = 256): string | undefined {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  // A lone UTF-16 surrogate is no text a person typed, and the SQL store cannot keep it.
  return typeof value === 'string' && value.length <= max && isWellFormedText(value)
    ? value
    : undefined;
}

/** `returnTo` from the form or the query, same-origin paths only (invariant 5 (docs/architecture.md)). */
export function returnToOf(req: Request, fallback = '/'): string {
  const fromBody = field(req, 'returnTo', 2048);
  return safeReturnTo(fromBody ?? req.query.returnTo, fallback);
}

/** `/path?returnTo=…&reason=…` with every value encoded. */
export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, v);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** A message for a page: the library's own sentence, plus the wait when there is one. */
export function describeError(err: StepupError): string {
  const retryAfter = err.details.retryAfter;
  return typeof retryAfter === 'number'
    ? `${err.message} Try again in ${Math.ceil(retryAfter)} s.`
    : err.message;
}
