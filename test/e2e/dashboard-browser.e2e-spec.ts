/**
 * The dashboard as an operator uses it: the sample app (dashboard at
 * `/delay-tasks`, Basic auth) on a free port, driven through headless
 * Chromium. The page shows the counts of what the test scheduled, filters and
 * pages pending tasks, runs one now (its handler runs), reschedules and
 * cancels, requeues and discards dead letters; a read-only dashboard and a
 * denying guard refuse on the server. The page loads nothing from another
 * origin and runs under its strict Content-Security-Policy.
 *
 * UPDATE_SCREENSHOT=1 rewrites docs/dashboard-overview.png from this run.
 */
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BrowserContext, Page } from 'playwright-core';
import { DelayTaskService, ExpiredKeyEvent } from '../../lib';
import { recordHeader } from '../../lib/store/task-record';
import { TaskStore } from '../../lib/store/task-store';
import { RedisServer } from '../../lib/testing/redis-server';
import { AppModule } from '../../sample/app.module';
import { startChromium, TestChromium } from '../support/chromium';
import { collectingHandler, EventCollector, freshPrefix } from '../support/fixture-app';
import { LogCapture } from '../support/log-capture';
import { waitFor } from '../support/wait-for';

const CREDENTIALS = { username: 'ops', password: 'correct horse' };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Sample {
  url: string;
  tasks: DelayTaskService;
  app: INestApplication;
}

/** What both apps log (Nest's logger is process-wide: one capture for the two). */
const logs = new LogCapture();

/** A payment handler that fails while `failing` says so, with the error its payload names. */
const payments = new EventCollector<{ error?: string }>();
let failing = true;
let releaseSlow: () => void = () => undefined;
const PaymentHandler = collectingHandler<{ error?: string; slow?: boolean }>(
  'payment:*',
  payments,
  (event: ExpiredKeyEvent<{ error?: string; slow?: boolean }>) => {
    if (event.payload?.slow) return new Promise<void>((resolve) => (releaseSlow = resolve));
    if (failing) throw new Error(event.payload?.error ?? 'payment provider down');
    return undefined;
  },
);

async function startSample(redisUrl: string, readOnly: boolean): Promise<Sample> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.register({
        redisUrl,
        prefix: freshPrefix(),
        orderTimeoutMs: 10 * MINUTE,
        mealMs: HOUR,
        accelerationMs: MINUTE,
        dashboardUser: CREDENTIALS.username,
        dashboardPassword: CREDENTIALS.password,
        dashboardReadOnly: readOnly,
        // One app per process may use prom-client's default registry.
        metrics: !readOnly,
      }),
    ],
    providers: readOnly ? [] : [PaymentHandler],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: logs });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, tasks: app.get(DelayTaskService), app };
}

