// Post-deploy smoke: the page renders in a real browser and an API route answers, both through
// CloudFront. BASE_URL is the stack's publicUrl; API_PATH defaults to the Next.js health route.
import { expect, test } from '@playwright/test';

const API_PATH = process.env.API_PATH ?? '/api/health';

test('home page renders through CloudFront with all its assets', async ({ page, baseURL }) => {
  const pageErrors: string[] = [];
  const brokenAssets: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('response', (response) => {
    // Same-origin bundles that 404 are the classic symptom of version skew during a rollout;
    // images (a missing favicon, say) are left out.
    const kind = response.request().resourceType();
    if (
      ['document', 'script', 'stylesheet', 'fetch', 'xhr'].includes(kind) &&
      response.url().startsWith(baseURL ?? '') &&
      response.status() >= 400
    ) {
      brokenAssets.push(`${response.status()} ${kind} ${response.url()}`);
    }
  });

  const response = await page.goto('/', { waitUntil: 'load' });

  expect(response, 'navigation returned no response').not.toBeNull();
  expect(response!.status(), 'home page status').toBeLessThan(400);
  expect(response!.headers()['x-cache'] ?? '', 'served through CloudFront').toMatch(/cloudfront/i);
  await expect(page.locator('body')).toBeVisible();
  await expect(page.locator('body')).not.toBeEmpty();
  expect(pageErrors, 'uncaught errors in the page').toEqual([]);
  expect(brokenAssets, 'same-origin requests that failed').toEqual([]);
});

test('API route answers through CloudFront', async ({ request }) => {
  const response = await request.get(API_PATH);

  expect(response.status(), `${API_PATH} status`).toBe(200);
  expect(response.headers()['x-cache'] ?? '', 'served through CloudFront').toMatch(/cloudfront/i);
  expect((await response.body()).length, `${API_PATH} body`).toBeGreaterThan(0);
});
