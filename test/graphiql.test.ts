/**
 * GraphiQL as a person uses it, in headless Chromium, against the server process with its
 * embedded demo services: the example tabs run, and the "Upstream calls" panel draws the
 * answer's calls, one bar per attempt, the failed ones marked, and those the cache answered.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { hasBrowser, launchBrowser } from './support/browser.js';
import { processHarness } from './support/process-harness.js';

const processes = processHarness();
const POLL = { timeout: 20_000, interval: 50 };

/** Runs tab `index` with the panel open and waits for its drawing; the bars drawn, as [service, outcome]. */
async function run(page: Page, index: number, operation: string): Promise<string[][]> {
  const panel = page.locator('.upstream-calls');
  const before = Number(await panel.getAttribute('data-answers'));
  await page.locator(`#graphiql-session-tab-${index}`).dispatchEvent('click');
  // (Monaco lays the text out with no-break spaces.)
  const editor = async () => (await page.locator('.graphiql-query-editor').textContent())?.replace(/\u00a0/g, ' ');
  await expect.poll(editor, POLL).toContain(`query ${operation}(`);
  // GraphiQL drops a run asked for while it still swaps the tab's editors: ask again until the
  // answer comes (while one runs the button is "Stop", so no second run is asked for).
  const button = page.locator('.graphiql-execute-button').first();
  const drawn = async () => {
    const answers = Number(await panel.getAttribute('data-answers'));
    if (answers === before && (await button.getAttribute('aria-label'))?.startsWith('Execute') === true) await button.click();
    return answers > before && (await panel.getAttribute('data-streaming')) === 'false';
  };
  await expect.poll(drawn, { timeout: 20_000, interval: 300 }).toBe(true);
  return page
    .locator('.upstream-call')
    .evaluateAll((bars) => bars.map((bar) => [bar.getAttribute('data-service')!, bar.getAttribute('data-outcome')!]));
}

describe.skipIf(!hasBrowser)('GraphiQL', () => {
  it('draws the upstream calls of the profile and of the partial result, the failed attempts marked', async () => {
    const { url } = await processes.server({ GRAPHIQL: 'on', UPSTREAM_CALL_LIST: 'on' });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${url}/graphql`);
      await page.locator('.graphiql-sidebar button[aria-label="Show Upstream calls"]').click();
      await expect.poll(() => page.locator('.upstream-calls').textContent(), POLL).toMatch(/Run an operation/);

      const profile = await run(page, 0, 'Profile');
      expect(new Set(profile.map(([service]) => service))).toEqual(new Set(['personal', 'professional', 'orders', 'inventory']));
      expect(profile.every(([, outcome]) => outcome === 'ok')).toBe(true);

      // User u13's professional profile fails (503, retried): its attempts are marked, the rest is not.
      const partial = await run(page, 4, 'PartialResult');
      const professional = partial.filter(([service]) => service === 'professional');
      expect(professional.length).toBeGreaterThanOrEqual(1);
      expect(professional.every(([, outcome]) => outcome === 'status')).toBe(true);
      expect(await page.locator('.upstream-call-failed').count()).toBe(professional.length);
      expect(partial.filter(([service]) => service !== 'professional').every(([, outcome]) => outcome === 'ok')).toBe(true);

      // Each row shows its route and status whole (they wrap: nothing is cut short), and its details on a click.
      const row = page.locator('.upstream-call-failed').first();
      const cut = await page
        .locator('.upstream-call-route, .upstream-call-status')
        .evaluateAll((cells) => cells.filter((cell) => cell.scrollWidth > cell.clientWidth).length);
      expect(cut).toBe(0);
      expect(await row.locator('.upstream-call-route').textContent()).toContain('/profiles/{userId}');
      expect(await row.locator('.upstream-call-status').textContent()).toContain('HTTP 503');
      expect(await page.locator('.upstream-call-details').count()).toBe(0);
      await row.click();
      await expect
        .poll(() => row.locator('.upstream-call-details').textContent(), POLL)
        .toMatch(/^professional GET \/profiles\/\{userId\}, attempt 1: HTTP 503, status, limit \d+; started at/);
      await page.locator('.upstream-calls').screenshot({ path: process.env.GRAPHIQL_SCREENSHOT ?? join(tmpdir(), 'upstream-calls.png') });

      // The profile again: the demo services' answers may be reused, and the panel says which calls the cache answered.
      await run(page, 0, 'Profile');
      const bars = await page.locator('.upstream-call').allTextContents();
      expect(bars.filter((bar) => bar.includes('cache (memory)')).length).toBeGreaterThanOrEqual(3);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
