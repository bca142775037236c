/**
 * Bodies for the fuzz tests (test/fuzz.*.test.ts): odd, huge and wrongly typed values, raw JSON
 * with duplicate and prototype keys, urlencoded forms, other content types, path ids.
 */
import fc from 'fast-check';

export interface Body {
  readonly raw?: string;
  readonly contentType?: string;
  readonly authorization?: string;
}

const SPECIAL = [
  '',
  ' ',
  '\u0000',
  '\uD800',
  '\uDFFF',
  '\uDBFF\uDC00',
  '\u202E654321',
  '123\u200B456',
  '\uFEFF123456',
  '１２３４５６',
  '١٢٣٤٥٦',
  '۱۲۳۴۵۶',
  '१२३४५६',
  '𝟏𝟐𝟑𝟒𝟓𝟔',
  '12345６',
  ' 123456 ',
  '123456\n',
  '1e5',
  '-123456',
  '123 456',
  '0x1E240',
  'ａｌｉｃｅ',
  'alice',
  'ALICE',
  'alice\u0000',
  'root',
  'totp',
  'recovery-code',
  'email-otp',
  'sms-otp',
  'test-code',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '${7*7}',
  '<script>',
  "' OR 1=1 --",
  'true',
  'null',
  'a@b.c',
  'alice@example.test',
  'x@xn--80ak6aa92e.com',
  'AAAA-BBBB-CCCC-DDDD',
  'aaaa-bbbb-cccc-dddd-eeee',
];
const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 10 });
const huge = fc
  .tuple(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }),
    fc.integer({ min: 1000, max: 20_000 }),
  )
  .map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n));
const oddString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: digits },
  { weight: 1, arbitrary: huge },
);
const pollution = fc.constantFrom(
  { isAdmin: true, role: 'admin', polluted: 'yes' },
  { prototype: { polluted: 'yes' } },
  { __proto__: { polluted: 'yes' } },
);
const wrongType = fc.oneof(
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  oddString.map((s) => [s]),
  oddString.map((s) => ({ $ne: s })),
  pollution,
);
const value = fc.oneof(oddString, wrongType);

