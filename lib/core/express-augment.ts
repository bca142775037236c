import type { MfaView } from './types.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Read-only MFA state of the session; set by `stepup.middleware()`. */
      readonly mfa?: MfaView;
    }
  }
}

export {};
