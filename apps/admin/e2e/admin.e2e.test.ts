/**
 * End to end: the built admin app, served by the real API (Fastify + tRPC) on a fresh PGlite
 * database, driven in headless Debian Chromium by playwright-core. Nothing is mocked; the one
 * fault injected is a dropped network request, to see the lost-connection retry.
 * Screenshots of the main screens land in apps/admin/test-results/screenshots (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Running, startServer } from '@typecrud/api';
import { createClient } from '@typecrud/client';
import type { AppRouter } from '@typecrud/server';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { entityNames, entityOf, humanize, pluralTitle } from '../src/model/entities.js';
import { overridesOf } from '../src/overrides.js';

const CHROMIUM = '/usr/bin/chromium';
const adminDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
const shots = join(adminDir, 'test-results', 'screenshots');
const missing = !existsSync(CHROMIUM) && !process.env.CI;
if (missing) {
  console.warn(
    `admin e2e skipped: ${CHROMIUM} is not installed (apt-get install chromium); CI always runs it.`,
  );
}

/** Retries an assertion on the page until it holds (playwright-core has no `expect` of its own). */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 100 });
const textOf = (l: Locator) => async () => ((await l.textContent()) ?? '').trim();
const isFocused = (l: Locator) => () => l.evaluate((el) => el === document.activeElement);

const ADMIN = { email: 'admin@acme.test', password: 'admin-password' };