const basicAuth = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('dashboard in a browser (e2e)', () => {
  let redis: RedisServer;
  let chromium: TestChromium;
  let sample: Sample;
  let readOnlySample: Sample;
  let context: BrowserContext;
  let page: Page;
  /** URLs the page asked for outside the app (refused), and what it logged as errors. */
  const external: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [redis, chromium] = await Promise.all([RedisServer.start(), startChromium()]);
    [sample, readOnlySample] = await Promise.all([
      startSample(redis.url, false),
      startSample(redis.url, true),
    ]);
  });
  afterAll(async () => {
    await chromium?.stop();
    await sample?.app.close();
    await readOnlySample?.app.close();
    await redis?.stop();
  });

  /** A browser context that knows the dashboard's password and refuses every other origin. */
  async function openDashboard(target: Sample): Promise<Page> {
    context = await chromium.browser.newContext({
      httpCredentials: CREDENTIALS,
      timezoneId: 'UTC',
      viewport: { width: 1280, height: 1000 },
    });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${target.url}/`)) return route.continue();
      external.push(url);
      return route.abort();
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return page;
  }
  afterEach(async () => {
    await context?.close();
    expect(external).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  const texts = (selector: string) => page.locator(selector).allTextContents();
  const sum = (values: string[]) => values.reduce((total, text) => total + Number(text || 0), 0);
  const row = (key: string) => page.locator(`tr[data-key="${key}"]`);

  it('overview: the counts, unhandled patterns, instances and timeline of what was scheduled; CSP on, nothing external', async () => {
    const { tasks } = sample;
    for (let i = 0; i < 3; i++) await fetch(`${sample.url}/orders`, { method: 'POST' }); // due in 10 min
    await tasks.schedule('report:daily:1', null, { at: Date.now() - 2_000 }); // no handler: unhandled
    await tasks.schedule('report:daily:2', null, { at: Date.now() - 1_000 });
    await tasks.schedule('pet-meal:rex', { petId: 'rex' }, { delay: 3 * HOUR });
    await tasks.schedule('newsletter:weekly', null, { delay: 2 * 24 * HOUR });
    await tasks.schedule('newsletter:quarterly', null, { delay: 30 * 24 * HOUR });
    await tasks.schedule('payment:1', {}, { delay: 0, maxAttempts: 1 });
    await tasks.schedule('payment:2', {}, { delay: 0, maxAttempts: 1 });
    await tasks.schedule('payment:3', { error: 'card declined' }, { delay: 0, maxAttempts: 1 });
    await waitFor(async () => (await tasks.stats()).dead === 3, 15_000, 'three dead letters');

    await openDashboard(sample);
    const response = await page.goto(`${sample.url}/delay-tasks`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');

    await page.locator('#count-pending', { hasText: /^8$/ }).waitFor();
    expect(await page.locator('#count-overdue').textContent()).toBe('2');
    expect(await page.locator('#count-dead').textContent()).toBe('3');
    expect(await page.locator('#count-active').textContent()).toBe('0');
    expect(await page.locator('#oldest-overdue').textContent()).toMatch(/^\d+(\.\d)? m?s$/);
    expect(await texts('#unhandled tbody td')).toEqual(
      expect.arrayContaining(['report:daily:*', '2', 'report:daily:1']),
    );
    const instanceRow = (await texts('#instances tbody td')).join(' ');
    expect(instanceRow).toContain('order:*');
    expect(instanceRow).toContain('payment:*');
    expect(instanceRow).toContain(`/ ${process.pid}`);

    // Three orders within the hour, the meal within the day, the weekly newsletter within the week.
    expect(sum(await texts('#timeline .count'))).toBe(3);
    expect(await page.locator('#timeline-later').textContent()).toBe('3 due later');
    await page.click('[data-span="day"]');
    expect(sum(await texts('#timeline .count'))).toBe(4);
    await page.click('[data-span="week"]');
    expect(sum(await texts('#timeline .count'))).toBe(5);
    expect(await page.locator('#timeline-later').textContent()).toBe('1 due later');
    await page.click('[data-span="hour"]');

    expect(await page.locator('#lateness-note').textContent()).toContain('1 live instance');
    expect(await page.locator('#lateness-scheduled .bar').count()).toBe(20);
    // The three payment deliveries, as the worker's next heartbeat carries them.
    await page
      .locator('#lateness-scheduled-summary', { hasText: /3 deliveries/ })
      .waitFor({ timeout: 20_000 });
    if (process.env.UPDATE_SCREENSHOT === '1') {
      await page.screenshot({
        path: join(__dirname, '..', '..', 'docs', 'dashboard-overview.png'),
        fullPage: true,
      });
    }
  });

  it('pending: filter by pattern and due range, page, run now (the handler runs), reschedule and cancel', async () => {
    const { tasks } = sample;
    const start = Math.ceil((Date.now() + HOUR) / 1000) * 1000;
    const at = (i: number) => start + i * 1000;
    const batchKey = (i: number) => `batch:${String(i).padStart(2, '0')}`;
    await tasks.scheduleMany(
      Array.from({ length: 25 }, (_, i) => ({ key: batchKey(i), payload: { i }, at: at(i) })),
    );
    const order = (await (await fetch(`${sample.url}/orders`, { method: 'POST' })).json()) as {
      id: string;
    };
    // A task scheduled under a trace, as tracing stores it (the record's trace extension).
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await sample.app.get(TaskStore, { strict: false }).schedule([
      {
        key: 'traced:1',
        timing: { kind: 'd', amount: HOUR },
        header: recordHeader(undefined, undefined),
        payloadJson: '{"note":"traced"}',
        extensions: { trace: `00-${traceId}-00f067aa0ba902b7-01` },
      },
    ]);

    await openDashboard(sample);
    await page.goto(`${sample.url}/delay-tasks`);
    await page.click('nav [data-view="pending"]');
    const filter = page.locator('#pending-filter');
    await filter.locator('[name="pattern"]').fill('batch:*');
    await filter.locator('[name="limit"]').selectOption('20');
    await filter.locator('button[type="submit"]').click();
    await page.locator('#pending .page-info', { hasText: 'page 1, 20 tasks' }).waitFor();
    const keys = () => texts('#pending-table tbody td.key');
    expect(await keys()).toEqual(Array.from({ length: 20 }, (_, i) => batchKey(i)));
    await page.click('#pending [data-page="next"]');
    await page.locator('#pending .page-info', { hasText: 'page 2, 5 tasks' }).waitFor();
    expect(await keys()).toEqual(Array.from({ length: 5 }, (_, i) => batchKey(20 + i)));
    expect(await page.locator('#pending [data-page="next"]').isDisabled()).toBe(true);
    await page.click('#pending [data-page="previous"]');
    await page.locator('#pending .page-info', { hasText: 'page 1, 20 tasks' }).waitFor();

    // Due from batch:10 to batch:14, inclusive (the page's clock is UTC).
    const local = (ms: number) => new Date(ms).toISOString().slice(0, 19);
    await filter.locator('[name="from"]').fill(local(at(10)));
    await filter.locator('[name="to"]').fill(local(at(14)));
    await filter.locator('button[type="submit"]').click();
    await page.locator('#pending .page-info', { hasText: 'page 1, 5 tasks' }).waitFor();
    expect(await keys()).toEqual([10, 11, 12, 13, 14].map(batchKey));

    // Cancel one: gone from Redis and from the page.
    await row(batchKey(12)).locator('button', { hasText: 'Cancel' }).click();
    await page.locator('#message', { hasText: `Cancelled ${batchKey(12)}.` }).waitFor();
    await page.locator('#pending .page-info', { hasText: 'page 1, 4 tasks' }).waitFor();
    expect(await tasks.get(batchKey(12))).toBeNull();

    // Run an order's timeout now: its handler cancels the unpaid order.
    await filter.locator('[name="from"]').fill('');
    await filter.locator('[name="to"]').fill('');
    await filter.locator('[name="pattern"]').fill('order:*');
    await filter.locator('button[type="submit"]').click();
    await row(`order:${order.id}`).locator('button', { hasText: 'Run now' }).click();
    await waitFor(
      async () =>
        ((await (await fetch(`${sample.url}/orders/${order.id}`)).json()) as { status: string })
          .status === 'cancelled',
      15_000,
      'the order cancelled by its handler',
    );

    // A task's detail: payload, attempts, due time, trace id; and reschedule from it.
    await filter.locator('[name="pattern"]').fill('traced:*');
    await filter.locator('button[type="submit"]').click();
    await row('traced:1').locator('td.key button').click();
    expect(await page.locator('#detail-key').textContent()).toBe('traced:1');
    expect(JSON.parse((await page.locator('#detail-payload').textContent()) ?? '')).toEqual({
      note: 'traced',
    });
    expect(await page.locator('#detail-fields .trace').textContent()).toBe(traceId);
    const before = (await tasks.get('traced:1'))!.dueAt;
    await page.locator('#reschedule-form [name="delaySeconds"]').fill('7200');
    await page.locator('#reschedule-form button[type="submit"]').click();
    await page.locator('#message', { hasText: 'Rescheduled traced:1.' }).waitFor();
    const after = (await tasks.get('traced:1'))!.dueAt;
    expect(after - before).toBeGreaterThan(HOUR - MINUTE);
  });

  it('active and dead letters: lease owner and expiry; grouped by error, requeue and discard, one and in bulk', async () => {
    const { tasks } = sample;
    await tasks.schedule('payment:slow', { slow: true }, { delay: 0 });
    await payments.forKey('payment:slow');
    const [instance] = await tasks.instances();

    await openDashboard(sample);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${sample.url}/delay-tasks`);
    await page.click('nav [data-view="active"]');
    await row('payment:slow').waitFor();
    const activeCells = await row('payment:slow').locator('td').allTextContents();
    expect(activeCells[3]).toBe(instance.id);
    expect(activeCells[4]).toMatch(/^in \d/);
    releaseSlow();

    await page.click('nav [data-view="dead"]');
    await row('payment:3').waitFor();
    const groups = await page
      .locator('#dead-groups tbody tr')
      .evaluateAll((rows) =>
        rows.map((tr) => [tr.children[0].textContent, tr.children[1].textContent]),
      );
    expect(groups).toEqual([
      ['payment provider down', '2'],
      ['card declined', '1'],
    ]);

    failing = false;
    await row('payment:1').locator('button', { hasText: 'Requeue' }).click();
    await page.locator('#message', { hasText: 'Requeued payment:1.' }).waitFor();
    await payments.until(
      (events) => events.filter((event) => event.key === 'payment:1').length === 2,
      15_000,
      'payment:1 delivered again',
    );
    await waitFor(async () => (await tasks.get('payment:1')) === null, 15_000, 'payment:1 done');

    // In bulk: the group of one error requeued (delivered again), then everything left discarded.
    await page.locator('#dead .page-info', { hasText: '2 loaded' }).waitFor();
    await page
      .locator('#dead-groups tr', { hasText: 'payment provider down' })
      .locator('button', { hasText: 'Select these' })
      .click();
    await page.click('#dead-requeue-selected');
    await page.locator('#message', { hasText: 'Requeue: 1 done.' }).waitFor();
    await payments.until(
      (events) => events.filter((event) => event.key === 'payment:2').length === 2,
      15_000,
      'payment:2 delivered again',
    );
    await page.locator('#dead .page-info', { hasText: '1 loaded' }).waitFor();
    await page.click('#dead-select-all');
    await page.click('#dead-discard-selected');
    await page.locator('#message', { hasText: 'Discard: 1 done.' }).waitFor();
    expect((await tasks.deadLetters()).items).toEqual([]);
    expect(logs.messages('error', null).join('\n')).toContain('card declined');
    expect(logs.messages('warn')).toContain(
      'Task "payment:3" failed 1 time(s) and was dead-lettered.',
    );
  });

  it('read-only: no action in the page, and the server refuses a change made anyway (403)', async () => {
    const { tasks, url } = readOnlySample;
    await tasks.schedule('order:ro', { orderId: 'ro' }, { delay: HOUR });

    await openDashboard(readOnlySample);
    await page.goto(`${url}/delay-tasks`);
    expect(await page.locator('#read-only-badge').isVisible()).toBe(true);
    await page.click('nav [data-view="pending"]');
    await row('order:ro').waitFor();
    expect(await row('order:ro').locator('button', { hasText: 'Run now' }).isVisible()).toBe(false);
    expect(await row('order:ro').locator('button', { hasText: 'Cancel' }).isVisible()).toBe(false);

    // From the page itself, with its credentials, and from outside it.
    const fromPage = await page.evaluate(async (api) => {
      const response = await fetch(`${api}/tasks/order%3Aro/run`, { method: 'POST' });
      return { status: response.status, body: (await response.json()) as { message: string } };
    }, `${url}/delay-tasks/api`);
    // Chromium reports the refused request on the console, as it should: that one is expected.
    pageErrors.splice(
      0,
      pageErrors.length,
      ...pageErrors.filter((text) => !/status of 403/.test(text)),
    );
    expect(fromPage).toEqual({
      status: 403,
      body: expect.objectContaining({ message: expect.stringContaining('read-only') }),
    });
    const direct = await fetch(`${url}/delay-tasks/api/tasks/order%3Aro`, {
      method: 'DELETE',
      headers: { authorization: basicAuth(CREDENTIALS.username, CREDENTIALS.password) },
    });
    expect(direct.status).toBe(403);
    expect(await tasks.get('order:ro')).toMatchObject({ state: 'pending' });
  });

  it('a guard that denies blocks the page and the API', async () => {
    const api = `${sample.url}/delay-tasks/api/stats`;
    context = await chromium.browser.newContext({
      httpCredentials: { username: CREDENTIALS.username, password: 'wrong' },
    });
    page = await context.newPage();
    // The browser offers the wrong password and is refused: no page.
    const refusal = await page.goto(`${sample.url}/delay-tasks`);
    expect(refusal?.status()).toBe(401);
    expect(refusal?.headers()['www-authenticate']).toMatch(/^Basic /);
    expect(await page.locator('#overview').count()).toBe(0);

    expect((await fetch(api)).status).toBe(401);
    const wrong = { authorization: basicAuth(CREDENTIALS.username, 'wrong') };
    expect((await fetch(api, { headers: wrong })).status).toBe(401);
    expect(
      (await fetch(`${sample.url}/delay-tasks/api/tasks/x`, { method: 'DELETE', headers: wrong }))
        .status,
    ).toBe(401);
    const right = { authorization: basicAuth(CREDENTIALS.username, CREDENTIALS.password) };
    expect((await fetch(api, { headers: right })).status).toBe(200);
  });
});
