import type { AnySchema } from '@typecrud/shared';
import { type JsonSchema, type OpenApiDocument, openApiDocument } from './openapi.js';
import {
  handleRoute,
  type RestApiOptions,
  type RestRequest,
  type RestResponse,
  type RestRoute,
  restRoutes,
} from './routes.js';

export { type Problem, problem, problemContentType, problemOf } from './problem.js';
export {
  type HttpMethod,
  problemResponse,
  type RestApiOptions,
  type RestProcedureRoute,
  type RestRequest,
  type RestResponse,
  type RestRoute,
  type RouteKind,
  resourcePath,
} from './routes.js';
export { revive, toJson } from './wire.js';
export type { JsonSchema, OpenApiDocument };

/** The REST projection of a router: its route table, a handler per route, and its OpenAPI document. */
export interface RestApi {
  /** Where the routes are mounted (`/api/v1`). */
  readonly basePath: string;
  readonly routes: readonly RestRoute[];
  /** Answers one request to one route through the router's caller: the procedure's rules, hooks, limits and errors. */
  handle(route: RestRoute, request: RestRequest): Promise<RestResponse>;
  /** The OpenAPI 3.1 document (built on first use, then kept). */
  document(): OpenApiDocument;
}

/**
 * The REST projection of an app router: `GET/POST /projects`, `GET/PATCH/DELETE /projects/{id}`,
 * archive, restore, bulk and link routes for every entity, and the custom procedures that opt in.
 * Each route is one call of a tRPC procedure through a caller, so REST and tRPC answer alike.
 *
 * @example
 * const rest = createRestApi({ schema, router: appRouter, createContext: (req) => contextOf(req.headers.authorization) });
 */
export function createRestApi<S extends AnySchema>(
  options: RestApiOptions<S>,
  info: { title: string; version: string; description?: string } = { title: 'typecrud API', version: '1' },
): RestApi {
  const routes = restRoutes(options);
  let document: OpenApiDocument | undefined;
  return {
    basePath: options.basePath ?? '/api/v1',
    routes,
    handle: (route, request) => handleRoute(options, route, request),
    document: () => {
      document ??= openApiDocument(options, routes, info);
      return document;
    },
  };
}
