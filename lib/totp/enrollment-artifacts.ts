/**
 * What a user needs to load a TOTP secret into an authenticator app: the otpauth:// URI
 * (Google Authenticator "Key Uri Format"), a QR code of it, and the secret grouped for typing.
 * These carry the plaintext secret: render them once for the enrolling user, never log or cache
 * them (docs/architecture.md, invariant 7).
 */
import QRCode from 'qrcode';
import { TOTP_DEFAULTS } from './totp-core.js';
import type { TotpAlgorithm, TotpDigits } from './totp-core.js';
import type { TotpEnrollment } from './contract.js';

/** What `buildOtpauthUri` puts in the URI. */
export type OtpauthUriOptions = {
  /** Base32 secret, upper case, no padding (what generateTotpSecret() returns). */
  readonly secret: string;
  /** Service name shown in the app, e.g. 'ACME Co'. Must not contain ':'. */
  readonly issuer: string;
  /** Account name shown under the issuer, e.g. the user's email. */
  readonly label: string;
  /** @default 6 */
  readonly digits?: TotpDigits;
  /** @default 30 */
  readonly period?: number;
  /** @default 'sha1' */
  readonly algorithm?: TotpAlgorithm;
};

export type QrImages = { readonly pngDataUrl: string; readonly svg: string };

const MAX_TEXT = 256;

function requireText(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_TEXT) {
    throw new TypeError(
      `otpauth ${name} must be a non-empty string of at most ${MAX_TEXT} characters.`,
    );
  }
  return value;
}

/**
 * Builds `otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
 *
 * Built by hand instead of otplib's generateURI because otplib 13 (a) leaves a ':' inside the
 * account name unencoded, making the issuer/account split ambiguous, and (b) omits algorithm,
 * digits and period when they equal the defaults; we always state them so apps that guess
 * differently still compute the same codes.
 */
export function buildOtpauthUri(options: OtpauthUriOptions): string {
  const issuer = requireText('issuer', options.issuer);
  const label = requireText('label', options.label);
  if (issuer.includes(':')) {
    throw new TypeError('otpauth issuer must not contain ":" (it separates issuer and account).');
  }
  if (typeof options.secret !== 'string' || !/^[A-Z2-7]{16,}$/.test(options.secret)) {
    throw new TypeError(
      'otpauth secret must be upper-case Base32 without padding, at least 16 characters.',
    );
  }
  const algorithm = options.algorithm ?? TOTP_DEFAULTS.algorithm;
  const digits = options.digits ?? TOTP_DEFAULTS.digits;
  const period = options.period ?? TOTP_DEFAULTS.period;
  // encodeURIComponent yields %20 for spaces (the key-uri format asks for %20, not '+') and
  // %3A for a ':' in the account, so only the separator colon is literal.
  const params = [
    `secret=${options.secret}`,
    `issuer=${encodeURIComponent(issuer)}`,
    `algorithm=${algorithm.toUpperCase()}`,
    `digits=${String(digits)}`,
    `period=${String(period)}`,
  ];
  const path = `${encodeURIComponent(issuer)}:${encodeURIComponent(label)}`;
  return `otpauth://totp/${path}?${params.join('&')}`;
}

/**
 * PNG data URL (for `<img src>` and JSON APIs) and SVG (for server-rendered pages). Error
 * correction 'M' (15 %) keeps the symbol small enough for phone cameras while surviving glare.
 */
export async function renderQr(uri: string): Promise<QrImages> {
  const options = { errorCorrectionLevel: 'M', margin: 4 } as const;
  const [pngDataUrl, svg] = await Promise.all([
    QRCode.toDataURL(uri, { ...options, type: 'image/png', width: 256 }),
    QRCode.toString(uri, { ...options, type: 'svg' }),
  ]);
  return { pngDataUrl, svg };
}

/** Compact QR in Unicode half blocks, for CLIs and the example app's console. */
export async function renderQrTerminal(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
}

/** 'JBSWY3DPEHPK3PXP' → 'JBSW Y3DP EHPK 3PXP': easier to read aloud and type by hand. */
export function groupSecret(secret: string): string {
  const groups: string[] = [];
  for (let i = 0; i < secret.length; i += 4) groups.push(secret.slice(i, i + 4));
  return groups.join(' ');
}

/** Everything an enrolment page shows for `secret`: the URI, its QR code, the grouped secret. */
export async function enrollmentArtifacts(
  secret: string,
  issuer: string,
  label: string,
): Promise<TotpEnrollment> {
  const otpauthUrl = buildOtpauthUri({ secret, issuer, label });
  const qr = await renderQr(otpauthUrl);
  return {
    secret,
    secretGrouped: groupSecret(secret),
    otpauthUrl,
    qrCodeDataUrl: qr.pngDataUrl,
    qrCodeSvg: qr.svg,
  };
}
