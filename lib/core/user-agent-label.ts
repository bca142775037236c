/**
 * A short human label for a browser ("Chrome on Linux"), so that a user reading the list of
 * remembered browsers or of active sessions can tell them apart and end the one they do not recognise.
 *
 * Deliberately tiny and conservative (no dependency): the User-Agent is attacker-controlled
 * input, so the label is built only from fixed names, plus at most one product token from the
 * header restricted to `[A-Za-z0-9._-]`. Nothing else of the header is ever echoed back: a
 * label can be shown in an HTML page without becoming an injection vector (OWASP ASVS 5.0
 * V1.2.1, output encoding is still the app's job, but there is little left to encode).
 */

/** Longest label, in characters. */
export const MAX_LABEL_LENGTH = 64;

// Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
const BROWSERS: readonly (readonly [RegExp, string])[] = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bVivaldi\//, 'Vivaldi'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\b(Chrome|CriOS|Chromium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/\bMSIE |\bTrident\//, 'Internet Explorer'],
];

const SYSTEMS: readonly (readonly [RegExp, string])[] = [
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

/** "Chrome on Linux", "Firefox", "curl", or "Unknown browser"; at most 64 characters. */
export function labelFromUserAgent(userAgent: string | undefined): string {
  // Bound the work on a hostile header before any regular expression sees it.
  const ua = (userAgent ?? '').slice(0, 512);
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1] ?? productToken(ua);
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  let label = browser ?? 'Unknown browser';
  if (system) label = browser ? `${browser} on ${system}` : `Browser on ${system}`;
  return label.slice(0, MAX_LABEL_LENGTH);
}

/** The first product name of the header (`curl/8.5` → `curl`), in a safe alphabet, or undefined. */
function productToken(ua: string): string | undefined {
  const match = /^([A-Za-z][A-Za-z0-9._-]{0,31})\//.exec(ua);
  const name = match?.[1];
  return name && name !== 'Mozilla' ? name : undefined;
}
