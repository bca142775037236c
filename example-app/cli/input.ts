/**
 * What the demo CLI (example-app/cli.ts) asks its user, from three sources in this order:
 * an environment variable (STEPUP_USERNAME, STEPUP_PASSWORD, STEPUP_CODE: for scripts), a
 * terminal (the password and the code typed without echo, so they never land on the screen or
 * in a terminal's scroll-back), or the lines of a piped stdin (for tests and `printf … | cli`).
 * Prompts and messages go to stderr; stdout carries only the API's answers, so
 * `npm run example:cli -- reports > out.json` stays clean.
 */
import { createInterface, type Interface } from 'node:readline';

export interface Question {
  /** The prompt, without the colon. */
  readonly label: string;
  /** Typed without echo on a terminal (a password, a code). */
  readonly hidden?: boolean;
  /** An environment variable that answers instead of the user. */
  readonly env?: string;
  /**
   * The variable answers only the first time: a TOTP code is good once, so when the server
   * asks again (a wrong or reused code) the user is asked, never the same stale value.
   */
  readonly envOnce?: boolean;
}

export class Input {
  private readonly used = new Set<string>();
  private lines: Interface | undefined;
  private readonly queue: string[] = [];
  private readonly waiting: ((line: string | undefined) => void)[] = [];
  private ended = false;

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly stdin: NodeJS.ReadStream = process.stdin,
  ) {}

  async ask(question: Question): Promise<string> {
    const fromEnv = question.env ? this.env[question.env] : undefined;
    if (question.env && fromEnv !== undefined && fromEnv !== '' && !this.used.has(question.env)) {
      if (question.envOnce) this.used.add(question.env);
      return fromEnv;
    }
    process.stderr.write(`${question.label}: `);
    const answer = !this.stdin.isTTY
      ? await this.readLine()
      : question.hidden
        ? await this.readHidden()
        : await this.readTtyLine();
    if (answer === undefined) {
      process.stderr.write('\n');
      throw new Error(
        `no input for "${question.label}"` +
          (question.env ? ` (set ${question.env} or pipe it on stdin)` : ''),
      );
    }
    if (!this.stdin.isTTY) process.stderr.write('\n');
    return answer.trim();
  }

  /** Stop reading stdin, so the process can end. */
  close(): void {
    this.lines?.close();
    this.stdin.pause();
  }

  /** One line typed on a terminal, echoed (a reader of its own: raw mode comes next). */
  private readTtyLine(): Promise<string | undefined> {
    const rl = createInterface({ input: this.stdin, terminal: false });
    return new Promise((resolve) => {
      rl.once('line', (line) => {
        rl.close();
        resolve(line);
      });
      rl.once('close', () => resolve(undefined));
    });
  }

  /** The next line of a piped stdin; undefined at its end. */
  private readLine(): Promise<string | undefined> {
    if (!this.lines) {
      this.lines = createInterface({ input: this.stdin, terminal: false });
      this.lines.on('line', (line) => {
        const waiter = this.waiting.shift();
        if (waiter) waiter(line);
        else this.queue.push(line);
      });
      this.lines.on('close', () => {
        this.ended = true;
        for (const waiter of this.waiting.splice(0)) waiter(undefined);
      });
    }
    const next = this.queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.ended) return Promise.resolve(undefined);
    this.lines.resume();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** A line typed on a terminal in raw mode, nothing echoed; Ctrl+C ends the program. */
  private readHidden(): Promise<string> {
    const stdin = this.stdin;
    return new Promise((resolve) => {
      let typed = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\u0003') {
            stdin.setRawMode(false);
            process.stderr.write('\n');
            process.exit(130);
          } else if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.setRawMode(false);
            stdin.off('data', onData);
            stdin.pause();
            process.stderr.write('\n');
            resolve(typed);
            return;
          } else if (ch === '\u007f' || ch === '\b') {
            typed = [...typed].slice(0, -1).join('');
          } else if (ch >= ' ') {
            typed += ch;
          }
        }
      };
      stdin.setRawMode(true);
      stdin.resume();
      stdin.on('data', onData);
    });
  }
}
