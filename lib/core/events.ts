import { EventEmitter } from 'node:events';
import type { Request } from 'express';
import type { StepupEvent, StepupEventType } from './types.js';

/**
 * Receives every event (`createStepup({ onEvent })`). Called synchronously on the request's
 * path: queue slow work. A throw is swallowed, so a broken listener cannot break a login.
 */
export type EventListener = (event: StepupEvent) => void;

/** The one event name `StepupEvents` emits, and its arguments. */
export interface StepupEventMap {
  /** Every event, whatever its `type`: `stepup.events.on('event', (e) => …)`. */
  event: [StepupEvent];
}

/**
 * Field names that must never leave the library in an event, whatever a caller passes.
 * Belt and braces for invariant 7 (docs/architecture.md) / ASVS 5.0 V16.2.5 (no secrets in logs): events are built
 * from explicit fields, and this list strips anything that slipped in.
 */
const FORBIDDEN_FIELDS = new Set(['code', 'password', 'secret', 'token', 'otp', 'recoveryCode']);

/** Typed events: `stepup.events.on('event', fn)` or the `onEvent` option. */
export class StepupEvents extends EventEmitter<StepupEventMap> {
  constructor(
    private readonly now: () => number,
    onEvent?: EventListener,
  ) {
    super();
    if (onEvent) this.on('event', onEvent);
  }

  /**
   * Emit an event about `req`; listener errors are swallowed so that logging can never break auth.
   * Nothing is built when nobody listens (the common case on a hot path without `onEvent`).
   */
  emitFor(
    req: Request | undefined,
    type: StepupEventType,
    fields: Record<string, unknown> = {},
  ): void {
    if (this.listenerCount('event') === 0) return;
    const clean: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) {
      if (!FORBIDDEN_FIELDS.has(k) && v !== undefined) clean[k] = v;
    }
    const event: StepupEvent = Object.freeze({
      ...clean,
      type,
      time: this.now(),
      ip: req?.ip,
      userAgent: req ? truncate(req.get('user-agent')) : undefined,
    });
    for (const listener of this.listeners('event')) {
      try {
        (listener as EventListener)(event);
      } catch {
        // A broken listener must not turn a login into a 500 or skip the state change after it.
      }
    }
  }
}

function truncate(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.slice(0, 256);
}
