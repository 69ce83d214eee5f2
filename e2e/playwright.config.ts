// Playwright settings for the post-deploy smoke test. The target comes from BASE_URL (the
// stack's publicUrl), so the same test runs against staging, prod or a local `next start`.
import { defineConfig, devices } from '@playwright/test';

const baseURL = process.env.BASE_URL;
if (!baseURL || !/^https?:\/\//.test(baseURL)) {
  throw new Error('BASE_URL must be the http(s) URL to test, e.g. BASE_URL=https://staging.example.com');
}

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  // Pinned, not read from the environment: one retry for a network blip through CloudFront, and
  // a `test.only` left in a spec fails the run (tests/delivery/gate_properties.py).
  retries: 1,
  forbidOnly: true,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
});
