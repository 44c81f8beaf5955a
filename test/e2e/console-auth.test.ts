/**
 * The console against a gateway that requires credentials, simulated in the browser: POST
 * /graphql answers 401 without `X-API-Key`, and the WebSocket is closed with 4401 when the
 * graphql-ws `connection_init` payload lacks it (the gateway's documented behaviour). The page
 * must ask for a key, then send it on both transports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startDemo, type Demo } from '../../src/server/demo.js';
import { chromiumMissing, launchChromium, openPage, type WatchedPage } from './browser.js';

const KEY = 'e2e-console-api-key-0123456789';

describe.skipIf(Boolean(chromiumMissing()))('console sign-in in Chromium', { timeout: 60_000 }, () => {
  let demo: Demo;
  let browser: Browser;
  let tab: WatchedPage;
  let origin: string;
  const httpKeys: Array<string | undefined> = [];
  const initPayloads: unknown[] = [];

  beforeAll(async () => {
    demo = await startDemo({ port: 0, spawnEveryMs: 2000, initialTasks: 5 });
    origin = new URL(demo.gateway.url).origin;
    browser = await launchChromium();
    tab = await openPage(browser, origin);
    await tab.page.route(`${origin}/graphql`, async (route) => {
      const key = route.request().headers()['x-api-key'];
      httpKeys.push(key);
      if (key === KEY) return route.continue();
      return route.fulfill({
        status: 401,
        headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="taskgraph"' },
        body: JSON.stringify({ errors: [{ message: 'Unauthenticated: no credentials', extensions: { code: 'UNAUTHENTICATED' } }] }),
      });
    });
    await tab.page.routeWebSocket(/\/graphql$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        const msg = JSON.parse(String(message)) as { type: string; payload?: Record<string, unknown> };
        if (msg.type === 'connection_init') {
          initPayloads.push(msg.payload ?? null);
          if (msg.payload?.['x-api-key'] !== KEY) {
            void ws.close({ code: 4401, reason: 'Unauthorized' });
            void server.close();
            return;
          }
        }
        server.send(message);
      });
    });
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('asks for a key, then sends it over HTTP and in connection_init', async () => {
    const { page } = tab;
    await page.goto(`${origin}/`);
    await page.locator('#sign-in').waitFor({ timeout: 15_000 });
    expect(await page.locator('#task-rows > tr.task-row').count()).toBe(0);
    await page.selectOption('#credential-kind', 'apiKey');
    await page.fill('#credential-value', KEY);
    await page.locator('#sign-in button[type=submit]').click();
    await page.locator('#task-rows > tr.task-row').first().waitFor({ timeout: 15_000 });
    await page.locator('#connection.connection-live').waitFor({ timeout: 15_000 });
    expect(httpKeys.at(-1)).toBe(KEY);
    expect(initPayloads.at(-1)).toEqual({ 'x-api-key': KEY });
    // The key is in sessionStorage, not in the URL.
    expect(page.url()).not.toContain(KEY);
  });

  it('forgets the credential on request', async () => {
    const { page } = tab;
    await page.locator('button.sign-out').click();
    await page.locator('#sign-in').waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => sessionStorage.getItem('taskgraph.credential'))).toBeNull();
    // The 401s the page provoked on purpose are its only console errors.
    expect(tab.problems.filter((p) => !p.includes('401'))).toEqual([]);
  });
});
