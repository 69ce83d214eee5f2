// Performance regression gate: a short constant-rate load through CloudFront.
//
// The thresholds below are the owners' targets from perf/targets.json (p99 < 500 ms,
// error rate < 0.1 %, CloudFront cache hit rate > 80 % on cacheable routes);
// tests/delivery/test_k6_thresholds.py fails if they drift apart. k6 exits non-zero
// (99) when a threshold is crossed, which fails the deploy before prod.
//
// The cache hit rate is measured only on paths CloudFront is meant to cache: the hashed build
// assets under /_next/static/ (the "static" cache behaviour, cached a year) that the home page
// links to, plus any page named in CACHED_PATHS whose Cache-Control lets CloudFront keep it.
// Pages and the API are requested too (latency, errors) but never count towards cache_hit.
//
// Run against any URL:
//   k6 run -e BASE_URL=https://staging.example.com perf/k6/smoke.js
// Optional: -e CACHED_PATHS=/about,/blog -e API_PATH=/api/health
//
// The scenario is fixed here (20 iterations a second for a minute, three requests each): a
// command-line --duration, --vus, --iterations or --stage replaces it with k6's default scenario,
// on which every `{scenario:steady}` threshold would pass with no sample. So setup() refuses any
// run whose scenarios are not exactly this one (exec.test.options holds the options after every
// override), and `http_reqs{scenario:steady}` must count at least perf/targets.json's
// min_requests_per_run (tests/delivery/gate_properties.py holds both).

import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { Rate } from 'k6/metrics';

const BASE_URL = (__ENV.BASE_URL || '').replace(/\/+$/, '');
if (!/^https?:\/\//.test(BASE_URL)) {
  throw new Error(
    'BASE_URL must be an http(s) URL, e.g. k6 run -e BASE_URL=https://staging.example.com perf/k6/smoke.js',
  );
}
// Pages meant to be cached (ISR or static pages); none by default: `/` may be dynamic.
const CACHED_PATHS = (__ENV.CACHED_PATHS || '').split(',').map((p) => p.trim()).filter(Boolean);
// The cache behaviour whose objects never change for a given URL (components/cache_behaviours.py).
const STATIC_PREFIX = '/_next/static/';
const MAX_ASSETS = 20;
const API_PATH = __ENV.API_PATH || '/api/health';
const RATE = 20;
const DURATION = '1m';
const DURATION_SECONDS = 60;
const WARMUP_REQUESTS = parseInt(__ENV.WARMUP_REQUESTS || '3', 10);

// Share of responses on cacheable routes that CloudFront served from its cache.
const cacheHit = new Rate('cache_hit');

export const options = {
  scenarios: {
    steady: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: Math.max(RATE, 5),
      maxVUs: RATE * 5,
    },
  },
  // Only the measured scenario counts: the warm-up in setup() fills CloudFront's cache.
  thresholds: {
    'http_req_duration{scenario:steady}': ['p(99)<500'],
    'http_req_failed{scenario:steady}': ['rate<0.001'],
    'checks{scenario:steady}': ['rate>0.999'],
    'cache_hit{scenario:steady}': ['rate>0.8'],
    'http_reqs{scenario:steady}': ['count>=3240'],
  },
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

// CloudFront answers "Hit from cloudfront" (or "RefreshHit from cloudfront") from its cache.
function servedFromCache(res) {
  return /^(Hit|RefreshHit) from cloudfront/i.test(res.headers['X-Cache'] || '');
}

// The hashed assets the home page links to: what every viewer's browser fetches next.
function staticAssets(html) {
  const pattern = /["'(](\/_next\/static\/[^"'()\s?#]+)/g;
  const found = new Set();
  for (const match of html.matchAll(pattern)) found.add(match[1]);
  return [...found].slice(0, MAX_ASSETS);
}

// A Go-style duration ("1m", "1m0s", "60s", "60000ms") in seconds; NaN when unreadable.
function durationSeconds(value) {
  const units = { h: 3600, m: 60, s: 1, ms: 0.001 };
  const text = String(value);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return NaN;
  return parts.reduce((sum, p) => sum + parseFloat(p[1]) * units[p[2]], 0);
}

// The run's scenarios after every command-line and environment override: exactly `steady`, as
// committed, or the run stops here (k6 exits non-zero when setup() throws).
function assertScenarioIsCommitted() {
  const scenarios = exec.test.options.scenarios || {};
  const steady = scenarios.steady || {};
  const names = Object.keys(scenarios);
  if (
    names.length !== 1 ||
    steady.executor !== 'constant-arrival-rate' ||
    steady.rate !== RATE ||
    durationSeconds(steady.duration) !== DURATION_SECONDS
  ) {
    throw new Error(
      `the steady scenario was replaced (scenarios: ${JSON.stringify(scenarios)}); run k6 with ` +
        'no --duration, --vus, --iterations or --stage option',
    );
  }
}

export function setup() {
  assertScenarioIsCommitted();
  const home = http.get(`${BASE_URL}/`, { tags: { name: 'discover /' } });
  if (home.status !== 200) {
    throw new Error(`GET ${BASE_URL}/ answered ${home.status}: cannot find the cached assets`);
  }
  const cached = [...staticAssets(home.body || ''), ...CACHED_PATHS];
  if (cached.length === 0) {
    throw new Error(`no ${STATIC_PREFIX} asset linked from ${BASE_URL}/ and no CACHED_PATHS`);
  }
  for (const path of cached) {
    for (let i = 0; i < WARMUP_REQUESTS; i += 1) {
      http.get(`${BASE_URL}${path}`, { tags: { name: 'warmup' } });
    }
  }
  return { cached };
}

export default function (data) {
  const page = http.get(`${BASE_URL}/`, { tags: { name: '/' } });
  check(page, {
    'page status is 200': (r) => r.status === 200,
    'page went through CloudFront (x-cache header)': (r) => r.headers['X-Cache'] !== undefined,
  });

  const path = data.cached[Math.floor(Math.random() * data.cached.length)];
  const asset = http.get(`${BASE_URL}${path}`, { tags: { name: 'cached' } });
  check(asset, {
    'cached path status is 200': (r) => r.status === 200,
    'cached path went through CloudFront (x-cache header)': (r) => r.headers['X-Cache'] !== undefined,
    'cache hit carries an age header': (r) => !servedFromCache(r) || r.headers['Age'] !== undefined,
  });
  cacheHit.add(servedFromCache(asset));

  const api = http.get(`${BASE_URL}${API_PATH}`, { tags: { name: API_PATH } });
  check(api, {
    'api status is 200': (r) => r.status === 200,
    'api went through CloudFront (x-cache header)': (r) => r.headers['X-Cache'] !== undefined,
  });
}
