// Attack: a misconfigured relying party. An http origin on a public host lets a network
// attacker run the page that talks to the authenticator; an origin outside the RP ID, a typo'd
// option or an RP ID with a scheme would make every ceremony fail at request time, or accept
// assertions for pages the app does not serve. All are TypeErrors when the factor is made.
import { describe, expect, it } from 'vitest';
import { passkeys, type PasskeysOptions } from '../../strategies/passkey.js';
import { RP } from '../helpers/passkey-app.js';

const make = (o: Partial<PasskeysOptions> & Record<string, unknown>) =>
  passkeys({ ...RP, ...o } as PasskeysOptions);

describe('passkeys() options are checked at creation', () => {
  it('accepts https origins on the RP ID or a subdomain, and http only on localhost', () => {
    expect(() =>
      passkeys({
        rpId: 'example.com',
        rpName: 'Acme',
        origins: ['https://example.com', 'https://app.example.com:8443'],
      }),
    ).not.toThrow();
    expect(() => make({ origins: ['http://localhost:3000', 'http://localhost'] })).not.toThrow();
  });

  it.each([
    [{ origins: ['http://example.com'], rpId: 'example.com' }, /must use https .*localhost/],
    [{ origins: ['https://example.com/login'], rpId: 'example.com' }, /bare origin/],
    [{ origins: ['https://example.com/'], rpId: 'example.com' }, /bare origin/],
    [{ origins: ['https://evil.com'], rpId: 'example.com' }, /not on rpId/],
    [{ origins: ['https://notexample.com'], rpId: 'example.com' }, /not on rpId/],
    [{ origins: ['not a url'] }, /not a URL/],
    [{ origins: [] }, /non-empty array/],
    [{ origins: 'https://example.com' }, /non-empty array/],
    [{ rpId: 'https://example.com' }, /rpId must be a lower-case domain/],
    [{ rpId: 'Example.com' }, /rpId must be a lower-case domain/],
    [{ rpId: '192.168.0.1' }, /rpId must be a lower-case domain/],
    [{ rpName: '' }, /rpName/],
    [{ passwordless: 'no' }, /passwordless must be true or false/],
    [{ findUser: 'x' }, /findUser must be a function/],
    [{ challengeTtlSeconds: 3600 }, /challengeTtlSeconds/],
    [{ rpID: 'localhost' }, /unknown option "rpID". Valid options: rpId, rpName, origins/],
  ])('%j → TypeError', (options, message) => {
    expect(() => make(options as Partial<PasskeysOptions>)).toThrow(TypeError);
    expect(() => make(options as Partial<PasskeysOptions>)).toThrow(message);
  });
});
