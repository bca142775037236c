/**
 * The runner's side of the bench server (bench/server.ts): start it in a child process and wait
 * for its ports, and talk to its control port: its CPU time, CPU profiles, and waiting until it
 * is idle so that one measurement does not spill into the next.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerPorts } from './server.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** Start bench/server.ts in a child process (killed when this one exits); its ports once ready. */
export async function startServer(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; ports: ServerPorts }> {
  const flags = ['--no-deprecation'];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', here('./server.ts')], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  process.on('exit', () => child.kill('SIGKILL'));
  const ports = await new Promise<ServerPorts>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('bench server did not start within 60 s')),
      60_000,
    );
    child.once('exit', (code) =>
      reject(new Error(`bench server exited (code ${String(code)}) before it was ready`)),
    );
    child.on('message', (message: { type?: string; ports?: ServerPorts }) => {
      if (message.type === 'ready' && message.ports) {
        clearTimeout(timer);
        resolve(message.ports);
      }
    });
  });
  return { child, ports };
}

/**
 * Wait until the server process is idle (under 5% of a core for two 150 ms windows): requests
 * cut off when the previous load stopped (argon2id logins above all) still finish on the
 * server, and their CPU time and Redis commands must not land in the next measurement.
 */
export async function settle(controlUrl: string): Promise<void> {
  const cpu = async () =>
    (await fetch(`${controlUrl}/cpu`)).json() as Promise<{ micros: number; at: number }>;
  const deadline = Date.now() + 30_000;
  let quiet = 0;
  let last = await cpu();
  while (quiet < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    const now = await cpu();
    quiet = (now.micros - last.micros) / 1000 / (now.at - last.at) < 0.05 ? quiet + 1 : 0;
    last = now;
  }
}

/** POST to the server's control port; the answer's body as text. */
export async function control(controlUrl: string, path: string): Promise<string> {
  const res = await fetch(`${controlUrl}${path}`, { method: 'POST' });
  if (!res.ok) throw new Error(`bench server ${path}: ${res.status}`);
  return res.text();
}

/** The server process's CPU time so far, in µs. */
export const cpuOf = async (controlUrl: string): Promise<number> =>
  ((await (await fetch(`${controlUrl}/cpu`)).json()) as { micros: number }).micros;
