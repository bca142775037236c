import { hashPassword, type PasswordUser } from '../../lib/index.js';
import { USERS } from './app.js';

/** The test users with real argon2id hashes (made once per file), for the built-in password factor. */
export async function hashedDirectory(extra: { locked?: string[]; weakParams?: string[] } = {}) {
  const records = new Map<string, PasswordUser & { username: string }>();
  for (const u of USERS) {
    const weak = extra.weakParams?.includes(u.username);
    const passwordHash = await hashPassword(
      u.password,
      weak ? { memoryCost: 4096, timeCost: 1, parallelism: 1 } : undefined,
    );
    records.set(u.username, {
      id: u.id,
      username: u.username,
      passwordHash,
      ...(extra.locked?.includes(u.username) ? { locked: true } : {}),
    });
  }
  const rehashed: { userId: string; hash: string }[] = [];
  return {
    records,
    rehashed,
    findUser: async (username: string) => records.get(username) ?? null,
    onRehash: async (userId: string, hash: string) => {
      rehashed.push({ userId, hash });
    },
  };
}
