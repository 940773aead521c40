export { decoyHash, hashPassword, verifyPassword } from './password.js';
export { createTokenService, type TokenClaims, type TokenOptions, type TokenService } from './tokens.js';
