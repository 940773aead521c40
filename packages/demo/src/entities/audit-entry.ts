import { defineEntity, f } from '@typecrud/shared';

export const auditActions = [
  'create',
  'update',
  'delete',
  'archive',
  'restore',
  'connect',
  'disconnect',
] as const;

/**
 * One committed change: written by database triggers in the same transaction as the change (whoever
 * made it: generated procedures, cascades, raw SQL), read by superadmins.
 */
export const auditEntry = defineEntity({
  name: 'auditEntry',
  description: 'Who changed what, when, with the values before and after.',
  traits: ['timestamps'],
  audit: false,
  fields: {
    entity: f.string({ max: 64 }).filterable().sortable().list(),
    entityId: f.uuid().filterable().list().index(),
    action: f.enum(auditActions).filterable().sortable().list(),
    actorId: f.uuid().nullable().filterable().list(),
    changes: f.json(),
  },
});
