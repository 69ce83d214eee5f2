// One URL per key page (pages.json) on BASE_URL, for `lhci autorun --collect.url=...`.
import { readFileSync } from 'node:fs';

const base = (process.env.BASE_URL || '').replace(/\/+$/, '');
if (!/^https?:\/\//.test(base)) {
  console.error('BASE_URL must be an http(s) URL, e.g. BASE_URL=https://staging.example.com');
  process.exit(2);
}
const { pages } = JSON.parse(readFileSync(new URL('./pages.json', import.meta.url), 'utf8'));
if (!Array.isArray(pages) || pages.length === 0 || !pages.every((p) => /^\/\S*$/.test(p))) {
  console.error('pages.json: "pages" must be a non-empty list of paths starting with /');
  process.exit(2);
}
for (const page of pages) console.log(`${base}${page}`);
