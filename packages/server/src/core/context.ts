import type { Principal } from '@typecrud/shared';
import type { Executor } from './transaction.js';

/** Who is calling: the principal whose id lands in createdBy / updatedBy and whom policies judge. */
export type Caller = Principal;

/** What a manager call runs against: the database (or the request's transaction) and the caller. */
export interface ManagerContext {
  readonly db: Executor;
  readonly caller: Caller | null;
}
