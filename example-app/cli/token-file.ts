/**
 * Where the demo CLI keeps its bearer token between runs: `token.json` in
 * `$XDG_CONFIG_HOME/passport-stepup-demo/` (or `~/.config/passport-stepup-demo/`), the file
 * mode 0600 and the directory 0700, so that only its user can read it: the token is a
 * credential for up to 8 hours (OWASP ASVS 5.0 V14.2: sensitive data kept on the client is
 * protected; the same rule ssh and the GitHub CLI apply to their secrets). The file is written
 * to a temporary name and renamed, so a crash never leaves half a token; a file found readable
 * by others is tightened back to 0600 with a warning. A token is kept together with the server
 * it came from and is never sent to another one (RFC 6750 §5.3: do not pass bearer tokens to
 * parties that should not see them).
 */
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What `POST /auth/token` answered, with the server and the user it is for. */
export interface SavedToken {
  readonly server: string;
  readonly username: string;
  readonly accessToken: string;
  /** ms since the epoch. */
  readonly expiresAt: number;
  readonly aal: number;
  readonly amr: readonly string[];
  /** When the authentication the token carries happened (ms since the epoch). */
  readonly authTime: number;
  /** The token's id in `GET /auth/tokens`. */
  readonly id: string;
}

export function tokenDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME?.trim() || join(env.HOME?.trim() || homedir(), '.config');
  return join(config, 'passport-stepup-demo');
}

export class TokenFile {
  readonly path: string;
  constructor(readonly directory: string) {
    this.path = join(directory, 'token.json');
  }

  /** The saved token, or undefined when there is none (or it cannot be read as one). */
  async read(): Promise<SavedToken | undefined> {
    let text: string;
    try {
      const info = await stat(this.path);
      if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
        process.stderr.write(
          `warning: ${this.path} was readable by other users (mode ${(info.mode & 0o777).toString(8)}); set it back to 600.\n`,
        );
        await chmod(this.path, 0o600);
      }
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const saved = JSON.parse(text) as Partial<SavedToken>;
      return typeof saved.accessToken === 'string' && typeof saved.server === 'string'
        ? (saved as SavedToken)
        : undefined;
    } catch {
      return undefined;
    }
  }

  async write(token: SavedToken): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    // mkdir leaves an existing directory's mode alone, and the umask may have widened nothing
    // but narrowed it: set it outright.
    await chmod(this.directory, 0o700);
    const temporary = `${this.path}.${process.pid}.tmp`;
    // 'wx': never write through a file (or a link) someone placed at that name.
    await writeFile(temporary, `${JSON.stringify(token, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(temporary, 0o600);
    await rename(temporary, this.path);
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
