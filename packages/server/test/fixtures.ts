import { schema } from '@typecrud/shared';
import { afterAll, beforeAll } from 'vitest';
import { createCallerFactory, createServices, type ManagerContext, type Services } from '../src/core/index.js';
import { appRouter } from '../src/domain/app-router.js';
import { openTestDatabase, type TestDatabase } from '../src/testing/index.js';
import type { Engine } from '../src/core/database.js';

export type AppServices = Services<typeof schema.entities>;

const createCaller = createCallerFactory(appRouter);
export type Api = ReturnType<typeof createCaller>;

/** A fresh database with the demo schema for one describe block, with services and an in-process caller. */
export function useApp(engine: Engine) {
  const state = {} as {
    database: TestDatabase;
    services: AppServices;
    ctx: ManagerContext;
    api: Api;
  };
  beforeAll(async () => {
    state.database = await openTestDatabase(engine, schema);
    state.services = createServices(schema, state.database, { cursorSecret: 'test-secret-0123456789' });
    // Calls run as a platform superadmin (a real user row, so createdBy / updatedBy references hold).
    const admin = await state.services.managers.user.create(
      { db: state.database.db, caller: null },
      { email: 'superadmin@test.local', displayName: 'Test Superadmin' },
    );
    const caller = { userId: admin.id, superadmin: true, memberships: [] };
    state.ctx = { db: state.database.db, caller };
    state.api = createCaller({ services: state.services, db: state.database.db, caller });
  });
  afterAll(async () => {
    await state.database?.dispose();
  });
  return state;
}
