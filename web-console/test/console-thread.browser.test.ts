import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AlertView } from '@varsel/shared';
import { launchChromium } from '../../test-support/browser.js';
import {
  ApiClient,
  SIREN,
  TEST_ADMIN_PASSWORD,
  TestAgent,
  createEnrollmentToken,
  enrollDevices,
  startVarsel,
  testPrefix,
  type TestVarsel,
} from '../../test-support/varsel.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const AGENTS = 6;
/** The first three agents acknowledge the siren; the other three only display it. */
const ACKNOWLEDGING = 3;

async function login(page: Page, url: string, username = 'admin', password = TEST_ADMIN_PASSWORD): Promise<void> {
  await page.goto(url);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('session-user').waitFor();
}

describe('a siren thread in the console, in a real browser', () => {
  let v: TestVarsel;
  let browser: Browser;
  let admin: ApiClient;
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    v = await startVarsel({ redisUrl: inject('redisUrl'), prefix: testPrefix(), env: { COUNTS_PUSH_MS: '100' } });
    admin = await ApiClient.login(v.url);
    const devices = await enrollDevices(v.url, await createEnrollmentToken(admin), AGENTS);
    devices.forEach((d, i) => {
      const a = new TestAgent(v.url, d);
      a.socket.on('alert:created', (alert) => {
        void a.report(alert.id, 'delivered');
        if (alert.msgType !== 'alert') return;
        void a.report(alert.id, 'displayed');
        if (i < ACKNOWLEDGING) setTimeout(() => void a.report(alert.id, 'acknowledged'), 200);
      });
      agents.push(a);
    });
    await Promise.all(agents.map((a) => a.connected()));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    agents.forEach((a) => a.close());
    await v?.close();
  });

  it('sends a siren, updates it and then cancels it from the console, and shows the whole thread as Annulleret', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, locale: 'da-DK' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await login(page, v.url);

    await page.getByTestId('nav-compose').click();
    await page.getByTestId('compose-kind-siren').check();
    await page.getByTestId('compose-status-exercise').check();
    await page.getByTestId('compose-title-da').fill('Røg i kælderen på Rådhuset');
    await page.getByTestId('compose-body-da').fill('Forlad bygningen ad nærmeste nødudgang.');
    await page.getByTestId('audience-all').check();
    expect(await page.getByTestId('compose-expires').getAttribute('placeholder')).toBe('240');
    await page.getByTestId('compose-expires').fill('90');
    await page.getByTestId('compose-repeat').fill('3');
    await page.screenshot({ path: `${ARTIFACTS}console-thread-compose.png`, fullPage: true });
    await page.getByTestId('compose-next').click();
    expect(await page.getByTestId('confirm-expires').textContent()).toBe('1 t 30 min');
    await page.getByTestId('confirm-input').fill('SIRENE');
    await page.getByTestId('confirm-send').click();

    // The live view: active, with the actions of a duty officer, and who has not acknowledged.
    await expect.poll(() => page.getByTestId('thread-status').getAttribute('data-status'), { timeout: 15_000 }).toBe('active');
    expect(await page.getByTestId('thread-status').textContent()).toBe('Aktiv');
    await expect.poll(() => page.getByTestId('count-acknowledged').textContent(), { timeout: 15_000 }).toBe(String(ACKNOWLEDGING));
    await page.getByTestId('unacked-refresh').click();
    await expect.poll(() => page.locator('[data-testid^="unacked-row-"]').count(), { timeout: 10_000 }).toBe(AGENTS - ACKNOWLEDGING);
    expect(await page.getByTestId('unacked-total').textContent()).toBe(String(AGENTS - ACKNOWLEDGING));
    // The admin may read devices, so the rows carry host names and the state the device reached.
    const unackedText = await page.getByTestId('unacked-table').textContent();
    expect(unackedText).toMatch(/pc-\d/);
    expect(unackedText).toContain('Vist');
    const alertId = page.url().split('/').pop() ?? '';

    // Update: a new Danish text and a new expiry.
    await page.getByTestId('action-update').click();
    expect(await page.getByTestId('update-title-da').inputValue()).toBe('Røg i kælderen på Rådhuset');
    await page.getByTestId('update-body-da').fill('Brandvæsenet er på stedet. Hold afstand til indgang A.');
    await page.getByTestId('update-expires').fill('abc');
    await page.getByTestId('update-submit').click();
    expect(await page.locator('[data-testid="update-form"] .field-error:not([hidden])').first().textContent()).toBe('Skal være et helt tal fra 1 til 10080.');
    await page.getByTestId('update-expires').fill('60');
    await page.getByTestId('update-submit').click();
    await expect.poll(() => page.getByTestId('thread').getAttribute('data-count')).toBe('2');
    expect(await page.getByTestId('action-message').getAttribute('data-tone')).toBe('ok');
    expect(await page.locator('[data-msg-type="update"]').textContent()).toContain('Brandvæsenet er på stedet');
    expect(await page.getByTestId('thread-status').getAttribute('data-status')).toBe('active');
    await page.screenshot({ path: `${ARTIFACTS}console-thread-updated.png`, fullPage: true });

    // Cancel: one confirming click, nothing to type.
    await page.getByTestId('action-cancel').click();
    expect(await page.getByTestId('cancel-ask').textContent()).toContain('falsk alarm');
    expect(await page.locator('[data-testid="cancel-step"] input, [data-testid="cancel-step"] textarea').count()).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}console-thread-cancel-step.png` });
    await page.getByTestId('cancel-confirm').click();

    await expect.poll(() => page.getByTestId('thread-status').getAttribute('data-status'), { timeout: 10_000 }).toBe('cancelled');
    expect(await page.getByTestId('thread-status').textContent()).toBe('Annulleret');
    expect(await page.getByTestId('thread').getAttribute('data-count')).toBe('3');
    expect(await page.locator('[data-testid="thread"] > li').evaluateAll((items) => items.map((li) => li.getAttribute('data-msg-type')))).toEqual(['alert', 'update', 'cancel']);
    expect(await page.locator('[data-testid="thread"] [data-testid="thread-author"]').allTextContents()).toEqual(['admin', 'admin', 'admin']);
    expect(await page.getByTestId('action-update').count()).toBe(0);
    expect(await page.getByTestId('action-cancel').count()).toBe(0);
    // The devices that had not acknowledged are now counted as cancelled.
    await expect.poll(() => page.getByTestId('count-cancelled').textContent(), { timeout: 10_000 }).toBe(String(AGENTS - ACKNOWLEDGING));
    expect(await page.getByTestId('count-cancelled').isVisible()).toBe(true);
    expect(await page.getByTestId('count-expired').isVisible()).toBe(false);
    // The list follows by itself: the closed counts grew, so it was fetched again.
    await expect.poll(() => page.locator('[data-testid^="unacked-state-"]').allTextContents()).toEqual(Array(AGENTS - ACKNOWLEDGING).fill('Annulleret'));
    await page.screenshot({ path: `${ARTIFACTS}console-thread-cancelled.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${ARTIFACTS}console-thread-cancelled-phone.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 1000 });

    // Every agent got the original, the update and the cancellation.
    for (const a of agents) expect(a.received.map((m) => m.msgType).sort()).toEqual(['alert', 'cancel', 'update']);

    // The list marks the original as cancelled; updates are not rows of their own.
    await page.getByTestId('nav-alerts').click();
    await expect.poll(() => page.getByTestId(`alert-thread-status-${alertId}`).getAttribute('data-status')).toBe('cancelled');
    expect(await page.locator('[data-testid^="alert-row-"]').count()).toBe(1);
    await page.screenshot({ path: `${ARTIFACTS}console-thread-list.png`, fullPage: true });
    expect(errors).toEqual([]);
  });

  it('says so clearly and refreshes when an update meets an alert someone else has just cancelled', async () => {
    const sent = await admin.request<AlertView>('POST', '/api/alerts', SIREN);
    expect(sent.status).toBe(201);
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, locale: 'da-DK' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // This page never hears alert:created, as if the cancellation overtook its live connection.
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((message) => {
        if (typeof message === 'string' && message.includes('"alert:created"')) return;
        ws.send(message);
      });
    });
    await login(page, v.url);
    await page.goto(`${v.url}/#/alerts/${sent.body.id}`);
    await page.getByTestId('action-update').click();
    await page.getByTestId('update-body-da').fill('Ny tekst, der kommer for sent.');

    expect((await admin.request('POST', `/api/alerts/${sent.body.id}/cancel`, {})).status).toBe(201);
    await page.getByTestId('update-submit').click();

    await expect.poll(() => page.getByTestId('action-message').getAttribute('data-tone')).toBe('closed');
    expect(await page.getByTestId('action-message').textContent()).toContain('kan ikke ændres');
    await expect.poll(() => page.getByTestId('thread-status').getAttribute('data-status')).toBe('cancelled');
    expect(await page.getByTestId('action-update').count()).toBe(0);
    expect(await page.getByTestId('thread').getAttribute('data-count')).toBe('2');
    await expect.poll(() => page.locator('[data-testid^="unacked-state-"]').allTextContents()).toEqual(Array(AGENTS - ACKNOWLEDGING).fill('Annulleret'));
    await page.screenshot({ path: `${ARTIFACTS}console-thread-closed-409.png`, fullPage: true });
    expect(errors).toEqual([]);
  });

  it('lets a duty officer give the all clear, which a manager watching the same alert sees live without any actions of their own', async () => {
    const password = 'a-long-test-password';
    for (const [username, role] of [['vagt1', 'duty_officer'], ['leder1', 'manager']] as const) {
      expect((await admin.request('POST', '/api/users', { username, password, role })).status).toBe(201);
    }
    const sent = await admin.request<AlertView>('POST', '/api/alerts', SIREN);
    const manager = await browser.newPage({ viewport: { width: 1280, height: 1000 }, locale: 'da-DK' });
    const officer = await browser.newPage({ viewport: { width: 1280, height: 1000 }, locale: 'da-DK' });
    const errors: string[] = [];
    for (const p of [manager, officer]) p.on('pageerror', (e) => errors.push(e.message));

    await login(manager, v.url, 'leder1', password);
    await manager.goto(`${v.url}/#/alerts/${sent.body.id}`);
    await expect.poll(() => manager.getByTestId('thread-status').getAttribute('data-status')).toBe('active');
    expect(await manager.getByTestId('thread-actions').isVisible()).toBe(false);
    await expect.poll(() => manager.locator('[data-testid^="unacked-row-"]').count(), { timeout: 10_000 }).toBeGreaterThan(0);

    await login(officer, v.url, 'vagt1', password);
    await officer.goto(`${v.url}/#/alerts/${sent.body.id}`);
    await officer.getByTestId('action-allclear').click();
    expect(await officer.getByTestId('allclear-title-da').inputValue()).toBe('Faren er drevet over');
    await officer.getByTestId('allclear-submit').click();
    await expect.poll(() => officer.getByTestId('thread-status').getAttribute('data-status')).toBe('allclear');
    expect(await officer.getByTestId('thread-status').textContent()).toBe('Afblæst');
    expect(await officer.getByTestId('action-allclear').count()).toBe(0);
    // A duty officer may not read the device registry: the list shows device ids without host names.
    await expect.poll(() => officer.locator('[data-testid="unacked-table"] th').allTextContents()).toEqual(['Enheds-id', 'Seneste status', 'Tidspunkt']);

    await expect.poll(() => manager.getByTestId('thread-status').getAttribute('data-status'), { timeout: 10_000 }).toBe('allclear');
    expect(await manager.locator('[data-testid="thread"] > li').last().getAttribute('data-msg-type')).toBe('allclear');
    expect(await manager.locator('[data-testid="thread"] > li').last().textContent()).toContain('vagt1');
    await manager.screenshot({ path: `${ARTIFACTS}console-thread-allclear-manager.png`, fullPage: true });
    expect(errors).toEqual([]);
  });
});
