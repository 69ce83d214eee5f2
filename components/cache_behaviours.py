"""How CloudFront caches a self-hosted Next.js app (App Router) behind one ALB origin, as data.

The distribution in `components/cdn.py` is built from these values; tests and docs read them too.
Three facts about Next.js drive the shape:

- Hashed build output under `/_next/static/` never changes for a given URL (Next.js sends
  `public, max-age=31536000, immutable`), so it is cached for a year and compressed at the edge.
- A page URL serves two different bodies: HTML for a full load and an RSC payload for client
  navigation, told apart only by request headers (`rsc`, `next-router-prefetch`,
  `next-router-state-tree`, `next-url`, and `next-router-segment-prefetch` for the segment cache
  of Next.js 15.4+). Those headers must be in the cache key, or CloudFront answers a browser's
  page load with a cached RSC payload (or the reverse).
- ISR and static pages say how long they may be cached (`s-maxage`, `stale-while-revalidate`);
  dynamic ones say `private, no-store`. The default behaviour therefore caches for exactly as long
  as the origin's `Cache-Control` allows (min 0, default 0, max one year).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

ORIGIN_ID: Final = "alb"
"""The one origin every behaviour targets: the ALB in front of the Next.js container."""

ALL_METHODS: Final = ("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE")
READ_METHODS: Final = ("GET", "HEAD")
CACHED_METHODS: Final = ("GET", "HEAD")

RSC_HEADERS: Final = (
    "rsc",
    "next-router-prefetch",
    "next-router-state-tree",
    "next-url",
    "next-router-segment-prefetch",
)
"""Request headers that make Next.js answer with an RSC payload instead of HTML."""

FORWARDED_HOST_HEADER: Final = "x-forwarded-host"
"""Set by the viewer-request function from the viewer's Host: the ALB sees its own DNS name as
Host, while Next.js needs the public host for Server Actions' origin check and absolute URLs."""

PAGE_CACHE_KEY_HEADERS: Final = (*RSC_HEADERS, FORWARDED_HOST_HEADER)
"""Headers in the default behaviour's cache key (CloudFront allows at most 10)."""

IMAGE_QUERY_STRINGS: Final = ("url", "w", "q")
"""The query strings `/_next/image` reads; anything else would only split the cache."""

IMAGE_CACHE_KEY_HEADERS: Final = ("accept",)
"""The image optimiser picks AVIF/WebP/original from `Accept`, so it belongs in the key."""

ONE_YEAR: Final = 31_536_000
ONE_DAY: Final = 86_400

CACHE_TAG_HEADER: Final = "x-cache-tags"
"""Response header CloudFront reads cache tags from (distribution `cache_tag_config`). The app
sets it (comma-separated tags); `#<tag>` invalidations then purge every object with that tag."""

UNCACHED_ERROR_CODES: Final = (500, 502, 503, 504)
"""Origin errors CloudFront must not cache (a deploy or a failed task would otherwise be served
from the edge for the default 10 seconds after it recovered)."""

SECURITY_HEADERS: Final = {
    "hsts_max_age_seconds": 63_072_000,  # two years, the HSTS preload list's minimum is one
    "hsts_include_subdomains": True,
    "hsts_preload": True,  # sent only with a custom domain (components/cdn.py)
    "frame_option": "DENY",
    "referrer_policy": "strict-origin-when-cross-origin",
}
REMOVED_RESPONSE_HEADERS: Final = ("x-powered-by", CACHE_TAG_HEADER)
"""Next.js announces itself in `X-Powered-By`; viewers do not need to know. The cache tags are
CloudFront's input (read from the origin's response before the response headers policy edits
what viewers get), not the viewer's: they would reveal the app's data model."""

CachePolicyKind = Literal["static", "image", "pages", "disabled"]
OriginRequestKind = Literal["all-viewer-except-host"] | None


@dataclass(frozen=True)
class Behaviour:
    """One cache behaviour: which requests, how they are cached, what reaches the origin."""

    path_pattern: str | None
    """None for the default behaviour."""
    cache: CachePolicyKind
    origin_request: OriginRequestKind
    methods: tuple[str, ...]
    compress: bool
    forwarded_host: bool
    """Run the viewer-request function that copies Host into `x-forwarded-host`."""
    why: str


NEXTJS_BEHAVIOURS: Final = (
    Behaviour(
        path_pattern="/_next/static/*",
        cache="static",
        origin_request=None,
        methods=READ_METHODS,
        compress=True,
        forwarded_host=False,
        why="Hashed build output: immutable, cached a year (managed CachingOptimized)",
    ),
    Behaviour(
        path_pattern="/_next/image*",
        cache="image",
        origin_request=None,
        methods=READ_METHODS,
        compress=False,
        forwarded_host=False,
        why="Optimised images: keyed on url, w, q and Accept; TTL from the origin",
    ),
    Behaviour(
        path_pattern="/api/*",
        cache="disabled",
        origin_request="all-viewer-except-host",
        methods=ALL_METHODS,
        compress=True,
        forwarded_host=True,
        why="Route handlers and the Hono API: never cached, everything but Host forwarded",
    ),
    Behaviour(
        path_pattern=None,
        cache="pages",
        origin_request="all-viewer-except-host",
        methods=ALL_METHODS,
        compress=True,
        forwarded_host=True,
        why="Pages (HTML and RSC) and Server Actions: cached as the origin's Cache-Control says",
    ),
)


def ordered_behaviours() -> tuple[Behaviour, ...]:
    """The path-pattern behaviours, in CloudFront's order of precedence."""
    return tuple(b for b in NEXTJS_BEHAVIOURS if b.path_pattern is not None)


def default_behaviour() -> Behaviour:
    (default,) = (b for b in NEXTJS_BEHAVIOURS if b.path_pattern is None)
    return default


FORWARDED_HOST_FUNCTION_CODE: Final = f"""\
function handler(event) {{
  var request = event.request;
  var host = request.headers.host;
  if (host) {{
    request.headers['{FORWARDED_HOST_HEADER}'] = {{ value: host.value }};
  }} else {{
    delete request.headers['{FORWARDED_HOST_HEADER}'];
  }}
  return request;
}}
"""
"""CloudFront Functions (cloudfront-js-2.0) viewer-request code. It overwrites whatever
`x-forwarded-host` a viewer sent, so the origin can trust it."""
