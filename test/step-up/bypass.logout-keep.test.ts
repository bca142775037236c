// Attack: on a shared computer the app logs the user out with req.logout({ keepSessionInfo })
// and signs the next person in with req.login({ keepSessionInfo }); the old satisfied record of the
// same account must not come back to life without a second factor.
import { expect, it } from 'vitest';
import { makeBypassApp } from '../helpers/bypass-app.js';
import { bypassClient } from '../helpers/bypass-client.js';

it('req.logout({ keepSessionInfo }) then req.login({ keepSessionInfo }) of the same user is not satisfied', async () => {
  const built = await makeBypassApp();
  const c = await bypassClient(built.app);
  await c.login('bob', 'bob-password-1');
  expect((await c.verify(await built.codeFor('u-bob'))).status).toBe(200);
  expect((await c.post('/app/logout?keep=1')).status).toBe(204);
  expect((await c.state()).status).toBe('anonymous');
  // The next person knows Bob's password-equivalent (here: the app's sign-in token), not his TOTP.
  expect(
    (await c.post('/app/login/bare?keep=1', {}, { 'x-signin-token': 'bob-signin-token' })).status,
  ).toBe(200);
  expect(await c.state()).toMatchObject({ status: 'authenticated', factors: [] });
  expect((await c.get('/reports')).status).toBe(401);
});
