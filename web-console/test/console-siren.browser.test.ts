import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../test-support/browser.js';
import {
  ApiClient,
  TEST_ADMIN_PASSWORD,
  TestAgent,
  createEnrollmentToken,
  enrollDevices,
  startVarsel,
  testPrefix,
  type TestVarsel,
} from '../../test-support/varsel.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const AGENTS = 25;

describe('the console, in a real browser', () => {
  let v: TestVarsel;
  let browser: Browser;
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    v = await startVarsel({ redisUrl: inject('redisUrl'), prefix: testPrefix(), env: { COUNTS_PUSH_MS: '100' } });
    const admin = await ApiClient.login(v.url);
    const devices = await enrollDevices(v.url, await createEnrollmentToken(admin), AGENTS);
    for (const d of devices) {
      const a = new TestAgent(v.url, d);
      // Each simulated person acknowledges after a different pause, so the counts visibly climb.
      a.socket.on('alert:created', (alert) => {
        void a.report(alert.id, 'delivered');
        setTimeout(() => void a.report(alert.id, 'displayed'), 200);
        setTimeout(() => void a.report(alert.id, 'acknowledged'), 400 + Math.random() * 1600);
      });
      agents.push(a);
    }
    await Promise.all(agents.map((a) => a.connected()));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    agents.forEach((a) => a.close());
    await v?.close();
  });

  it('logs in, sends a siren to everyone after typing SIRENE, and watches acknowledged reach every agent without reloading', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'da-DK' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(v.url);

    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(TEST_ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();

    await page.getByTestId('nav-compose').click();
    await page.getByTestId('compose-kind-siren').check();
    await page.getByTestId('compose-title-da').fill('Strømsvigt på Rådhuset');
    await page.getByTestId('compose-body-da').fill('Forlad bygningen ad nærmeste nødudgang, og mød op på Rådhuspladsen.');
    await page.getByTestId('audience-all').check();
    await page.getByTestId('compose-next').click();

    await expect.poll(() => page.getByTestId('confirm-devices').textContent()).toBe(String(AGENTS));
    const send = page.getByTestId('confirm-send');
    expect(await send.isDisabled()).toBe(true);
    await page.getByTestId('confirm-input').fill('SIREN');
    expect(await send.isDisabled()).toBe(true);
    await page.getByTestId('confirm-input').fill('SIRENE');
    expect(await send.isDisabled()).toBe(false);

    // A marker on window survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    await send.click();

    await expect.poll(() => page.getByTestId('count-targeted').textContent(), { timeout: 15_000 }).toBe(String(AGENTS));
    await expect.poll(() => page.getByTestId('count-acknowledged').textContent(), { timeout: 30_000 }).toBe(String(AGENTS));
    expect(await page.getByTestId('count-delivered').textContent()).toBe(String(AGENTS));
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}console-siren-acknowledged.png`, fullPage: true });

    for (const a of agents) expect(a.received).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
