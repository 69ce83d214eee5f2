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
  retries: process.env.CI ? 1 : 0,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
});
