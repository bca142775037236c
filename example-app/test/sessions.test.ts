// Story: alice is signed in on her laptop and on a library computer she forgot to sign out of.
// On /settings/security she sees both sessions and signs out everywhere else; the library
// computer's next request is anonymous.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExampleApp, type ExampleApp } from '../app.js';

let example: ExampleApp;
beforeAll(async () => {
  example = await createExampleApp(
    {
      SESSION_SECRET: 'sessions-test-session-secret-0123456789abcdef',
      DATABASE_URL: 'sqlite::memory:',
    },
    { printMail: false },
  );
});
afterAll(async () => {
  await example?.close();
});

async function signedIn(userAgent: string) {
  const agent = request.agent(example.app).set('User-Agent', userAgent);
  const csrf = (await agent.get('/auth/csrf').expect(200)).body.csrfToken as string;
  const login = await agent
    .post('/auth/login')
    .set('x-csrf-token', csrf)
    .send({ username: 'alice', password: 'alice-password-1' });
  expect(login.body.status).toBe('authenticated');
  return agent;
}

describe('the demo lists and ends sessions', () => {
  it('shows both sessions and signs out everywhere else', async () => {
    const laptop = await signedIn(
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
    );
    const library = await signedIn(
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0',
    );
    const page = await laptop.get('/settings/security').set('Accept', 'text/html').expect(200);
    const table = /<table data-testid="sessions">([\s\S]*?)<\/table>/.exec(page.text)?.[1] ?? '';
    expect(table.match(/<tr>/g)).toHaveLength(3); // header + two sessions
    expect(table).toContain('Chrome on Linux (this browser)');
    expect(table).toContain('Firefox on Windows');
    expect(page.text).toContain('data-testid="session-end"');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';

    await laptop
      .post('/settings/security/sessions/end-others')
      .type('form')
      .send({ _csrf: csrf })
      .expect(303);
    expect((await library.get('/api/me')).status).toBe(401);
    expect((await laptop.get('/api/me')).status).toBe(200);
    const after = await laptop.get('/settings/security').set('Accept', 'text/html');
    expect(after.text).not.toContain('data-testid="sessions-end-others"');
  });
});
