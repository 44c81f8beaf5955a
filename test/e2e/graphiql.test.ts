/**
 * GraphiQL at /graphql in a real browser: served offline from node_modules, runs the example
 * query over HTTP and the example subscription over graphql-ws. Non-browser GETs to /graphql
 * still reach Apollo (covered without a browser in test/server/browser-routes.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startDemo, type Demo } from '../../src/server/demo.js';
import { fastPathOff } from '../support/gateway.js';
import { artifactPath, chromiumMissing, launchChromium, openPage, type WatchedPage } from './browser.js';

const missing = chromiumMissing();

describe.skipIf(Boolean(missing))('GraphiQL in Chromium', { timeout: 60_000 }, () => {
  let demo: Demo;
  let browser: Browser;
  let tab: WatchedPage;

  beforeAll(async () => {
    demo = await startDemo({ fastPath: !fastPathOff, port: 0, spawnEveryMs: 500, initialTasks: 5 });
    const origin = new URL(demo.gateway.url).origin;
    browser = await launchChromium();
    tab = await openPage(browser, origin);
    await tab.page.goto(demo.gateway.url);
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('opens with the example operations and runs the query', async () => {
    const { page } = tab;
    await page.locator('.graphiql-container').waitFor({ timeout: 15_000 });
    const tabs = page.locator('.graphiql-tab');
    expect(await tabs.count()).toBe(5);
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.result-window', { hasText: 'totalCount' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('.result-window').innerText()).toContain('"backends"');
  });

  it('runs the example subscription over graphql-ws', async () => {
    const { page } = tab;
    await page.locator('.graphiql-tab', { hasText: 'LiveEvents' }).locator('button').first().click();
    // Run at once, as a person might: GraphiQL 3 may still hold the previous tab's operation
    // name, which the console's fetcher corrects (graphiql-setup.js).
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.result-window', { hasText: 'taskEvents' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: artifactPath('graphiql.png') });
    // Stop the subscription (the same button) before the page closes.
    await page.locator('.graphiql-execute-button').click();
    expect(tab.problems).toEqual([]);
    expect(tab.offOrigin).toEqual([]);
  });
});
