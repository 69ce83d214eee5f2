// A gate judges the release staging runs: before k6, Playwright, Lighthouse and prod's `pulumi up`,
// this checks that staging's latest GitHub deployment is this run's commit. A gate re-run after a
// later merge deployed staging would otherwise judge the later release while prod then receives
// this run's images. Exit 1 with the two commits when they differ; 2 when it cannot tell.
// Needs GITHUB_TOKEN (permissions: deployments: read), GITHUB_REPOSITORY, GITHUB_SHA.
const { GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_SHA } = process.env;
const api = process.env.GITHUB_API_URL || 'https://api.github.com';
if (!GITHUB_TOKEN || !GITHUB_REPOSITORY || !/^[0-9a-f]{40}$/.test(GITHUB_SHA || '')) {
  console.error('staging_runs_release: GITHUB_TOKEN, GITHUB_REPOSITORY and GITHUB_SHA are required');
  process.exit(2);
}
const url = `${api}/repos/${GITHUB_REPOSITORY}/deployments?environment=staging&per_page=1`;
let deployed;
try {
  const response = await fetch(url, {
    headers: { Authorization: `Bearer ${GITHUB_TOKEN}`, Accept: 'application/vnd.github+json' },
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  deployed = (await response.json())[0]?.sha;
} catch (error) {
  console.error(`staging_runs_release: cannot read staging's deployments (${error.message})`);
  process.exit(2);
}
if (deployed !== GITHUB_SHA) {
  console.error(
    `staging's latest deployment is ${deployed ?? 'none'}, but this run judges ${GITHUB_SHA}: ` +
      're-run the whole workflow from the staging deploy, not this job alone',
  );
  process.exit(1);
}
console.log(`staging runs ${GITHUB_SHA}, the release this run judges`);