/** encodeURIComponent throws on a lone surrogate: send the invalid UTF-8 bytes of one instead. */
function encode(s: string): string {
  return s
    .split(/(\p{Cs})/u)
    .map((part, i) => (i % 2 === 1 ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');
}

/** `{"k":v,...}` written by hand: duplicate keys and a literal `__proto__` survive. */
function rawObject(entries: readonly (readonly [string, unknown])[]): string {
  const pairs = entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`);
  return `{${pairs.join(',')}}`;
}

const OTHER_TYPES = [
  'text/plain',
  'application/xml',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
  'multipart/form-data; boundary=x',
];

/** Strings shaped like a code: digits, recovery-code groups, odd Unicode, up to the 128 limit. */
const codeLike = fc.oneof(
  digits,
  fc.constantFrom(...SPECIAL),
  fc.string({ unit: fc.constantFrom(...'abcdefghjkmnpqrstvwxyz0123456789-'), maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 100, maxLength: 140 }),
);
const localPart = fc.string({
  unit: fc.constantFrom(...'abcxyz019._+-'),
  minLength: 1,
  maxLength: 12,
});
export const emailLike = fc.oneof(
  fc.tuple(localPart, fc.domain()).map(([local, domain]) => `${local}@${domain}`),
  fc.emailAddress(),
  fc.emailAddress().map((e) => ` ${e.toUpperCase()} `),
  fc.emailAddress().map((e) => `${e}\u0000`),
  fc.constantFrom('ａｌｉｃｅ@example.test', 'alice@exämple.test', '"a b"@example.test', 'a@b'),
  fc.integer({ min: 240, max: 300 }).map((n) => `${'a'.repeat(n)}@example.test`),
);

/**
 * Bodies for an endpoint with these `fields`. `shaped`: bodies of the right shape with odd
 * values, so that the fuzz gets past the type checks to the endpoint's own logic.
 */
export function bodies(
  fields: readonly string[],
  shaped?: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<Body> {
  const names = fields.length > 0 ? fields : ['code', 'email', 'factor', 'id'];
  const keys = fc.constantFrom(...names, '__proto__', 'constructor', 'prototype', '_csrf', 'role');
  const json = (raw: string): Body => ({ raw, contentType: 'application/json' });
  const form = (raw: string): Body => ({ raw, contentType: 'application/x-www-form-urlencoded' });
  const first = names[0] ?? 'code';
  const formKeys = fc.constantFrom(
    ...names,
    `${first}[]`,
    `${first}[x]`,
    '__proto__',
    '_csrf',
    'constructor[prototype][polluted]',
    '__proto__[polluted]',
  );
  const entries = fc.array(fc.tuple(keys, value), { minLength: 1, maxLength: 6 });
  const right = shaped?.map((o) => json(JSON.stringify(o)));
  return fc.oneof(
    ...(right ? [{ weight: 10, arbitrary: right }] : []),
    // Arbitrary JSON (top-level scalars too: strict mode refuses them).
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => json(JSON.stringify(v))) },
    // The endpoint's own fields with wrong types, odd and huge strings.
    {
      weight: 5,
      arbitrary: fc
        .record(Object.fromEntries(names.map((f) => [f, value])), { requiredKeys: [] })
        .map((o) => json(JSON.stringify(o))),
    },
    // Prototype keys and duplicate keys, in raw JSON text.
    { weight: 3, arbitrary: entries.map((e) => json(rawObject(e))) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...names), value, value, entries)
        .map(([k, a, b, rest]) => json(rawObject([[k, a], ...rest, [k, b]]))),
    },
    // Urlencoded forms with repeated fields (`code=1&code=2`), brackets, too many parameters.
    {
      weight: 3,
      arbitrary: fc
        .array(fc.tuple(formKeys, oddString), { minLength: 1, maxLength: 25 })
        .map((e) => form(e.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'))),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 60 }).map(form) },
    // Truncated JSON, other content types and charsets.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.jsonValue(), fc.nat())
        .map(([v, n]) => json(JSON.stringify(v).slice(0, n % 20))),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...OTHER_TYPES), fc.jsonValue({ maxDepth: 2 }))
        .map(([contentType, v]) => ({ raw: JSON.stringify(v), contentType })),
    },
    { weight: 1, arbitrary: fc.constant<Body>({}) },
  );
}

/** Login also takes `Authorization: Basic` (no CSRF token needed): fuzz that header as well. */
export const loginBodies = fc
  .tuple(
    bodies(
      ['username', 'password'],
      fc.record({
        username: fc.oneof(
          fc.constantFrom('alice', 'root', 'ALICE', 'ａｌｉｃｅ', ' alice'),
          oddString,
        ),
        password: oddString,
      }),
    ),
    fc.option(
      fc.oneof(
        // Node itself refuses headers over 16 kB (431, before Express): keep them under that.
        fc
          .tuple(oddString, oddString)
          .map(([u, p]) => `Basic ${Buffer.from(`${u}:${p}`.slice(0, 4000)).toString('base64')}`),
        fc
          .string({ unit: fc.constantFrom(...'AZaz09+/=:-_. !~%'), maxLength: 40 })
          .map((s) => `Basic ${s}`),
      ),
      { freq: 4 },
    ),
  )
  .map(([b, authorization]) => (authorization === null ? b : { ...b, authorization }));

/** Path ids: odd strings percent-encoded, too long, id-shaped, and malformed escapes. */
export const ids = fc.oneof(
  oddString.filter((s) => s.length > 0 && s.length < 300).map(encode),
  fc.integer({ min: 257, max: 8000 }).map((n) => 'a'.repeat(n)),
  fc.string({ unit: fc.constantFrom(...'ABCabc019_-'), minLength: 22, maxLength: 22 }),
  fc
    .array(fc.constantFrom('%', '%E0', '%A4%A', '%zz', 'a', '%2F', '%00', '%C0%AF', '%ED%A0%80'), {
      minLength: 1,
      maxLength: 6,
    })
    .map((parts) => parts.join('')),
);

// ---- bodies of particular endpoints ------------------------------------------------------------

/** `{ code }` bodies: TOTP confirm and disable, regenerate, email confirm. */
export const codeBodies = bodies(['code'], fc.record({ code: codeLike }));

const verifyShape = fc.record(
  {
    factor: fc.constantFrom('totp', 'recovery-code', 'email-otp', 'sms-otp'),
    code: codeLike,
    rememberBrowser: fc.oneof(fc.boolean(), fc.constantFrom('true', 'on', '1', 'yes', '')),
  },
  { requiredKeys: ['factor', 'code'] },
);
export const verifyBodies = bodies(['factor', 'code', 'rememberBrowser', 'remember'], verifyShape);

/** Ids over the 256-character limit, percent-encoded (`é` is 6 bytes encoded). */
export const longIds = fc
  .integer({ min: 257, max: 1500 })
  .map((n) => encodeURIComponent('é'.repeat(n)));
