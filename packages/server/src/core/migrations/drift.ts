import type { AnySchema } from '@typecrud/shared';
import { diffOutbox } from '../live/outbox.js';
import { tableModels } from '../table-model.js';
import type { Executor } from '../transaction.js';
import { diffSchemas } from './diff.js';
import { introspectSchema } from './introspection.js';

/**
 * What the live schema lacks or has beyond the definitions, one line per difference (empty when they
 * match): the check that fails the test suite when someone changes an entity without a migration.
 */
export async function checkDrift(db: Executor, schema: AnySchema): Promise<string[]> {
  const changes = diffSchemas(await introspectSchema(db), tableModels(schema));
  return [...changes, ...(await diffOutbox(db, schema))].map((c) => c.description);
}
