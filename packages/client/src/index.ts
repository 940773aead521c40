export { type ClientOptions, createClient } from './client.js';
export { type CallError, callError, type FieldIssue, fieldErrors, TRPCClientError } from './errors.js';
export { type RefreshingTokenOptions, refreshingToken, type SessionTokens } from './session.js';
export type { EntityAggregates, EntityReads, TypecrudClient } from './types.js';
