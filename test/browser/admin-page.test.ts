import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/index.js';
import { coreOf } from '../../src/testing.js';
import { seedExample } from '../helpers/bodies.js';
import { envelope } from '../helpers/sandbox.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log('browser tests skipped: chromium not found at /usr/bin/chromium');

// The README's screenshot is refreshed only when asked (GPC_UPDATE_SCREENSHOT=1), so a test run
// leaves the work tree clean; otherwise the page is still captured, to a temporary directory.
const DOCS = process.env['GPC_UPDATE_SCREENSHOT']
  ? fileURLToPath(new URL('../../docs/', import.meta.url))
  : `${mkdtempSync(join(tmpdir(), 'gpc-shot-'))}/`;
const WAIT = { timeout: 10_000 };

let browser: Browser;
let sandbox: RunningSandbox | undefined;

/** A page that records console errors and uncaught exceptions. */
async function openPage(options: { clipboard?: boolean } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'en-GB',
    ...(options.clipboard ? { permissions: ['clipboard-read', 'clipboard-write'] } : {}),
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors };
}

/** Free slots of a GP Connect-bookable schedule that start after the sandbox clock's now. */
function freeSlots(sb: RunningSandbox): string[] {
  const state = sb.state();
  const now = Date.parse(state.clock.now);
  return state.slots
    .filter(
      (s) => s['status'] === 'free' && Date.parse(String(s['start'])) > now && String(s.id).startsWith('s1-'),
    )
    .map((s) => String(s.id));
}

