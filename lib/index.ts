/**
 * passport-stepup: multi-factor authentication for Express and Passport.
 * The public entry point; everything exported here is public API.
 *
 * @module passport-stepup
 */
import './core/express-augment.js';

export { createStepup, type Stepup } from './create-stepup.js';
export type { StepupOptions } from './options.js';
export type { RouterOptions } from './router/create-router.js';
export { SecondFactorStrategy, MAX_CODE_LENGTH } from './core/factor-strategy.js';
export {
  factorKey,
  type FactorFactory,
  type FactorHost,
  type FactorKey,
  type Logger,
  type NoticeKind,
  type Notifier,
  type SecondFactor,
  type SecurityNotice,
  type StepupContext,
  type HasHost,
  type Hosted,
  type ResolvedOptions,
} from './core/context.js';
export type {
  ElevationOutcome,
  FactorProof,
  Subject,
  AfterVerifyHook,
  LoginHook,
  LoginVerdict,
} from './core/login-flow.js';
export type { ViewPolicy } from './core/session-state.js';
export type { PassportLike } from './core/passport-glue.js';
export {
  PASSKEY_ASSERTION,
  RECOVERY_CODES,
  TOTP_CODE_CHECK,
  type PasskeyAssertionCheck,
  type TotpCodeCheck,
} from './core/factor-keys.js';
export {
  AttemptCounter,
  type CodeCheck,
  type DurableStreak,
  type LockNotice,
  type LockoutOptions,
  type LockoutState,
  type Reservation,
} from './core/attempts.js';
export { StepupEvents, type EventListener, type StepupEventMap } from './core/events.js';
export {
  StepupError,
  isStepupError,
  type DetailsOf,
  type ErrorDetails,
  type MfaRequiredDetails,
} from './core/errors.js';
export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorCodes,
  type ErrorDefinition,
  type ErrorKey,
} from './core/error-codes.js';
export { createErrorHandler, isBackendUnavailable } from './http/error-handler.js';
export { csrfProtection, csrfToken } from './http/csrf.js';
export { assertAdminMayReset, type AdminResetParties } from './http/admin-guard.js';
export { isWellFormedText } from './core/unicode.js';
export { safeReturnTo } from './step-up/return-to.js';
export {
  evaluatePolicy,
  resolveRoutePolicy,
  type PolicyContext,
  type ResolvedRoutePolicy,
} from './step-up/route-policy.js';
export {
  NIST_AAL2_REAUTHENTICATION,
  type AssuranceSettings,
  type ReauthenticationSettings,
} from './step-up/assurance-options.js';
export type { Aal, Assurance } from './core/assurance.js';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory.js';
export { StoreUnavailableError, storeKey, globalKey, type MfaStore } from './stores/types.js';
export type * from './stores/attempt-types.js';
export type {
  Amr,
  MfaReason,
  MfaStatus,
  MfaView,
  PolicyDecision,
  RequireMfaOptions,
  SecondFactorName,
  StepupEvent,
  StepupEventType,
} from './core/types.js';
export { PHISHING_RESISTANT_FACTORS } from './core/types.js';
export {
  RedisStore,
  reportRedisErrors,
  type RedisLogger,
  type RedisStoreOptions,
} from './stores/redis.js';
export type { RedisClientLike } from './stores/redis-client.js';
export { MemoryCredentialStore } from './stores/credentials/memory.js';
export {
  sqlCredentialStore,
  SqlCredentialStore,
  type SqlCredentialStoreOptions,
  type SqlDialectName,
} from './stores/credentials/sql.js';
export {
  CredentialStoreUnavailableError,
  type CredentialStore,
  type CreateEmailInput,
  type CreatePasskeyInput,
  type CreateTotpInput,
  type ReplaceRecoveryCodesInput,
} from './stores/credentials/types.js';
export type {
  Credential,
  CredentialType,
  EmailCredential,
  PasskeyCredential,
  PasskeyData,
  RecoveryCode,
  RecoveryCodesCredential,
  TotpCredential,
  TotpData,
} from './stores/credentials/rows.js';
export { totp, TotpStrategy, type TotpOptions } from '../strategies/totp.js';
export { passkeys, PasskeyStrategy, type PasskeysOptions } from '../strategies/passkey.js';
export type { ResolvedPasskeysOptions } from './passkeys/options.js';
export {
  beginPasskeyRegistration,
  finishPasskeyRegistration,
  passkeyChallenge,
  passwordlessChallenge,
} from './passkeys/service.js';
export { PASSKEY, type PasskeyFactor } from './passkeys/contract.js';
export type { PasskeyRegistrationResult } from './passkeys/service.js';
export {
  generateEncryptionKey,
  createCipher,
  DecryptionError,
  type DecryptionFailureReason,
  type EncryptionKeys,
  type SecretCipher,
} from './crypto/encryption.js';
export {
  generateTotp,
  generateTotpSecret,
  verifyTotp,
  TOTP_DEFAULTS,
  type TotpAlgorithm,
  type TotpDigits,
  type TotpParams,
  type TotpWindow,
  type VerifyTotpOptions,
  type VerifyTotpResult,
} from './totp/totp-core.js';
export {
  buildOtpauthUri,
  renderQrTerminal,
  type OtpauthUriOptions,
} from './totp/enrollment-artifacts.js';
export type {
  ActiveSessions,
  EndResult,
  SessionPageOptions,
  SessionSummary,
  SessionSummaryPage,
} from './sessions/service.js';
export { assertFreshMfa, assertSignedIn } from './http/guards.js';
export {
  PasswordStrategy,
  type PasswordOptions,
  type PasswordUser,
} from '../strategies/password.js';
export {
  hashPassword,
  verifyPassword,
  needsRehash,
  DEFAULT_ARGON2_PARAMS,
  MAX_PASSWORD_BYTES,
  type Argon2Params,
} from './password/hash.js';
export {
  checkPasswordPolicy,
  type PasswordPolicyContext,
  type PasswordPolicyReason,
  type PasswordPolicyResult,
} from './password/policy.js';
export {
  createPasswordThrottle,
  type PasswordThrottle,
  type PasswordThrottleBackend,
  type PasswordThrottleOptions,
  type ThrottleDecision,
  type ThrottleLimit,
} from './password/throttle.js';
export type { ChangePasswordInput, ChangePasswordResult } from './password/change.js';
export {
  allOf,
  anyOf,
  country,
  ipRange,
  newDevice,
  riskScore,
  type WhenRule,
  type WhenVerdict,
} from './step-up/when-rules.js';
export type { GraceOptions } from './step-up/elevation.js';
export {
  recoveryCodes,
  RecoveryCodeStrategy,
  type RecoveryCodeOptions,
  type ResolvedRecoveryCodeOptions,
} from '../strategies/recovery-code.js';
export {
  sessionDefaults,
  type SessionDefaults,
  type SessionDefaultsInput,
  type SessionStoreLike,
} from './step-up/session-options.js';
export {
  emailOtp,
  smsOtp,
  EmailOtpStrategy,
  SmsOtpStrategy,
  OneTimeCodeStrategy,
  mask,
} from '../strategies/one-time-code.js';
export type { DestinationLookup, EmailOtpOptions, SmsOtpOptions } from './one-time-code/options.js';
export type { ResolvedCodeOptions } from './one-time-code/base-strategy.js';
export {
  OneTimeCodeEngine,
  OTP_DEFAULTS,
  type CheckOutcome,
  type EngineConfig,
  type Issued,
  type SentCode,
} from './one-time-code/engine.js';
export { assertEmailNotAlone, WEAK_FACTORS } from './one-time-code/policy.js';
export {
  smtpMailer,
  devOutbox,
  type Mailer,
  type MailMessage,
  type SmtpMailerOptions,
  type DevOutbox,
  type DevOutboxOptions,
  type OutboxMessage,
} from './mail/mailer.js';
export { emailNotifier, type EmailNotifierOptions } from './mail/notifier.js';
export {
  DEFAULT_CODE_EMAIL,
  DEFAULT_CODE_SMS,
  DEFAULT_NOTICE_EMAIL,
  DEFAULT_RESET_LINK_EMAIL,
  escapeHtml,
  type CodeMessageData,
  type CodePurpose,
  type EmailTemplate,
  type EmailTemplateOverrides,
  type NoticeMessageData,
  type ResetLinkMessageData,
  type SmsTemplate,
} from './mail/templates.js';
// Everything sms/sender.ts exports is public: the senders, their options and message types.
export * from './sms/sender.js';
export { DeliveryError, isDeliveryError } from './core/delivery-error.js';
export { beginTotp, confirmTotp, disableTotp, resumeTotp } from './totp/service.js';
export * from './password-reset/public.js';
export * from './bearer-tokens/public.js';
export { TOTP, type TotpEnrollment, type TotpFactor } from './totp/contract.js';
export {
  regenerateRecoveryCodes,
  recoveryCodesOf,
  type RecoveryCodeService,
} from './recovery/service.js';
export {
  beginEmail,
  confirmEmail,
  removeEmail,
  type EmailEnrollmentCheck,
  type EnrollingFactor,
} from './one-time-code/email-service.js';
export { RememberedBrowsers, type RememberedBrowser } from './remember-browser/service.js';
export type {
  RememberBrowserOptions,
  RememberBrowserSecret,
  ResolvedRememberBrowser,
  StepUpOptions,
} from './remember-browser/options.js';
