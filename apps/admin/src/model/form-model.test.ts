import { schema } from '@typecrud/demo';
import { describe, expect, it } from 'vitest';
import {
  changedFields,
  formFields,
  initialValues,
  issuesByField,
  toInput,
  validateInput,
} from './form-model.js';

describe('forms generated from the create and update DTO schemas', () => {
  it('has the create fields of the schema, with widgets by kind and optionality from the schema', () => {
    const specs = formFields('project', 'create');
    expect(specs.map((s) => [s.name, s.widget, s.required])).toEqual([
      ['organizationId', 'belongsTo', true],
      ['name', 'text', true],
      ['description', 'textarea', false],
      ['isPublic', 'checkbox', false],
      ['tags', 'manyToMany', false],
      ['properties', 'json', false],
    ]);
    expect(specs.find((s) => s.name === 'tags')?.target).toBe('tag');
    // no system field is ever offered
    expect(
      specs.some((s) => ['id', 'version', 'createdAt', 'archivedAt', 'createdBy'].includes(s.name)),
    ).toBe(false);
    const release = formFields('release', 'create');
    expect(release.find((s) => s.name === 'status')).toMatchObject({
      widget: 'select',
      hasDefault: true,
      options: ['draft', 'scheduled', 'published', 'withdrawn'],
    });
    expect(release.find((s) => s.name === 'releasedAt')).toMatchObject({
      widget: 'datetime',
      nullable: true,
    });
    expect(release.find((s) => s.name === 'downloads')).toMatchObject({ widget: 'bigint', defaultValue: 0n });
    // a hidden field (the password hash) is in neither form
    expect(formFields('user', 'create').map((s) => s.name)).not.toContain('passwordHash');
  });

  it('starts a create from the defaults and an edit from the row', () => {
    const specs = formFields('release', 'create');
    expect(initialValues(specs)).toMatchObject({
      status: 'draft',
      downloads: '0',
      releasedAt: '',
      semver: '',
    });
    const edit = formFields('project', 'update');
    const values = initialValues(edit, {
      name: 'Rocket',
      description: null,
      isPublic: true,
      tags: [{ id: 't1', label: 'a' }, { id: 't2' }],
      properties: { tier: 'gold' },
    });
    expect(values).toMatchObject({ name: 'Rocket', description: '', isPublic: true, tags: ['t1', 't2'] });
    expect(JSON.parse(values.properties as string)).toEqual({ tier: 'gold' });
  });

  it('converts values to the DTO input: blanks, numbers, dates, JSON, relations', () => {
    const specs = formFields('release', 'create');
    const { input, errors } = toInput(
      specs,
      {
        ...initialValues(specs),
        semver: '1.0.0',
        downloads: '42',
        releasedAt: '2026-03-01T10:30',
        properties: '{"a":1}',
      },
      'create',
    );
    expect(errors).toEqual({});
    expect(input).toMatchObject({
      semver: '1.0.0',
      downloads: 42n,
      status: 'draft',
      notes: null,
      properties: { a: 1 },
    });
    expect(input.releasedAt).toEqual(new Date(2026, 2, 1, 10, 30));
    expect(toInput(specs, { ...initialValues(specs), properties: '{oops' }, 'create').errors).toEqual({
      properties: 'must be valid JSON',
    });
    const project = formFields('project', 'create');
    expect(toInput(project, { ...initialValues(project), tags: ['x'] }, 'create').input.tags).toEqual({
      connect: ['x'],
    });
    const update = formFields('project', 'update');
    expect(toInput(update, { ...initialValues(update), tags: ['x'] }, 'update', ['tags']).input).toEqual({
      tags: { set: ['x'] },
    });
  });

  it('validates with the messages the server gives', () => {
    const specs = formFields('project', 'create');
    const { input } = toInput(specs, initialValues(specs), 'create');
    const errors = validateInput('project', 'create', input);
    expect(errors).toEqual({ organizationId: 'must be a uuid', name: 'must not be empty' });
    // the server parses the same DTO, so its issues carry the same messages
    const server = schema.dto('project').create.safeParse(input);
    expect(server.success).toBe(false);
    expect(issuesByField(server.error!.issues)).toEqual(errors);

    const tag = formFields('tag', 'update');
    const values = { ...initialValues(tag, { label: 'x', color: null, projects: [] }), color: 'red' };
    const changed = changedFields(tag, values, initialValues(tag, { label: 'x', color: null, projects: [] }));
    expect(changed).toEqual(['color']);
    expect(validateInput('tag', 'update', toInput(tag, values, 'update', changed).input)).toEqual({
      color: 'must be a colour like #1a2b3c',
    });
  });

  it('offers a one-to-one child as a switch with its fields (`user` creates its `profile`)', () => {
    const specs = formFields('user', 'create');
    expect(specs.filter((s) => s.parent || s.widget === 'hasOne').map((s) => [s.name, s.widget])).toEqual([
      ['profile', 'hasOne'],
      ['profile.bio', 'textarea'],
      ['profile.timezone', 'text'],
    ]);
    const values = {
      ...initialValues(specs),
      email: 'new@acme.test',
      displayName: 'New',
      'profile.bio': 'Hi',
    };
    expect(toInput(specs, values, 'create').input).not.toHaveProperty('profile');
    const withProfile = toInput(specs, { ...values, profile: true }, 'create').input;
    expect(withProfile.profile).toEqual({ create: { bio: 'Hi', timezone: 'UTC' } });
    expect(validateInput('user', 'create', withProfile)).toEqual({});
    const tooLong = toInput(
      specs,
      { ...values, profile: true, 'profile.timezone': 'x'.repeat(65) },
      'create',
    ).input;
    expect(validateInput('user', 'create', tooLong)).toEqual({
      'profile.timezone': 'must be at most 64 characters',
    });
  });

  it('maps server issue paths (data.<field> or <field>) to fields', () => {
    expect(
      issuesByField([
        { path: ['data', 'name'], message: 'already exists' },
        { path: ['slug'], message: 'must be lowercase words joined by -' },
        { path: ['tags', 'connect', 0], message: 'must be a uuid' },
        { path: [], message: 'at least one field to change is required' },
      ]),
    ).toEqual({
      name: 'already exists',
      slug: 'must be lowercase words joined by -',
      tags: 'must be a uuid',
      '': 'at least one field to change is required',
    });
  });
});
