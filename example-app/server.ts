/**
 * `npm run example`: start the demo on http://localhost:3000 (PORT overrides) and print what a
 * newcomer needs: the demo users, bob's authenticator secret as a QR code to scan, and his
 * recovery codes. See config.ts for DATABASE_URL, REDIS_URL, SMTP_URL, SESSION_SECRET and
 * MFA_ENCRYPTION_KEY.
 */
import { createServer } from 'node:http';
import { renderQrTerminal } from '../lib/index.js';
import { createExampleApp } from './app.js';
import { DEMO_USERS } from './users.js';

const example = await createExampleApp(process.env).catch((err: unknown) => {
  // A configuration mistake gets one readable line, not a stack trace.
  console.error(`example-app: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
const { config, demo } = example;
const server = createServer(example.app);
server.listen(config.port, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const lines = [
    '',
    `passport-stepup demo on http://localhost:${port}`,
    `  enrolled factors: ${describeDatabase(config.databaseUrl)} (kept across restarts)`,
    `  sessions and short-lived MFA state: ${config.redisUrl ? 'Redis' : 'this process (lost at restart: users sign in again)'}`,
    `  mail: ${config.smtpUrl ? 'SMTP' : `development outbox at http://localhost:${port}/dev/outbox`}`,
    '',
    'Demo users (the id is the username):',
    ...DEMO_USERS.map((u) => `  ${u.username.padEnd(6)} ${u.password.padEnd(18)} ${u.note}`),
    '',
  ];
  console.log(lines.join('\n'));
  void printBob(port);
});

async function printBob(port: number): Promise<void> {
  // A demo convenience only: a real app never prints a user's secret or recovery codes.
  if (demo.bob.secret && demo.bob.otpauthUrl) {
    console.log("bob's authenticator: scan this QR code, or type the secret below.");
    console.log(await renderQrTerminal(demo.bob.otpauthUrl));
    console.log(`  secret: ${demo.bob.secret}`);
  } else {
    console.log(
      "bob's authenticator was set up when the demo database was made (its QR code was printed " +
        'then); remove example-app/.data/ to start the demo over with a new one.',
    );
  }
  const codes = demo.bob.recoveryCodes;
  if (codes.length > 0) {
    console.log('  recovery codes (each works once; printed only now, when they are made):');
    for (let i = 0; i < codes.length; i += 2)
      console.log(`    ${codes.slice(i, i + 2).join('   ')}`);
  } else {
    console.log(
      `  recovery codes: ${demo.bob.recoveryCodesLeft} left from an earlier start ` +
        '(remove example-app/.data/ to start the demo over).',
    );
  }
  console.log(`\nOpen http://localhost:${port}/login and sign in. Ctrl+C stops the app.\n`);
}

/** The credential store's URL without a password. */
function describeDatabase(url: string): string {
  if (url.startsWith('sqlite:'))
    return `SQLite ${url.slice('sqlite:'.length).replace(/^\/\//, '')}`;
  try {
    const parsed = new URL(url);
    return `${parsed.protocol.replace(':', '')} on ${parsed.host}${parsed.pathname}`;
  } catch {
    return 'SQL';
  }
}

for (const warning of config.warnings) console.warn(`warning: ${warning}`);

let closing = false;
function shutdown(): void {
  if (closing) return;
  closing = true;
  server.close();
  server.closeAllConnections();
  example.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
