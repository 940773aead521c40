import { describe, expect, it } from 'vitest';
import { matchRoute, paths } from './routes.js';

describe('routes', () => {
  it('matches every page', () => {
    expect(matchRoute('/')).toEqual({ name: 'home' });
    expect(matchRoute('/sign-in')).toEqual({ name: 'signIn' });
    expect(matchRoute(paths.account())).toEqual({ name: 'account' });
    expect(matchRoute('/-/nope')).toEqual({ name: 'unknown', path: '/-/nope' });
    expect(matchRoute('/project')).toEqual({ name: 'list', entity: 'project' });
    expect(matchRoute('/project/new')).toEqual({ name: 'new', entity: 'project' });
    expect(matchRoute('/project/0b4e')).toEqual({ name: 'detail', entity: 'project', id: '0b4e' });
    expect(matchRoute('/project/0b4e/edit')).toEqual({ name: 'edit', entity: 'project', id: '0b4e' });
    expect(matchRoute('/project/0b4e/other')).toEqual({ name: 'unknown', path: '/project/0b4e/other' });
  });

  it('builds the paths it matches', () => {
    expect(matchRoute(paths.edit('release', 'a b'))).toEqual({ name: 'edit', entity: 'release', id: 'a b' });
    expect(paths.list('tag', '?page=2')).toBe('/tag?page=2');
  });
});
