// passport-totp 0.0.2 ships no types; only what bench/usual-stack.ts uses.
declare module 'passport-totp' {
  import { Strategy as PassportStrategy } from 'passport-strategy';

  export interface TotpStrategyOptions {
    /** Body field with the code. @default 'code' */
    codeField?: string;
    /** Steps accepted on each side of now. @default 6 (±3 minutes) */
    window?: number;
  }
  export type TotpSetup = (
    user: unknown,
    done: (err: unknown, key?: string | Buffer, period?: number) => void,
  ) => void;

  export class Strategy extends PassportStrategy {
    constructor(options: TotpStrategyOptions, setup: TotpSetup);
    constructor(setup: TotpSetup);
    name: string;
  }
}
