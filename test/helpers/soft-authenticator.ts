/**
 * An in-process WebAuthn authenticator for API tests: a P-256 key pair per credential (node:crypto),
 * attestation `none`, and the client's part too (clientDataJSON), so registration and
 * authentication ceremonies run without a browser (W3C WebAuthn L3 §6.1 authenticator data,
 * §6.5 attestation objects, §5.8.1 client data; CBOR per RFC 8949; COSE keys per RFC 9052).
 * Every field a test wants to break (origin, RP ID, challenge, flags, counter, user handle) is
 * a parameter.
 */
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';

type Cbor = number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor> | { [k: string]: Cbor };

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

/** Minimal CBOR encoder: integers, byte and text strings, arrays, maps. */
export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([
    head(5, entries.length),
    ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)]),
  ]);
}

const b64u = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

export interface Flags {
  /** User present. @default true */
  up?: boolean;
  /** User verified. @default true */
  uv?: boolean;
  /** Backup eligible. @default false */
  be?: boolean;
  /** Backed up. @default false */
  bs?: boolean;
}

function flagByte(f: Flags, attested: boolean): number {
  return (
    (f.up !== false ? 0x01 : 0) |
    (f.uv !== false ? 0x04 : 0) |
    (f.be ? 0x08 : 0) |
    (f.bs ? 0x10 : 0) |
    (attested ? 0x40 : 0)
  );
}

export interface SoftCredential {
  readonly id: string;
  readonly privateKey: KeyObject;
  readonly cose: Buffer;
  readonly userHandle: string;
  readonly rpId: string;
  counter: number;
  /** Counter step per assertion (0: a synced passkey that never counts). */
  readonly step: number;
  readonly flags: Flags;
}

export interface CeremonyOverrides {
  readonly origin?: string;
  readonly rpId?: string;
  readonly challenge?: string;
  readonly type?: string;
  readonly flags?: Flags;
  /** Assertion only: send this counter instead of the next one. */
  readonly counter?: number;
  /** Assertion only: send this user handle (null: none). */
  readonly userHandle?: string | null;
  /** Registration only: make the "new" credential with this one's id and key (a clone). */
  readonly reuse?: SoftCredential;
}

interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}
interface RequestOptions {
  challenge: string;
  rpId?: string;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(
    readonly origin = 'http://localhost:3000',
    readonly defaults: { step?: number; flags?: Flags } = {},
  ) {}

  /** `navigator.credentials.create()` + `toJSON()`: a RegistrationResponseJSON. */
  create(options: CreationOptions, o: CeremonyOverrides = {}) {
    const rpId = o.rpId ?? options.rp.id ?? 'localhost';
    const pair = o.reuse
      ? { privateKey: o.reuse.privateKey, publicKey: createPublicKey(o.reuse.privateKey) }
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { privateKey, publicKey } = pair;
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cbor(
      new Map<Cbor, Cbor>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x as string, 'base64url')],
        [-3, Buffer.from(jwk.y as string, 'base64url')],
      ]),
    );
    const id = o.reuse ? Buffer.from(o.reuse.id, 'base64url') : randomBytes(16);
    const flags = { ...this.defaults.flags, ...o.flags };
    const step = this.defaults.step ?? 1;
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([flagByte(flags, true)]),
      Buffer.from([0, 0, 0, 0]), // counter 0 at creation
      Buffer.alloc(16), // AAGUID: zeros with attestation none
      Buffer.from([id.length >> 8, id.length & 0xff]),
      id,
      cose,
    ]);
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, o);
    const attestationObject = cbor({ fmt: 'none', attStmt: {}, authData });
    const credential: SoftCredential = {
      id: b64u(id),
      privateKey,
      cose,
      userHandle: options.user.id,
      rpId,
      counter: 0,
      step,
      flags,
    };
    this.credentials.push(credential);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  /** `navigator.credentials.get()` + `toJSON()` with `credential` (default: the last made). */
  get(options: RequestOptions, o: CeremonyOverrides = {}, credential = this.credentials.at(-1)) {
    if (!credential) throw new Error('SoftAuthenticator: no credential yet');
    const rpId = o.rpId ?? options.rpId ?? credential.rpId;
    credential.counter += credential.step;
    const counter = o.counter ?? credential.counter;
    const flags = { ...credential.flags, ...o.flags };
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([flagByte(flags, false)]),
      Buffer.from([
        counter >>> 24,
        (counter >>> 16) & 0xff,
        (counter >>> 8) & 0xff,
        counter & 0xff,
      ]),
    ]);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, o);
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(clientDataJSON)]),
      credential.privateKey,
    );
    const userHandle = o.userHandle === undefined ? credential.userHandle : o.userHandle;
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        ...(userHandle !== null ? { userHandle } : {}),
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  private clientData(type: string, challenge: string, o: CeremonyOverrides): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: o.type ?? type,
        challenge: o.challenge ?? challenge,
        origin: o.origin ?? this.origin,
        crossOrigin: false,
      }),
    );
  }
}
