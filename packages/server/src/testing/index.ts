// Test helpers for apps built on typecrud (and typecrud's own suites): isolated databases on both
// engines, and assertions for refused calls. Not part of the runtime surface.
export { expectError, missingId, namedPaths, snapshot, tableRows } from './assertions.js';
export { openTestDatabase, type TestDatabase, testEngines } from './test-database.js';
