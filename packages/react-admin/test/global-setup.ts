import { startTestServer, type TestServer } from '@typecrud/api/testing';
import { testEngines } from '@typecrud/server/testing';
import type { TestProject } from 'vitest/node';

export interface TestApi {
  engine: string;
  url: string;
  admin: { email: string; password: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    apis: TestApi[];
  }
}

/** Real APIs (one per engine) started in Node for the suites that run in a DOM, where the server cannot start. */
export default async function setup(project: TestProject) {
  const servers: TestServer[] = [];
  for (const engine of testEngines()) servers.push(await startTestServer(engine, { seed: true }));
  project.provide(
    'apis',
    servers.map((s, i) => ({
      engine: testEngines()[i]!,
      url: s.url,
      admin: { email: s.admin.email, password: s.admin.password },
    })),
  );
  return async () => {
    for (const s of servers) await s.close();
  };
}
