// Attack (and operations): a fault an attacker can trigger at will (a store that throws on some
// input) answers 500 with nothing logged, so nobody sees it being probed or fixes it. Every
// unexpected error reaches the logger, from the router and from stepup.errorHandler(), without
// the request's body (invariant 7, docs/architecture.md), and the client sees no detail.
import express, { type Request } from 'express';
import { describe, expect, it, vi } from 'vitest';
import { createErrorHandler, type CodeCheck, type Subject } from '../../lib/index.js';
import { client, makeApp, TestCodeFactor, TEST_CODE } from '../helpers/app.js';

/** The test factor, except that one code makes its check throw like a broken driver. */
class FaultyFactor extends TestCodeFactor {
  protected override async verifyCode(req: Request, subject: Subject, code: string) {
    if (code === '999999') throw new TypeError('driver exploded');
    return super.verifyCode(req, subject, code) as Promise<CodeCheck>;
  }
}

function loggedApp() {
  const logged: { message: string; fields: Record<string, unknown> }[] = [];
  const built = makeApp({
    stepup: {
      logger: (message, fields) => void logged.push({ message, fields: { ...fields } }),
    },
    onlyFactors: [(ctx) => new FaultyFactor(ctx, new Set(['u-bob']))],
  });
  return { ...built, logged };
}

describe('unexpected errors reach the logger', () => {
  it('the router: 500 internal_error without detail; the log names the route, not the code', async () => {
    const { app, logged } = loggedApp();
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    const res = await c.verify('999999');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'internal_error', message: 'Something went wrong.' });
    expect(logged).toHaveLength(1);
    expect(logged[0]?.message).toMatch(/unexpected error/);
    expect(logged[0]?.fields).toMatchObject({
      method: 'POST',
      path: '/mfa/verify',
      error: 'TypeError',
      message: 'driver exploded',
    });
    expect(JSON.stringify(logged)).not.toContain('999999');
    // The 4xx answers are not logged as errors.
    expect((await c.verify('000000')).status).toBe(401);
    expect((await c.verify(TEST_CODE)).status).toBe(200);
    expect(logged).toHaveLength(1);
  });

  it("stepup.errorHandler() on the app's own routes logs too, then calls onInternal", async () => {
    const { app, stepup, logged } = loggedApp();
    const seen: unknown[] = [];
    app.get('/broken', () => {
      throw new Error('app bug');
    });
    app.use(stepup.errorHandler((err) => seen.push(err)));
    const res = await (await client(app)).get('/broken');
    expect(res.status).toBe(500);
    expect(logged.map((l) => l.fields.message)).toEqual(['app bug']);
    expect(seen).toHaveLength(1);
  });

  it('createErrorHandler() alone logs to stderr', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const app = express();
      app.get('/broken', () => {
        throw new Error('standalone bug');
      });
      app.use(createErrorHandler());
      const res = await (await import('supertest')).default(app).get('/broken');
      expect(res.status).toBe(500);
      expect(consoleError).toHaveBeenCalledWith(
        expect.stringMatching(/unexpected error/),
        expect.objectContaining({ message: 'standalone bug' }),
      );
    } finally {
      consoleError.mockRestore();
    }
  });
});
