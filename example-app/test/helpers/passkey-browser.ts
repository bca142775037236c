/**
 * What the passkey browser tests share: the example app served on `localhost` (WebAuthn needs a
 * domain, not 127.0.0.1) with that origin configured, and Chromium's virtual authenticator (CDP
 * WebAuthn domain) standing in for a laptop's platform authenticator with user verification.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { CDPSession } from 'playwright-core';
import { createExampleApp, type ExampleApp } from '../../app.js';

/** The example app on localhost, its passkey origin set to the port it got. */
export async function startOnLocalhost() {
  // The server listens first (its port is in the origin), the app is plugged in after.
  const holder: { example?: ExampleApp } = {};
  const server: Server = createServer((req, res) => {
    if (holder.example) holder.example.app(req, res);
    else res.writeHead(503).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const baseUrl = `http://localhost:${address.port}`;
  const example = await createExampleApp(
    {
      SESSION_SECRET: 'browser-test-session-secret-0123456789abcdef',
      MFA_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      DATABASE_URL: 'sqlite::memory:',
      PASSKEY_ORIGINS: baseUrl,
    },
    { printMail: false },
  );
  holder.example = example;
  return {
    baseUrl,
    example,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await example.close();
    },
  };
}

/** A resident-key, user-verifying virtual authenticator on the page's CDP session; its id. */
export async function addVirtualAuthenticator(cdp: CDPSession): Promise<string> {
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}