async function book(sb: RunningSandbox, slotId: string, patientId = '1') {
  const res = await fetch(`${sb.fhirBase}/Appointment`, {
    method: 'POST',
    headers: { ...envelope('create:appointment-1'), 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(seedExample(slotId, patientId)),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

/** Form controls without a label and buttons without a name (the page runs this; no DOM types here). */
async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const out = [];
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.labels.length === 0 && !el.getAttribute('aria-label')) out.push(el.id || el.outerHTML);
    }
    for (const el of document.querySelectorAll('button')) {
      if (!el.textContent.trim() && !el.getAttribute('aria-label')) out.push(el.outerHTML);
    }
    return out;
  })()`);
}

describe.skipIf(!hasChromium)('the admin page in a browser', () => {
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it('shows the seed, a booking and its journal entry live, and resets', async () => {
    // A frozen clock keeps the screenshot the same from run to run.
    sandbox = await startSandbox({ port: 0, clock: '2026-06-01T08:00:00+01:00' });
    const { page, errors } = await openPage({ clipboard: true });
    await page.goto(`${sandbox.url}/_admin/`);

    await page.locator('#patients-body', { hasText: 'Imran Johnson' }).waitFor(WAIT);
    await expect.poll(() => page.locator('#count-patients').textContent(), WAIT).toBe('31');
    expect(await page.locator('#appointments-empty').isVisible()).toBe(true);
    expect(await page.locator('#slot-grid .chip.free').count()).toBeGreaterThan(10);

    const [slotId, otherSlot] = freeSlots(sandbox).slice(3);
    const booked = await book(sandbox, slotId!);

    const row = page.locator(`[data-appointment="${booked.id}"]`);
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain('Imran Johnson');
    expect(await row.textContent()).toContain('booked');
    expect(await row.textContent()).toContain('Free text description.');
    await expect.poll(() => page.locator('#count-appointments').textContent(), WAIT).toBe('1');

    const entry = page.locator('#journal li', { hasText: '/Appointment' }).first();
    await entry.waitFor(WAIT);
    expect(await entry.locator('summary').textContent()).toMatch(/201\s*POST\s*\/Appointment/);
    await entry.locator('summary').click();
    await entry.getByText('Request body').waitFor(WAIT);
    expect(await entry.locator('pre').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining(`"reference": "Slot/${slotId}"`)]),
    );
    await entry.getByRole('button', { name: 'Copy as curl' }).click();
    await page.locator('#toast', { hasText: 'curl' }).waitFor(WAIT);
    const curl = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(curl).toContain(`curl -i -X POST '${sandbox.url}/Appointment'`);
    expect(curl).toMatch(
      /-H 'ssp-interactionid: urn:nhs:names:services:gpconnect:fhir:rest:create:appointment-1'/i,
    );
    expect(curl).toContain('--data-raw');

    // More to show in the README's screenshot: a second booking and one made at the practice.
    await book(sandbox, otherSlot!, '2');
    const fixture = await fetch(`${sandbox.url}/_admin/appointments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        patientId: '3',
        scheduleId: 's3',
        start: '2026-06-01T11:00:00+01:00',
        origin: 'not-gpconnect',
        description: 'Asthma review',
      }),
    });
    expect(fixture.status).toBe(201);
    await expect.poll(() => page.locator('#count-appointments').textContent(), WAIT).toBe('3');
    await page.locator('#appointments-body', { hasText: 'not GP Connect' }).waitFor(WAIT);

    // Arm a preset fault from the page; its explanation shows in the list.
    await page.getByRole('button', { name: 'Slow bookings' }).click();
    await page.getByRole('button', { name: 'Arm', exact: true }).click();
    await page.locator('#faults li', { hasText: 'slow-bookings' }).waitFor(WAIT);
    expect(await page.locator('#faults .fault-explain').first().textContent()).toContain('POST /Appointment');

    expect(await unlabelledControls(page)).toEqual([]);
    await page.evaluate(`document.getElementById('toast').className = 'toast'`);
    mkdirSync(DOCS, { recursive: true });
    await page.screenshot({ path: `${DOCS}admin-page.png`, fullPage: true, animations: 'disabled' });

    page.once('dialog', (dialog) => {
      expect(dialog.type()).toBe('confirm');
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'Reset…' }).click();
    await page.locator('#appointments-empty').waitFor({ state: 'visible', ...WAIT });
    expect(await row.count()).toBe(0);
    await expect.poll(() => page.locator('#journal li').count(), WAIT).toBe(0);
    await expect.poll(() => page.locator('#faults li').count(), WAIT).toBe(0);
    expect(sandbox.state().counts.appointments).toBe(0);

    // Narrow screens: one column, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

    expect(errors).toEqual([]);
  });

  it('drives the scenario, the faults, the clock and the session from the page', async () => {
    sandbox = await startSandbox({ port: 0, clock: '2026-06-01T08:00:00+01:00' });
    const { page, errors } = await openPage();
    await page.goto(`${sandbox.url}/_admin/`);
    await page.locator('#patients-body', { hasText: 'Imran Johnson' }).waitFor(WAIT);

    await page.getByLabel('Active scenario').selectOption('slot-race');
    await page.getByRole('button', { name: 'Switch' }).click();
    await page.locator('#faults li', { hasText: 'first-booking-loses-the-race' }).waitFor(WAIT);
    expect(await page.locator('#scenario-description').textContent()).toContain('another consumer');
    expect(coreOf(sandbox).scenarioName).toBe('slot-race');
    await page.getByRole('button', { name: 'Disarm first-booking-loses-the-race' }).click();
    await expect
      .poll(() => page.locator('#faults li', { hasText: 'first-booking-loses-the-race' }).count(), WAIT)
      .toBe(0);

    await page.getByRole('button', { name: '+1 hour' }).click();
    await page.locator('#clock-now', { hasText: '09:00:00' }).waitFor(WAIT);
    expect(sandbox.state().clock.now).toBe('2026-06-01T09:00:00+01:00');

    // A rule the sandbox refuses: the form says which field (the 400 is in the console, as expected).
    await page.getByLabel('Arm a rule (JSON)').fill('{"name": "bad", "delay": {"fixed": "soon"}}');
    await page.getByRole('button', { name: 'Arm', exact: true }).click();
    await page.locator('#arm-error', { hasText: 'delay.fixed' }).waitFor(WAIT);

    await page.getByLabel('Session').fill('demo-session');
    await page.getByRole('button', { name: 'View' }).click();
    await page.locator('#sandbox-info', { hasText: 'session demo-session' }).waitFor(WAIT);
    // A new session starts with the active scenario's rules, the one disarmed above included.
    await expect.poll(() => page.locator('#faults li').count(), WAIT).toBe(2);
    expect(sandbox.session('demo-session').state().session).toBe('demo-session');

    expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  });

  it('asks once for the admin token and keeps it for the tab', async () => {
    sandbox = await startSandbox({ port: 0, adminToken: 'demo-token' });
    const { page, errors } = await openPage();
    await page.goto(`${sandbox.url}/_admin/`);
    const dialog = page.getByRole('dialog', { name: 'Admin token' });
    await dialog.waitFor(WAIT);
    await page.getByLabel('Token', { exact: true }).fill('wrong');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#token-error', { hasText: 'not accepted' }).waitFor(WAIT);
    await page.getByLabel('Token', { exact: true }).fill('demo-token');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#patients-body', { hasText: 'Imran Johnson' }).waitFor(WAIT);
    expect(await dialog.isVisible()).toBe(false);

    await page.reload();
    await page.locator('#patients-body', { hasText: 'Imran Johnson' }).waitFor(WAIT);
    expect(await dialog.isVisible()).toBe(false);
    expect(errors).toEqual([]);
  });
});
