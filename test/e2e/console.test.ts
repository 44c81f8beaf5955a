/**
 * The task console in a real browser (Debian's Chromium) against `taskgraph demo` started
 * in-process on port 0: it lists tasks from every backend, a progress bar advances without a
 * reload, cancelling shows CANCELING then CANCELED, filters narrow the table, and a
 * screenshot is saved to test-artifacts/console.png. The history view (/history) lists
 * recorded tasks with filters and pages, and charts durations and failure rate per
 * operation (test-artifacts/history.png). Past the newest 100 tasks the console reads page after
 * page as the user clicks "Load more" or scrolls to the end, and paged-in rows stay live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startDemo, type Demo } from '../../src/server/demo.js';
import { fastPathOff } from '../support/gateway.js';
import type { RunningSimulator } from '../../src/simulators/registry.js';
import { artifactPath, chromiumMissing, launchChromium, openPage, peersRequired, type WatchedPage } from './browser.js';

const missing = chromiumMissing();
if (missing && !peersRequired) console.warn(`skipping the browser tests: ${missing}`);

describe.runIf(missing && peersRequired)('browser tests (TASKGRAPH_REQUIRE_PEERS=1)', () => {
  it('need Chromium', () => {
    throw new Error(`the browser tests cannot run: ${missing}`);
  });
});

/** Polls in Node (not in the page) until `check` is truthy; fails with `what` after the deadline. */
async function until<T>(check: () => Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The row of the task whose description is `text` (top-level rows only). */
function rowOf(page: Page, text: string) {
  return page.locator('#task-rows > tr.task-row', { hasText: text });
}

describe.skipIf(Boolean(missing))('task console in Chromium', { timeout: 60_000 }, () => {
  let demo: Demo;
  let browser: Browser;
  let tab: WatchedPage;
  let origin: string;
  let prism: RunningSimulator;

  beforeAll(async () => {
    demo = await startDemo({ fastPath: !fastPathOff, port: 0, spawnEveryMs: 1500, initialTasks: 20 });
    origin = new URL(demo.gateway.url).origin;
    prism = demo.simulators.find((s) => s.name === 'prism')!;
    browser = await launchChromium();
    tab = await openPage(browser, origin);
    await tab.page.goto(`${origin}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('lists tasks from every backend, with progress bars and status colours', async () => {
    const { page } = tab;
    await page.locator('#task-rows > tr.task-row').nth(9).waitFor({ timeout: 15_000 });
    await until(() => page.locator('#connection.connection-live').count(), 'the live connection');
    const backends = await page.locator('#filter-backend option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    expect(backends.sort()).toEqual(demo.simulators.map((s) => `${s.name}-sim`).sort());
    const shown = new Set(await page.locator('#task-rows > tr.task-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.backend)));
    expect(shown.size).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#task-rows .progress').count()).toBeGreaterThan(0);
    const colour = await page.locator('#task-rows .status').first().evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(colour).not.toBe('rgba(0, 0, 0, 0)');
  });

  it('shows a new task at once and advances its progress bar without a reload', async () => {
    const { page } = tab;
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    prism.world.create({ operation: 'kVmMigrate', description: 'e2e progress probe', plan: { queuedMs: 0, runMs: 30_000, outcome: 'succeeded' } });
    const row = rowOf(page, 'e2e progress probe');
    await row.waitFor({ timeout: 15_000 });
    const progressOf = async () => Number((await row.locator('.progress').getAttribute('data-progress')) || '0');
    const first = await progressOf();
    await until(async () => (await progressOf()) >= first + 5, `progress to pass ${first + 5}%`, 20_000);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(await row.getAttribute('data-status')).toBe('RUNNING');
  });

  it('cancels a task: the row shows CANCELING, then CANCELED', async () => {
    const { page } = tab;
    prism.world.create({ operation: 'kVmMigrate', description: 'e2e cancel probe', plan: { queuedMs: 0, runMs: 600_000, cancelMs: 2500 } });
    const row = rowOf(page, 'e2e cancel probe');
    await row.waitFor({ timeout: 15_000 });
    // Record every status the row shows, however briefly (rows are replaced on each update).
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { cancelStatuses: string[] }).cancelStatuses = seen;
      const record = () => {
        const tr = [...document.querySelectorAll<HTMLElement>('#task-rows > tr.task-row')].find((r) => r.textContent?.includes('e2e cancel probe'));
        const status = tr?.dataset.status;
        if (status && seen[seen.length - 1] !== status) seen.push(status);
      };
      record();
      new MutationObserver(record).observe(document.getElementById('task-rows')!, { childList: true, subtree: true, attributes: true });
    });
    await row.locator('button.cancel').click();
    await until(async () => (await row.getAttribute('data-status')) === 'CANCELED', 'CANCELED', 20_000);
    const statuses = await page.evaluate(() => (window as unknown as { cancelStatuses: string[] }).cancelStatuses);
    expect(statuses.indexOf('CANCELING')).toBeGreaterThan(-1);
    expect(statuses.indexOf('CANCELED')).toBeGreaterThan(statuses.indexOf('CANCELING'));
    expect(await row.locator('button.cancel').count()).toBe(0);
  });

  it('filters by text and by backend', async () => {
    const { page } = tab;
    await page.fill('#filter-text', 'e2e cancel probe');
    await until(async () => (await page.locator('#task-rows > tr.task-row').count()) === 1, 'one row for the text filter');
    await page.fill('#filter-text', '');
    await page.selectOption('#filter-backend', 'prism-sim');
    await until(async () => {
      const backends = await page.locator('#task-rows > tr.task-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.backend));
      return backends.length > 0 && backends.every((b) => b === 'prism-sim');
    }, 'only prism-sim rows');
    expect(new URL(page.url()).searchParams.get('backend')).toBe('prism-sim');
    await page.selectOption('#filter-backend', '');
    await until(async () => {
      const backends = await page.locator('#task-rows > tr.task-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.backend));
      return new Set(backends).size >= 2;
    }, 'rows from every backend again');
  });

  it('expands a task to its steps and subtasks, and saves a screenshot', async () => {
    const { page } = tab;
    // A running task with steps and a subtask (the kVmCreate template has both).
    const probe = prism.world.create({ operation: 'kVmCreate', description: 'e2e detail probe web-7', steps: ['VALIDATE', 'ALLOCATE', 'CREATE_DISKS', 'POWER_ON'], plan: { queuedMs: 0, runMs: 60_000 } });
    prism.world.create({ operation: 'kVmCreate.step1', description: 'e2e detail probe web-7 (part 1)', parentId: probe.id, cancelable: false, plan: { queuedMs: 0, runMs: 30_000 } });
    const row = rowOf(page, 'e2e detail probe web-7');
    await row.waitFor({ timeout: 15_000 });
    await row.locator('button.toggle').click();
    const detail = page.locator('#task-rows > tr.detail-row');
    await detail.locator('.subtasks tr.task-row').first().waitFor({ timeout: 15_000 });
    expect(await detail.locator('.steps li').count()).toBe(4);
    // Let a few progress events land so the screenshot shows live bars mid-way.
    await until(async () => Number((await row.locator('.progress').getAttribute('data-progress')) || '0') >= 3, 'the probe to make progress');
    await page.screenshot({ path: artifactPath('console.png') });
    expect(tab.problems).toEqual([]);
    expect(tab.offOrigin).toEqual([]);
  });

  it('history view: filters and pages recorded tasks, and charts durations and failure rate per operation', async () => {
    prism.world.create({ operation: 'kVmMigrate', description: 'e2e history probe', plan: { queuedMs: 0, runMs: 800, outcome: 'failed' } });
    const recorded = async () => {
      const res = await fetch(demo.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ taskHistory(first: 1, filter: { status: [FAILED], operation: ["kVmMigrate"] }) { totalCount } }' }) });
      return ((await res.json()) as any).data?.taskHistory.totalCount > 0;
    };
    await until(recorded, 'the probe recorded as FAILED', 30_000);
    const history = await openPage(browser, origin);
    const { page } = history;
    await page.goto(`${origin}/history`);
    await page.locator('#history-rows > tr.history-row').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('#history-chart svg circle.point').count()).toBeGreaterThan(0);
    const total = Number(/^(\d+) recorded/.exec((await page.locator('#history-summary').textContent()) ?? '')?.[1]);
    expect(total).toBeGreaterThan(50);
    const firstPage = await page.locator('#history-rows > tr.history-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id));
    expect(firstPage).toHaveLength(50);
    await page.click('#history-next');
    await until(async () => (await page.locator('#history-summary').textContent())?.includes('page 2'), 'the second page');
    const secondPage = await page.locator('#history-rows > tr.history-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id));
    expect(secondPage.some((id) => firstPage.includes(id))).toBe(false);
    await page.fill('#history-operation', 'kVmMigrate');
    await page.selectOption('#history-status', 'FAILED');
    await page.click('#history-apply');
    const probe = page.locator('#history-rows > tr.history-row', { hasText: 'e2e history probe' });
    await probe.waitFor({ timeout: 15_000 });
    const statuses = await page.locator('#history-rows > tr.history-row .status').allTextContents();
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 'FAILED')).toBe(true);
    expect(await probe.locator('td.transitions').textContent()).toMatch(/FAILED$/);
    expect(await page.locator('#history-chart .legend').allTextContents()).toEqual(['kVmMigrate']);
    await page.screenshot({ path: artifactPath('history.png'), fullPage: true });
    expect(history.problems).toEqual([]);
    expect(history.offOrigin).toEqual([]);
    await page.context().close();
  });

  it('loads more than the newest 100 tasks, as the user asks or scrolls, and keeps every loaded row live', async () => {
    // The open console listens (its taskEvents subscription is registered) before the tasks come.
    await until(() => tab.page.locator('#connection.connection-live').count(), 'the live connection');
    await until(async () => demo.gateway.hub.stats().subscribers >= 1, 'the subscription');
    // Past the watcher's first poll (its baseline, which reports nothing).
    await until(async () => (demo.gateway.hub.stats().watchers.find((w) => w.backend === 'prism-sim')?.polls ?? 0) > 0, "the Prism watcher's baseline");
    // Enough history for several pages; one task deep in it still runs (so it can change while paged in).
    prism.world.backfill(300, 6 * 3600_000);
    const deepTask = prism.world.create({ operation: 'kVmMigrate', description: 'e2e deep running task', createdAt: new Date(Date.now() - 5 * 3600_000), plan: { queuedMs: 0, runMs: 6 * 3600_000, cancelMs: 1000 } });
    // Its CREATED event has reached the consoles open now; a console opened later finds it only by paging.
    await rowOf(tab.page, 'e2e deep running task').waitFor({ timeout: 15_000 });

    const fresh = await openPage(browser, origin);
    const { page } = fresh;
    // Prism's tasks only (the filter must go with every page, or the cursor is refused), every
    // task as a row. One backend keeps a deep page one upstream request: the vim25 history
    // collector reads its way down to deep pages, which is the adapter's cost, not the console's.
    await page.goto(`${origin}/?backend=prism-sim&subtasks=1`);
    const rows = page.locator('#task-rows > tr.task-row');
    const ids = () => rows.evaluateAll((all) => all.map((r) => (r as HTMLElement).dataset.taskId!));
    const more = page.locator('#load-more');
    await rows.nth(99).waitFor({ timeout: 15_000 });
    await more.waitFor({ state: 'visible' });
    const first = await ids();
    // The first page, and the tasks that arrived live since (the demo spawns one every 1.5 s).
    expect(new Set(await rows.evaluateAll((all) => all.map((r) => (r as HTMLElement).dataset.backend)))).toEqual(new Set(['prism-sim']));
    expect(first.length).toBeGreaterThanOrEqual(100);
    expect(first.length).toBeLessThan(110);
    expect(await rowOf(page, 'e2e deep running task').count()).toBe(0);
    // Every Prism task the gateway lists now: the console must end up with all of them.
    const res = await fetch(demo.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ tasks(first: 1000, filter: { backend: ["prism-sim"] }) { nodes { id } pageInfo { hasNextPage } } }' }),
    });
    const { tasks } = ((await res.json()) as any).data;
    expect(tasks.pageInfo.hasNextPage).toBe(false);
    const listed: string[] = tasks.nodes.map((n: { id: string }) => n.id);
    expect(listed.length).toBeGreaterThan(300);

    // "Load more" reads the next page after the last row (after: endCursor). (Clicked by event: rows
    // arriving live on top keep moving the button, which Playwright's pointer click waits out.)
    await more.dispatchEvent('click');
    await until(async () => (await ids()).length >= first.length + 100, 'the second page');
    const second = await ids();
    // The rows listed stay, in their order (new tasks may have come on top), and the page goes below them.
    expect(second.filter((id) => first.includes(id))).toEqual(first);
    expect(second.slice(-100).filter((id) => first.includes(id))).toEqual([]);
    expect(new Set(second).size).toBe(second.length);

    // Scrolling to the end of the list reads the next one (infinite scroll).
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    // Rows arriving live go on top: a new last row means a page went below.
    const state = async () =>
      `(end of list: ${JSON.stringify(await page.locator('#page-status').textContent())}, button ${(await more.isVisible()) ? await more.textContent() : 'hidden'}, notice ${JSON.stringify(await page.locator('#notice').textContent())}, scrollY ${await page.evaluate(() => `${window.scrollY}/${document.documentElement.scrollHeight - window.innerHeight}`)})`;
    await until(async () => (await ids()).at(-1) !== second.at(-1), 'the third page, by scrolling').catch(async (err: Error) => {
      throw new Error(`${err.message} ${await state()}`);
    });

    // To the end: every task once, and the button gone.
    await until(async () => {
      if (await more.isVisible()) await more.dispatchEvent('click');
      return (await page.locator('#page-status').textContent())?.startsWith('all ');
    }, 'the end of the list', 30_000);
    const all = await ids();
    expect(new Set(all).size).toBe(all.length);
    expect(listed.filter((id) => !all.includes(id))).toEqual([]);
    expect(await more.isHidden()).toBe(true);

    // Live updates reach a row paged in deep down, and new tasks still go on top of the loaded list.
    const deep = rowOf(page, 'e2e deep running task');
    expect(all.indexOf((await deep.getAttribute('data-task-id'))!)).toBeGreaterThan(100);
    expect(await deep.getAttribute('data-status')).toBe('RUNNING');
    expect(prism.world.cancel(deepTask.id)).toBe('ok');
    await until(async () => (await deep.getAttribute('data-status')) === 'CANCELED', 'the deep task CANCELED');
    prism.world.create({ operation: 'kVmPowerOn', description: 'e2e after paging', plan: { queuedMs: 0, runMs: 30_000 } });
    const fresher = rowOf(page, 'e2e after paging');
    await fresher.waitFor({ timeout: 15_000 });
    const after = await ids();
    // On top, give or take the tasks the demo spawned meanwhile.
    expect(after.indexOf((await fresher.getAttribute('data-task-id'))!)).toBeLessThan(20);
    expect(after.slice(-50)).toEqual(all.slice(-50));
    expect(fresh.problems).toEqual([]);
    expect(fresh.offOrigin).toEqual([]);
    await page.context().close();
  });
});
