export { decoyHash, hashPassword, verifyPassword } from './password.js';
export { createTokenService, type TokenOptions, type TokenService } from './tokens.js';
