/**
 * The public face of bearer tokens (docs/api-clients.md): the option, the functions for apps
 * with their own security pages, and what they answer. `lib/index.ts` re-exports exactly this.
 */
export type { BearerTokenOptions } from './options.js';
export {
  createPersonalToken,
  listTokens,
  revokeToken,
  type PersonalTokenInput,
} from './personal.js';
export type { IssuedToken, TokenSummary } from './service.js';
export { TOKEN_FACTORS } from './sign-in.js';
export { TOKEN_PREFIX } from './format.js';
export type { BearerTokenKind, BearerTokenRecord } from '../stores/credentials/token-rows.js';
