// Kept apart from sql-databases.ts, which bench/run.ts imports outside the test runner.
import { afterAll, beforeAll } from 'vitest';
import type { TestDatabase } from './sql-databases.js';

/**
 * A database of its own for the test file: created before its tests, dropped after them; the
 * returned function gives its URL (and throws, naming the server, when it was not created).
 */
export function databaseFixture(
  server: 'PostgreSQL' | 'MariaDB/MySQL',
  create: () => Promise<TestDatabase>,
): () => string {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await create();
  });
  afterAll(async () => {
    await database?.drop();
  });
  return () => {
    if (!database) throw new Error(`the ${server} test database was not created (see beforeAll)`);
    return database.url;
  };
}
