// Story: a user scans the enrolment QR code; if the image, the URI or its encoding is off by one
// character, their app computes different codes and they are locked out after confirming. Decode
// the real PNG and check that what the phone reads is exactly what the server will verify against.
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import jsQRModule from 'jsqr';
import {
  buildOtpauthUri,
  groupSecret,
  renderQr,
  renderQrTerminal,
} from '../../lib/totp/enrollment-artifacts.js';
import { generateTotp, generateTotpSecret, verifyTotp } from '../../lib/totp/totp-core.js';

// jsqr is a CJS bundle that sets `exports.default`: under NodeNext typing the default import is
// module.exports, while vitest's interop may already hand back the function. Accept both.
const jsQR: typeof jsQRModule.default =
  typeof jsQRModule === 'function' ? jsQRModule : jsQRModule.default;

function decodePngDataUrl(dataUrl: string): string | undefined {
  const prefix = 'data:image/png;base64,';
  expect(dataUrl.startsWith(prefix)).toBe(true);
  const png = PNG.sync.read(Buffer.from(dataUrl.slice(prefix.length), 'base64'));
  const pixels = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  return jsQR(pixels, png.width, png.height)?.data;
}

describe('buildOtpauthUri', () => {
  const secret = generateTotpSecret();

  it('carries issuer, label, secret and explicit SHA1 / 6 digits / 30 s', () => {
    const uri = new URL(buildOtpauthUri({ secret, issuer: 'ACME Co', label: 'alice@example.com' }));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/ACME Co:alice@example.com');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('ACME Co');
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
  });

  it('percent-encodes spaces as %20 and keeps only the separator colon literal', () => {
    const uri = buildOtpauthUri({ secret, issuer: 'ACME & Co', label: 'bob:admin+x@example.com' });
    expect(uri).toContain('otpauth://totp/ACME%20%26%20Co:bob%3Aadmin%2Bx%40example.com?');
    expect(uri).toContain('&issuer=ACME%20%26%20Co&');
    expect(uri).not.toContain('+');
    const path = uri.slice('otpauth://totp/'.length, uri.indexOf('?'));
    expect(path.split(':')).toHaveLength(2);
  });

  it('states non-default parameters', () => {
    const uri = new URL(
      buildOtpauthUri({
        secret,
        issuer: 'X',
        label: 'y',
        algorithm: 'sha256',
        digits: 8,
        period: 60,
      }),
    );
    expect(uri.searchParams.get('algorithm')).toBe('SHA256');
    expect(uri.searchParams.get('digits')).toBe('8');
    expect(uri.searchParams.get('period')).toBe('60');
  });

  it.each([
    ['an issuer with a colon', { secret, issuer: 'A:B', label: 'u' }],
    ['an empty issuer', { secret, issuer: ' ', label: 'u' }],
    ['an empty label', { secret, issuer: 'A', label: '' }],
    ['a lower-case secret', { secret: secret.toLowerCase(), issuer: 'A', label: 'u' }],
    ['a padded secret', { secret: `${secret}====`, issuer: 'A', label: 'u' }],
    ['a short secret', { secret: 'JBSWY3DPEHPK3PX', issuer: 'A', label: 'u' }],
  ])('rejects %s', (_name, options) => {
    expect(() => buildOtpauthUri(options)).toThrow(TypeError);
  });
});

describe('renderQr', () => {
  it('PNG decodes back to the exact otpauth URI, and its secret verifies', async () => {
    const secret = generateTotpSecret();
    const uri = buildOtpauthUri({ secret, issuer: 'ACME Co', label: 'alice@example.com' });
    const { pngDataUrl, svg } = await renderQr(uri);
    const decoded = decodePngDataUrl(pngDataUrl);
    expect(decoded).toBe(uri);

    // What the phone's app would do with the scanned text:
    const scannedSecret = new URL(decoded ?? '').searchParams.get('secret') ?? '';
    const now = Date.UTC(2030, 0, 1);
    const code = await generateTotp({ secret: scannedSecret, now });
    expect(await verifyTotp({ secret, code, now })).toMatchObject({ valid: true });

    expect(svg.trimStart().startsWith('<svg')).toBe(true);
    expect(svg).toContain('</svg>');
  });

  it('renders a small terminal QR', async () => {
    const uri = buildOtpauthUri({ secret: generateTotpSecret(), issuer: 'ACME', label: 'a' });
    const text = await renderQrTerminal(uri);
    expect(text.split('\n').length).toBeGreaterThan(10);
    expect(text).toMatch(/[▀▄█]/);
  });
});

describe('groupSecret', () => {
  it('groups by four for manual entry', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')).toBe(
      'GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ',
    );
    expect(groupSecret('ABCDEF')).toBe('ABCD EF');
    expect(groupSecret('')).toBe('');
  });

  it('is reversible by removing spaces', () => {
    const secret = generateTotpSecret();
    expect(groupSecret(secret).replace(/ /g, '')).toBe(secret);
  });
});
