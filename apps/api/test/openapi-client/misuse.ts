// Calls the generated types must refuse: `tsc` over this file fails if any of them compiles.
import createClient from 'openapi-fetch';
import type { components, paths } from './api.generated.js';

const api = createClient<paths>({ baseUrl: 'http://127.0.0.1' });

export async function misuse() {
  // @ts-expect-error: not a route of the API
  await api.GET('/api/v1/nothing');
  // @ts-expect-error: not a query parameter of the list
  await api.GET('/api/v1/projects', { params: { query: { sortBy: 'name' } } });
  // @ts-expect-error: a project needs its organization and name
  await api.POST('/api/v1/projects', { body: { description: 'no name' } });
  // @ts-expect-error: not a field of project
  const where: components['schemas']['ProjectWhere'] = { colour: 'red' };
  // @ts-expect-error: not an operator of a text field
  const named: components['schemas']['ProjectWhere'] = { name: { gt: 3 } };
  await api.GET('/api/v1/projects', { params: { query: { where: JSON.stringify([where, named]) } } });
  // @ts-expect-error: the path needs the id
  await api.GET('/api/v1/projects/{id}', {});
}
