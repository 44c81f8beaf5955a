/**
 * The console against a gateway that requires an API key (`auth.mode: apiKey`): POST /graphql
 * answers 401 and the WebSocket closes with 4401 until the page sends a key. The page must ask
 * for one, then send it on both transports (as the browser records them),
 * list tasks and go live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { hashApiKey } from '../../src/security/api-keys.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startTestGateway } from '../support/gateway.js';
import { chromiumMissing, launchChromium, openPage, type WatchedPage } from './browser.js';

const KEY = 'e2e-console-api-key-0123456789';

describe.skipIf(Boolean(chromiumMissing()))('console sign-in in Chromium', { timeout: 60_000 }, () => {
  let sim: PrismSimulator;
  let gw: GatewayServer;
  let browser: Browser;
  let tab: WatchedPage;
  let origin: string;
  const httpKeys: Array<string | undefined> = [];
  const initPayloads: unknown[] = [];

  beforeAll(async () => {
    sim = await startPrismSimulator({ initialTasks: 10, seed: 71, spawnEveryMs: 1000 });
    gw = await startTestGateway([sim.backendConfig('pc')], {
      auth: { mode: 'apiKey', apiKeys: [{ name: 'e2e', hash: hashApiKey(KEY), backends: ['*'], vcdOrgs: ['*'], prismClusters: ['*'], actions: ['*'] }] },
    });
    origin = new URL(gw.url).origin;
    browser = await launchChromium();
    tab = await openPage(browser, origin);
    await tab.page.route(`${origin}/graphql`, (route) => {
      httpKeys.push(route.request().headers()['x-api-key']);
      return route.continue();
    });
    tab.page.on('websocket', (ws) =>
      ws.on('framesent', (frame) => {
        const msg = JSON.parse(String(frame.payload)) as { type: string; payload?: unknown };
        if (msg.type === 'connection_init') initPayloads.push(msg.payload ?? null);
      }),
    );
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await sim?.close();
  });

  it('asks for a key, then sends it over HTTP and in connection_init, and goes live', async () => {
    const { page } = tab;
    await page.goto(`${origin}/`);
    await page.locator('#sign-in').waitFor({ timeout: 15_000 });
    // The subscription was refused too (close 4401), and not retried.
    await page.locator('#connection.connection-refused').waitFor({ timeout: 15_000 });
    expect(initPayloads[0]).toEqual({});
    expect(await page.locator('#task-rows > tr.task-row').count()).toBe(0);
    await page.selectOption('#credential-kind', 'apiKey');
    await page.fill('#credential-value', KEY);
    await page.locator('#sign-in button[type=submit]').click();
    await page.locator('#task-rows > tr.task-row').first().waitFor({ timeout: 15_000 });
    await page.locator('#connection.connection-live').waitFor({ timeout: 15_000 });
    expect(httpKeys[0]).toBeUndefined();
    expect(httpKeys.at(-1)).toBe(KEY);
    expect(initPayloads.at(-1)).toEqual({ 'x-api-key': KEY });
    // A new task arrives over the authenticated subscription.
    sim.world.create({ operation: 'kVmMigrate', description: 'e2e signed-in probe', plan: { queuedMs: 0, runMs: 60_000 } });
    await page.locator('#task-rows > tr.task-row', { hasText: 'e2e signed-in probe' }).waitFor({ timeout: 15_000 });
    // The key is kept in sessionStorage, never in the URL.
    expect(page.url()).not.toContain(KEY);
  });

  it('forgets the credential on request', async () => {
    const { page } = tab;
    await page.locator('button.sign-out').click();
    await page.locator('#sign-in').waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => sessionStorage.getItem('taskgraph.credential'))).toBeNull();
    // The 401s before signing in are the page's only console errors.
    expect(tab.problems.filter((p) => !p.includes('401'))).toEqual([]);
  });
});
