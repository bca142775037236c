/**
 * The public face of the password reset (docs/account-recovery.md, "Forgot password"): the
 * two steps as functions for apps with their own pages, what they take and return, and the
 * option of `createStepup({ passwordReset })`. `lib/index.ts` re-exports exactly this.
 */
export { requestPasswordReset, type PasswordResetRequested } from './request.js';
export {
  resetPassword,
  passwordResetPasskeyOptions,
  passwordResetSendSms,
  RESET_FACTORS,
  type PasswordResetDone,
  type PasswordResetInput,
  type ResetSmsSent,
} from './complete.js';
export type { PasswordResetOptions, ResetAccount } from './options.js';
