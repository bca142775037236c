/**
 * What a bench scenario is and what it gets: the shapes shared by the scenario lists
 * (bench/scenarios.ts, bench/sessions-scenarios.ts) and the runner, in a file of their own so
 * that the lists import them without importing each other.
 */
import type { LoadResult } from './load.js';
import type { ServerPorts } from './server.js';

export interface BenchEnv {
  readonly ports: ServerPorts;
  /** Seconds per measured run (duration-based scenarios; TOTP runs are sized to about this). */
  readonly duration: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly loginConnections: number;
  /** Satisfied-session cookies, one per connection, on the Redis and memory session stores. */
  readonly satisfied: { readonly redis: readonly string[]; readonly memory: readonly string[] };
  /** Bearer tokens (password + TOTP, `POST /auth/token`) on `ours`, one per connection. */
  readonly bearer: readonly string[];
  /** Usernames (TOTP enrolled) that log in during `requireMfaUnderLogin`. */
  readonly loadUsers: readonly string[];
}

export interface Measurement extends LoadResult {
  /** Scenario-specific figures (the login load of `requireMfaUnderLogin`). */
  readonly extra?: Readonly<Record<string, number>>;
}

export interface MeasureOptions {
  readonly warmup: boolean;
  /** Run `load` between two Redis snapshots. */
  around<T extends LoadResult>(load: () => Promise<T>): Promise<T>;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Another load runs alongside the measured one: the server is never idle after it. */
  readonly concurrentLoad?: boolean;
  /** Not measured: seed what the run needs. `tag` makes user ids unique per run. */
  prepare?(env: BenchEnv, tag: string, warmup: boolean): Promise<void>;
  measure(env: BenchEnv, options: MeasureOptions): Promise<Measurement>;
}
