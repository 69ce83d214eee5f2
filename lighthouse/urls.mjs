// One URL per key page and per judged endpoint (pages.json) on BASE_URL, for
// `lhci autorun --collect.url=...`. Pages are HTML routes, judged in all four categories;
// endpoints are the app's route handlers under /api/ (JSON), judged in performance and best
// practices (lighthouserc.json's assertMatrix picks the set by the /api/ prefix).
import { readFileSync } from 'node:fs';

const base = (process.env.BASE_URL || '').replace(/\/+$/, '');
if (!/^https?:\/\//.test(base)) {
  console.error('BASE_URL must be an http(s) URL, e.g. BASE_URL=https://staging.example.com');
  process.exit(2);
}
const { pages, endpoints = [] } = JSON.parse(
  readFileSync(new URL('./pages.json', import.meta.url), 'utf8'),
);
const paths = (list) => Array.isArray(list) && list.every((p) => /^\/\S*$/.test(p));
if (!paths(pages) || pages.length === 0 || pages.some((p) => p.startsWith('/api/'))) {
  console.error('pages.json: "pages" must be a non-empty list of paths starting with / (not /api/)');
  process.exit(2);
}
if (!paths(endpoints) || !endpoints.every((p) => p.startsWith('/api/'))) {
  console.error('pages.json: "endpoints" must be a list of paths under /api/');
  process.exit(2);
}
for (const path of [...pages, ...endpoints]) console.log(`${base}${path}`);
