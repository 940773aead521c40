import { defineEntity, defineSchema, f } from '@typecrud/shared';
import { describe, expectTypeOf, it } from 'vitest';
import {
  createRestApi,
  crudProcedures,
  type OpenApiDocument,
  type Problem,
  type RestApi,
  type RestResponse,
  router,
} from '../src/core/index.js';

const note = defineEntity({ name: 'note', fields: { body: f.text().filterable().list() } });
const schema = defineSchema({ note });
const appRouter = router({ note: router(crudProcedures(schema, 'note')) });
const createContext = () => Promise.reject(new Error('types only'));

describe('REST public types', () => {
  it('createRestApi returns a RestApi: routes, handle, document', () => {
    const rest = createRestApi({ schema, router: appRouter, createContext });
    expectTypeOf(rest).toEqualTypeOf<RestApi>();
    expectTypeOf(rest.handle).returns.toEqualTypeOf<Promise<RestResponse>>();
    expectTypeOf(rest.document()).toEqualTypeOf<OpenApiDocument>();
    expectTypeOf<Problem['code']>().toExtend<string>();
  });

  it('refuses a resource over an entity the schema lacks, and an unknown method', () => {
    createRestApi({
      schema,
      router: appRouter,
      createContext,
      // @ts-expect-error: not an entity of the schema
      resources: { memo: { entity: 'memo' } },
    });
    createRestApi({
      schema,
      router: appRouter,
      createContext,
      // @ts-expect-error: HEAD is not a method REST routes use
      procedures: { 'note.get': { method: 'HEAD', path: '/x' } },
    });
  });
});
