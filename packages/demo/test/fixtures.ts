import type { Engine } from '@typecrud/server';
import { createCallerFactory, type ManagerContext } from '@typecrud/server';
import { openTestDatabase, type TestDatabase } from '@typecrud/server/testing';
import { afterAll, beforeAll } from 'vitest';
import { schema } from '../src/index.js';
import {
  type AppServices,
  appRouter,
  createAppServices,
  createSystemServices,
  ensureAdmin,
} from '../src/server/index.js';

export type { AppServices };

const createCaller = createCallerFactory(appRouter);
export type Api = ReturnType<typeof createCaller>;

export const testTokenSecret = 'test-token-secret-0123456789abcdef';
export const adminPassword = 'admin-password-for-tests';

/**
 * A fresh database with the demo schema for one describe block: the app's services (real
 * policies, hooks, audit log), system services (no policies: for arranging data), and an
 * in-process caller signed in as a platform superadmin.
 */
export function useApp(engine: Engine) {
  const state = {} as {
    database: TestDatabase;
    services: AppServices;
    system: AppServices;
    ctx: ManagerContext;
    api: Api;
    adminId: string;
    /** An in-process caller acting as `caller` (null: signed out). */
    as(caller: ManagerContext['caller']): Api;
  };
  beforeAll(async () => {
    state.database = await openTestDatabase(engine, schema);
    state.services = createAppServices(state.database, {
      tokenSecret: testTokenSecret,
      cursorSecret: 'test-secret-0123456789',
    });
    state.system = createSystemServices(state.database, { cursorSecret: 'test-secret-0123456789' });
    // A real user row, so createdBy / updatedBy references hold.
    const admin = await ensureAdmin(state.system, {
      email: 'superadmin@test.local',
      password: adminPassword,
      displayName: 'Test Superadmin',
    });
    state.adminId = admin.id;
    const caller = { userId: admin.id, superadmin: true, memberships: [] };
    state.ctx = { db: state.database.db, caller };
    state.as = (c) => createCaller({ services: state.services, db: state.database.db, caller: c });
    state.api = state.as(caller);
  });
  afterAll(async () => {
    await state.database?.dispose();
  });
  return state;
}
