import { belongsTo, defineEntity, f } from '@typecrud/shared';

/**
 * One refresh token of a signed-in session. Signing in starts a family (`familyId`, the `sid` of
 * its access tokens); every refresh marks its token `rotatedAt` and adds the next one to the
 * family. Presenting a rotated token again revokes the whole family. Written only by the auth
 * service; the token itself is never stored, only its SHA-256.
 */
export const session = defineEntity({
  name: 'session',
  table: 'auth_session',
  description: 'A refresh token of a signed-in session (its hash), its family and when it ends.',
  traits: ['timestamps'],
  audit: false,
  fields: {
    userId: f.ref('user', { onDelete: 'cascade' }).immutable().list(),
    familyId: f.uuid().filterable().list().index(),
    tokenHash: f.string({ max: 64 }).unique().hidden(),
    rotatedAt: f.timestamp().nullable().filterable().sortable().list(),
    revokedAt: f.timestamp().nullable().filterable().sortable().list(),
    expiresAt: f.timestamp().filterable().sortable().list(),
  },
  relations: {
    user: belongsTo('user', 'userId'),
  },
});