describe.skipIf(missing)('admin app in Chromium against the API on PGlite', () => {
  let dataDir: string;
  let profileDir: string;
  let server: Running;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let api: ReturnType<typeof createClient<AppRouter>>;
  let zeppelinId = '';

  const shot = (name: string, fullPage = true) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage });
  const heading = () => page.getByRole('heading', { level: 1 });

  beforeAll(async () => {
    rmSync(shots, { recursive: true, force: true });
    mkdirSync(shots, { recursive: true });
    // The assets under test are the ones `pnpm start` serves: build them fresh.
    // (vitest sets NODE_ENV=test, which would bundle React's development build)
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        root: adminDir,
        configFile: join(adminDir, 'vite.config.ts'),
        logLevel: 'warn',
        mode: 'production',
      });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    dataDir = mkdtempSync(join(tmpdir(), 'typecrud-admin-e2e-'));
    profileDir = mkdtempSync(join(tmpdir(), 'typecrud-admin-chromium-'));
    server = await startServer(
      loadConfig({
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
      }),
    );
    base = server.url.replace('localhost', '127.0.0.1');
    const { token } = await createClient<AppRouter>({ url: base }).auth.signIn.mutate(ADMIN);
    api = createClient<AppRouter>({ url: base, token });
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1280, height: 860 },
    });
    context.setDefaultTimeout(15_000);
    page = context.pages()[0] ?? (await context.newPage());
  });

  // A failing step leaves a picture of the page it failed on.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) {
      await shot(`failed-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => undefined);
    }
  });

  afterAll(async () => {
    await context?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it('shows only the sign-in page when signed out, refuses a wrong password, then signs in', async () => {
    await page.goto(`${base}/project`);
    await page.getByRole('heading', { name: 'Sign in to typecrud admin' }).waitFor();
    await poll(() => page.getByRole('navigation', { name: 'Entities' }).count()).toBe(0);
    await shot('01-sign-in');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await poll(textOf(page.getByRole('alert').first())).toContain('The email or password is not right.');
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // Lands on the page it was asked for.
    await poll(textOf(heading())).toBe('Projects');
    await page.getByRole('link', { name: 'Rocket', exact: true }).first().waitFor();
    await shot('02-project-list');
  });

  it('renders every entity generically: its list, a detail page and its create form', async () => {
    for (const name of entityNames) {
      const entity = entityOf(name)!;
      await page.goto(`${base}/${name}`);
      await poll(textOf(heading())).toBe(pluralTitle(name));
      // a table of rows, or the empty state; never an error
      await page.locator('table, .empty').first().waitFor();
      expect(await page.locator('.error-page, .banner.error').count()).toBe(0);
      await shot(`entity-${name}-list`);
      const firstRow = page.locator('tbody tr').first();
      if ((await firstRow.count()) > 0) {
        await firstRow.getByRole('link').first().click();
        await page.locator('dl.fields').waitFor();
        expect(await page.locator('.error-page').count()).toBe(0);
        if (name === 'user') await shot('entity-user-detail');
      }
      if (!overridesOf(name).readOnly) {
        await page.goto(`${base}/${name}/new`);
        await poll(textOf(heading())).toBe(`New ${humanize(entity.name).toLowerCase()}`);
        expect(await page.locator('form.entity-form .field').count()).toBeGreaterThan(0);
      }
    }
  });

  it('creates a project with tags, after showing the field errors of the create schema', async () => {
    await page.goto(`${base}/project`);
    await page.getByRole('link', { name: 'New project', exact: true }).click();
    await poll(textOf(heading())).toBe('New project');
    await page.getByRole('button', { name: 'Create project', exact: true }).click();
    // The create DTO's messages, beside their fields, before anything reached the server.
    const nameField = page.locator('.field', { has: page.getByLabel('Name', { exact: true }) });
    await poll(textOf(nameField.locator('.field-error'))).toBe('must not be empty');
    // Focus moves to the first field in error.
    await poll(isFocused(page.getByLabel('Organization'))).toBe(true);
    await shot('03-create-field-errors');

    await page.getByLabel('Organization').fill('acm');
    await page.getByRole('option', { name: 'Acme', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('Zeppelin');
    await poll(() => nameField.locator('.field-error').count()).toBe(0);
    await page.getByLabel('Description').fill('Airships, slowly.');
    await page.getByLabel('Tags').fill('back');
    await page.getByRole('option', { name: 'backend', exact: true }).click();
    // The picker works from the keyboard: type, then Enter takes the highlighted option.
    await page.getByLabel('Tags').fill('inf');
    await page.getByRole('option', { name: 'infra', exact: true }).waitFor();
    await page.getByLabel('Tags').press('Enter');
    await poll(textOf(page.getByRole('list', { name: 'Chosen tag' }))).toContain('backend');
    await shot('04-create-filled');
    await page.getByRole('button', { name: 'Create project', exact: true }).click();

    await poll(textOf(heading())).toContain('Zeppelin');
    zeppelinId = page.url().split('/').pop()!;
    const tags = page.getByRole('region', { name: 'Tags' });
    await tags.getByRole('link', { name: 'backend', exact: true }).waitFor();
    await tags.getByRole('link', { name: 'infra', exact: true }).waitFor();
    await page
      .getByRole('region', { name: 'Organization' })
      .getByRole('link', { name: 'Acme', exact: true })
      .waitFor();
    await shot('05-project-detail');
    const stored = await api.project.get.query({ id: zeppelinId, include: { tags: true } });
    expect(stored.tags.map((t) => t.label).sort()).toEqual(['backend', 'infra']);
  });

  it('shows a server-side field error (a duplicate name) under its field', async () => {
    await page.goto(`${base}/project/new`);
    await page.getByLabel('Organization').fill('acme');
    await page.getByRole('option', { name: 'Acme', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('Rocket');
    await page.getByRole('button', { name: 'Create project', exact: true }).click();
    const nameField = page.locator('.field', { has: page.getByLabel('Name', { exact: true }) });
    await poll(textOf(nameField.locator('.field-error'))).toBe('already exists');
    await shot('06-server-field-error');
  });

  it('filters, sorts and pages the list, with the state in a shareable URL', async () => {
    const org = (await api.organization.list.query({ where: { slug: 'acme' } })).items[0]!;
    await api.project.createMany.mutate(
      Array.from({ length: 23 }, (_, i) => ({
        organizationId: org.id,
        name: `Bulk ${String(i + 1).padStart(2, '0')}`,
      })),
    );
    await page.goto(`${base}/project`);
    await page.getByRole('searchbox', { name: 'Name' }).fill('BULK');
    await page.getByRole('button', { name: 'Apply filters', exact: true }).click();
    await poll(textOf(page.getByRole('navigation', { name: 'Pages' }))).toContain(
      'Page 1 of 2 · 23 projects',
    );
    await page.getByRole('button', { name: /^Name/ }).click();
    await poll(() => page.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe(
      'ascending',
    );
    await page.getByRole('button', { name: /^Name/ }).click();
    await poll(() => page.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe(
      'descending',
    );
    await poll(textOf(page.locator('tbody tr').first())).toContain('Bulk 23');
    await page.getByRole('button', { name: 'Next →', exact: true }).click();
    await poll(textOf(page.getByRole('navigation', { name: 'Pages' }))).toContain('Page 2 of 2');
    await poll(() => page.locator('tbody tr').count()).toBe(3);
    await poll(textOf(page.locator('tbody tr').last())).toContain('Bulk 01');
    const url = new URL(page.url());
    expect(url.pathname).toBe('/project');
    expect(Object.fromEntries(url.searchParams)).toEqual({ 'f.name': 'BULK', sort: 'name.desc', page: '2' });
    await shot('07-list-filtered-sorted-page-2');

    // The URL alone restores the view (a shared link, a reload).
    await page.reload();
    await poll(textOf(page.getByRole('navigation', { name: 'Pages' }))).toContain(
      'Page 2 of 2 · 23 projects',
    );
    await poll(() => page.getByRole('searchbox', { name: 'Name' }).inputValue()).toBe('BULK');

    // A reference column sorts by the referenced row's label, through the relation.
    await page.goto(`${base}/project`);
    await page.getByRole('button', { name: /^Organization/ }).click();
    await poll(() => page.getByRole('columnheader', { name: /Organization/ }).getAttribute('aria-sort')).toBe(
      'ascending',
    );
    await poll(textOf(page.locator('tbody tr').first().locator('td').nth(2))).toBe('Acme');
    expect(new URL(page.url()).searchParams.get('sort')).toBe('organizationId.asc');

    // A boolean filter narrows the seeded projects to the public ones.
    const publicOnes = await api.project.list.query({
      where: { isPublic: true },
      orderBy: { name: 'asc' },
      limit: 100,
    });
    await page.goto(`${base}/project?f.isPublic=true&sort=name.asc`);
    await poll(() => page.getByRole('combobox', { name: 'Is public' }).inputValue()).toBe('true');
    await poll(() => page.locator('tbody tr').count()).toBe(publicOnes.items.length);
    await poll(textOf(page.locator('tbody tr').first())).toContain(publicOnes.items[0]!.name);
  });

  it('edits with a stale version: conflict, reload the latest, re-apply, save', async () => {
    await page.goto(`${base}/project/${zeppelinId}/edit`);
    await poll(textOf(heading())).toBe('Edit project: Zeppelin');
    await page.getByLabel('Description').fill('Airships, quickly.');
    // Someone else changes the row behind the form's back.
    const before = await api.project.get.query({ id: zeppelinId });
    await api.project.update.mutate({
      id: zeppelinId,
      data: { isPublic: true },
      expectedVersion: before.version,
    });
    await page.getByRole('button', { name: 'Save changes', exact: true }).click();
    const conflict = page.locator('.banner.conflict');
    await poll(textOf(conflict)).toContain('was changed by someone else');
    await poll(textOf(conflict)).toContain(`version ${before.version + 1}`);
    await shot('08-edit-conflict');
    await page.getByRole('button', { name: 'Reload latest and re-apply my changes', exact: true }).click();
    await poll(textOf(page.getByRole('status').filter({ hasText: 'Loaded the latest version' }))).toContain(
      'Description',
    );
    await poll(() => page.getByLabel('Description').inputValue()).toBe('Airships, quickly.');
    await poll(() => page.getByLabel('Is public').isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Save changes', exact: true }).click();
    await poll(textOf(heading())).toContain('Zeppelin');
    const after = await api.project.get.query({ id: zeppelinId });
    expect(after).toMatchObject({
      description: 'Airships, quickly.',
      isPublic: true,
      version: before.version + 2,
    });
  });

  it('archives and restores behind a confirmation, with archived rows behind a toggle', async () => {
    await page.goto(`${base}/project?f.name=zeppelin`);
    await page.getByRole('button', { name: 'Archive Zeppelin', exact: true }).click();
    const dialog = page.getByRole('alertdialog');
    await poll(textOf(dialog)).toContain('Archive Zeppelin?');
    await poll(isFocused(dialog.getByRole('button', { name: 'Archive', exact: true }))).toBe(true);
    await dialog.getByRole('button', { name: 'Archive', exact: true }).click();
    await page.getByText('No projects match these filters.').waitFor();
    await page.getByLabel('Show archived').check();
    await poll(() => page.locator('tbody tr').count()).toBe(1);
    await poll(textOf(page.locator('tbody tr').first())).toContain('Archived');
    expect(new URL(page.url()).searchParams.get('archived')).toBe('1');
    await shot('09-archived-row');
    await page.getByRole('button', { name: 'Restore Zeppelin', exact: true }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Restore', exact: true }).click();
    await poll(textOf(page.locator('tbody tr').first())).not.toContain('Archived');
    expect((await api.project.get.query({ id: zeppelinId })).archivedAt).toBeNull();
  });

  it('bulk-archives and bulk-deletes selected rows', async () => {
    await page.goto(`${base}/project?f.name=bulk&sort=name.asc`);
    await page.getByLabel('Select Bulk 01').check();
    await page.getByLabel('Select Bulk 02').check();
    await page.getByRole('button', { name: 'Archive selected', exact: true }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Archive', exact: true }).click();
    await poll(textOf(page.getByRole('status').filter({ hasText: 'Archived' }))).toContain(
      'Bulk 01, Bulk 02',
    );
    await poll(textOf(page.getByRole('navigation', { name: 'Pages' }))).toContain('21 projects');
    await page.getByLabel('Select all on this page').check();
    await page.getByRole('button', { name: 'Delete selected', exact: true }).click();
    await shot('10-bulk-delete-confirm', false);
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await poll(textOf(page.getByRole('status').filter({ hasText: 'Deleted' }))).toContain(
      'Deleted 20 projects.',
    );
    await poll(textOf(page.getByRole('navigation', { name: 'Pages' }))).toContain('1 project');
  });

  it('deletes a project from its page; its URL is then a not-found page', async () => {
    await page.goto(`${base}/project/${zeppelinId}`);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await poll(textOf(heading())).toBe('Projects');
    await page.goto(`${base}/project/${zeppelinId}`);
    await poll(textOf(heading())).toBe('Not found');
    await shot('11-not-found');
  });

  it('offers a retry when the connection is lost', async () => {
    await page.route('**/trpc/**', (route) => route.abort('internetdisconnected'));
    await page.goto(`${base}/tag`);
    await page.getByRole('heading', { name: 'Connection lost' }).waitFor();
    await shot('12-connection-lost');
    await page.unroute('**/trpc/**');
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    await poll(textOf(heading())).toBe('Tags');
    await page.getByRole('link', { name: 'backend', exact: true }).waitFor();
    await shot('13-tag-list-custom-cell');
  });

  it('shows a forbidden write as not allowed, and a rejected token sends the user back to sign in', async () => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in to typecrud admin' }).waitFor();
    await page.getByLabel('Email').fill('cleo@acme.test');
    await page.getByLabel('Password').fill('demo-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('navigation', { name: 'Entities' }).waitFor();
    // A viewer of Acme may read its projects but not create one.
    await page.goto(`${base}/project/new`);
    await page.getByLabel('Organization').fill('acme');
    await page.getByRole('option', { name: 'Acme', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('Viewer project');
    await page.getByRole('button', { name: 'Create project', exact: true }).click();
    await poll(textOf(page.locator('.banner.error'))).toContain('Not allowed');
    await shot('14-forbidden-write');

    await page.evaluate(() =>
      sessionStorage.setItem(
        'typecrud.admin.session',
        JSON.stringify({ token: 'not.a.valid-token', user: null }),
      ),
    );
    await page.goto(`${base}/project`);
    await page.getByText('Your session has ended; please sign in again.').waitFor();
    await page.getByRole('heading', { name: 'Sign in to typecrud admin' }).waitFor();
  });
});
