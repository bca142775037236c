/**
 * The demo users: an in-memory user directory, the part every real app already has (a table
 * of users). The library never sees it; it asks through `findUser` and Passport's
 * `serializeUser` / `deserializeUser`. Each user's id is its username, to keep the demo readable.
 */
import { hashPassword, type PasswordUser } from '../lib/index.js';

export interface DemoUser {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  /** A verified address (the email factor sends codes to it); notices go here too. */
  readonly email: string;
  readonly isAdmin: boolean;
}

/** What the session-facing code sees: never the hash. */
export type SessionUser = DemoUser;

interface Seed extends DemoUser {
  readonly password: string;
  /** What the start-up log says about this user. */
  readonly note: string;
}

export const DEMO_USERS: readonly Seed[] = [
  {
    id: 'alice',
    username: 'alice',
    displayName: 'Alice',
    email: 'alice@example.test',
    isAdmin: false,
    password: 'alice-password-1',
    note: 'no second factor yet: enrol one at /settings/security',
  },
  {
    id: 'bob',
    username: 'bob',
    displayName: 'Bob',
    email: 'bob@example.test',
    isAdmin: false,
    password: 'bob-password-1',
    note: 'TOTP (QR code and secret printed when the demo database is made) and recovery codes',
  },
  {
    id: 'carol',
    username: 'carol',
    displayName: 'Carol',
    email: 'carol@example.test',
    isAdmin: false,
    password: 'carol-password-1',
    note: 'email codes to carol@example.test (read them at /dev/outbox)',
  },
  {
    id: 'admin',
    username: 'admin',
    displayName: 'Admin',
    email: 'admin@example.test',
    isAdmin: true,
    password: 'admin-password-1',
    note: "may reset other users' MFA at /admin",
  },
];

export class UserDirectory {
  private readonly users = new Map<string, DemoUser & { passwordHash: string }>();

  /** Hash every demo password with argon2id (the library's parameters), once per start. */
  static async seed(): Promise<UserDirectory> {
    const dir = new UserDirectory();
    const hashed = await Promise.all(
      DEMO_USERS.map(async ({ password, note: _note, ...user }) => ({
        ...user,
        passwordHash: await hashPassword(password),
      })),
    );
    for (const user of hashed) dir.users.set(user.id, user);
    return dir;
  }

  /** For the `password` factor: the record with its hash, or null (unknown users cost the same). */
  findByUsername(username: string): PasswordUser | null {
    const user = this.users.get(username);
    return user ? { ...user } : null;
  }

  /** For `deserializeUser` and the pages: the user without the hash. */
  findById(id: string): SessionUser | undefined {
    const user = this.users.get(id);
    if (!user) return undefined;
    const { passwordHash: _hash, ...rest } = user;
    return rest;
  }

  /** The password factor calls this when the stored hash used weaker parameters. */
  setPasswordHash(id: string, passwordHash: string): void {
    const user = this.users.get(id);
    if (user) this.users.set(id, { ...user, passwordHash });
  }

  list(): SessionUser[] {
    return [...this.users.keys()]
      .map((id) => this.findById(id))
      .filter((u): u is SessionUser => u !== undefined);
  }
}
