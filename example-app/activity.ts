/**
 * The user's recent security events, for `/activity`: a listener on `stepup.events` that keeps
 * the last 50 per user in memory. A real app would write them to its audit log; events never
 * carry a code, a password or a secret, so they are safe to store and show.
 */
import type { StepupEvent, StepupEvents } from '../lib/index.js';

const PER_USER = 50;

export interface ActivityEntry {
  readonly type: string;
  readonly time: number;
  readonly ip: string | undefined;
  readonly userAgent: string | undefined;
  /** `Chrome 156 on Linux`, from the user agent. */
  readonly browser: string;
  /** A short human summary of the event's extra fields (factor, reason…). */
  readonly detail: string;
}

const SHOWN_FIELDS = [
  'factor',
  'reason',
  'amr',
  'remaining',
  'replaced',
  'adminId',
  'next',
] as const;

export class ActivityLog {
  private readonly byUser = new Map<string, ActivityEntry[]>();

  constructor(events: StepupEvents) {
    events.on('event', (event) => this.record(event));
  }

  record(event: StepupEvent): void {
    // A failed login names the username it was tried with; in this demo the id is the username.
    const userId =
      event.userId ?? (typeof event.username === 'string' ? event.username : undefined);
    if (userId === undefined) return;
    const entries = this.byUser.get(userId) ?? [];
    entries.unshift({
      type: event.type,
      time: event.time,
      ip: event.ip,
      userAgent: event.userAgent,
      browser: browserOf(event.userAgent),
      detail: SHOWN_FIELDS.filter((k) => event[k] !== undefined)
        .map(
          (k) =>
            `${k}: ${Array.isArray(event[k]) ? (event[k] as unknown[]).join('+') : String(event[k])}`,
        )
        .join(', '),
    });
    entries.length = Math.min(entries.length, PER_USER);
    this.byUser.set(userId, entries);
  }

  of(userId: string): readonly ActivityEntry[] {
    return this.byUser.get(userId) ?? [];
  }
}

/** A rough, readable summary of a user agent; the full string stays in the tooltip. */
export function browserOf(userAgent: string | undefined): string {
  if (!userAgent) return '';
  const name = /(Firefox|Edg|HeadlessChrome|Chrome|Safari)\/(\d+)/.exec(userAgent);
  const os = /(Windows|Mac OS X|Android|iPhone|Linux)/.exec(userAgent);
  const browser = name
    ? `${name[1] === 'Edg' ? 'Edge' : String(name[1])} ${String(name[2])}`
    : userAgent.slice(0, 40);
  return os ? `${browser} on ${String(os[1])}` : browser;
}
