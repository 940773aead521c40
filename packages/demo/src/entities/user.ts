import { belongsTo, defineEntity, f, hasMany, hasOne } from '@typecrud/shared';

/** Platform roles: a superadmin may do anything; everyone else acts through memberships. */
export const userRoles = ['superadmin', 'user'] as const;

export const user = defineEntity({
  name: 'user',
  table: 'app_user',
  description: 'A person who signs in.',
  traits: ['timestamps', 'version', 'archive'],
  fields: {
    email: f.email().unique().filterable().sortable().list(),
    displayName: f.string({ max: 120 }).filterable().sortable().list(),
    role: f.enum(userRoles).default('user').filterable().sortable().list(),
    /** scrypt hash; written only by the auth service, never read back through the API. */
    passwordHash: f.text({ max: 512 }).nullable().hidden(),
  },
  relations: {
    profile: hasOne('profile', 'userId'),
    memberships: hasMany('membership', 'userId'),
  },
});

export const profile = defineEntity({
  name: 'profile',
  description: "A user's public profile (one-to-one with the user).",
  traits: ['timestamps', 'version'],
  fields: {
    userId: f.ref('user', { onDelete: 'cascade' }).unique(),
    bio: f.text({ max: 2000 }).nullable(),
    timezone: f.string({ max: 64 }).default('UTC').filterable().list(),
  },
  relations: {
    user: belongsTo('user', 'userId'),
  },
});
