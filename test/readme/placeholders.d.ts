/**
 * What the snippets of the README and of the docs/ guides leave to the reader, declared once (test/project/readme.snippets.test.ts
 * compiles every snippet with this file). A global script on purpose: a snippet uses these
 * names without importing them. Kept out of the repository's own tsconfig, where such globals
 * would hide a missing import in real code.
 */
declare const db: {
  users: {
    findByUsername(username: string): Promise<{ id: string; passwordHash: string } | null>;
    findById(id: string): Promise<{ id: string; email?: string } | null>;
    setPasswordHash(id: string, hash: string): Promise<void>;
  };
};
/** The app's Express application, where a snippet shows only the lines it adds. */
declare const app: import('express').Express;
/** The app's logger (pino-style), where a snippet reports something. */
declare const logger: {
  warn(fields: unknown, message: string): void;
  info(fields: unknown, message: string): void;
};
/** A route handler of the app. */
declare const billing: import('express').RequestHandler;
/** What `createStepup()` returned, where a snippet shows what to do with it. */
declare const stepup: import('passport-stepup').Stepup;
/** A user id and a Base32 TOTP secret the app already holds. */
declare const userId: string;
declare const secret: string;
/** TOTP encryption keys (`{ current: 'k1', keys: { k1: … } }`). */
declare const encryptionKeys: import('passport-stepup').EncryptionKeys;
/** The app's user table and the lookups the factors ask for. */
declare const users: Map<string, { email: string; phone?: string }>;
declare const getPhone: (userId: string) => Promise<string | undefined>;
/** Headers of the app's SMS gateway (an API key). */
declare const headers: Record<string, string>;
/** A hardware-token service of the app (the custom-factor example). */
declare const tokens: {
  has(userId: string): boolean;
  check(userId: string, code: string): Promise<boolean>;
};
/** A risk scorer and a GeoIP lookup of the app (the adaptive-rules example). */
declare const scorer: { score(req: import('express').Request): number };
declare const geo: { lookup(ip: string): string | undefined };
/** The app's own MfaStore (the conformance-suite example). */
declare const MyStore: new () => import('passport-stepup').MfaStore;
