import { describe, expect, it } from 'vitest';
import { schema } from '../src/index.js';
import { appRouter } from '../src/server/index.js';

/** Entities mounted under another name, with the procedures they have on purpose. */
const mounts: Record<string, { at: string; procedures: readonly string[] }> = {
  auditEntry: { at: 'audit', procedures: ['get', 'list', 'count'] },
  session: { at: 'session', procedures: ['get', 'list', 'count'] },
};

describe('appRouter', () => {
  it('mounts a router for every entity of the schema (a forgotten mount fails here, not in a browser)', () => {
    const procedures = new Set(Object.keys(appRouter._def.procedures));
    const missing: string[] = [];
    for (const name of Object.keys(schema.entities)) {
      const { at, procedures: expected } = mounts[name] ?? {
        at: name,
        procedures: ['get', 'list', 'count', 'create', 'update', 'delete'],
      };
      for (const p of expected)
        if (!procedures.has(`${at}.${p}`)) missing.push(`${at}.${p} (entity ${name})`);
    }
    expect(missing).toEqual([]);
    expect(Object.keys(schema.entities).length).toBeGreaterThan(1);
  });
});
