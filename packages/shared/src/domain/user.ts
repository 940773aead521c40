import { belongsTo, defineEntity, f, hasOne } from '../core/index.js';

export const userRoles = ['admin', 'member', 'viewer'] as const;

export const user = defineEntity({
  name: 'user',
  table: 'app_user',
  description: 'A person who signs in.',
  traits: ['timestamps', 'version', 'archive'],
  fields: {
    email: f.email().unique().filterable().sortable().list(),
    displayName: f.string({ max: 120 }).filterable().sortable().list(),
    role: f.enum(userRoles).default('member').filterable().sortable().list(),
  },
  relations: {
    profile: hasOne('profile', 'userId'),
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
