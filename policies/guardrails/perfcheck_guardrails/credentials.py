"""Credentials in a task definition: every container field that reaches AWS is judged.

A password in `command`, `entryPoint`, a shell `export`, a health-check command, a Docker label or
a log-driver option is as readable in the task definition (console, API, CloudTrail) as one in
`environment`. So every string of every container is read: named settings (environment entries,
labels, log and FireLens options) by their name and the shape of their value, free text (commands,
entry points, any other string) for assignments (`NAME=value`, `--name value`, `"name": "value"`,
`key=value` connection strings, JDBC query parameters, URLs with a password) and for well-known
token formats recognisable by their value alone.

What is never a credential, so that teams do not switch the rule off: an ARN (a Secrets Manager
or SSM reference), a reference to another variable (`$DB_PASSWORD`), `NEXT_PUBLIC_*` variables
(public by definition: Next.js inlines them into the browser bundle; token formats are still
judged), and settings whose name says what they hold and whose value has that shape
(`TOKEN_TTL=3600`, `AUTH_URL=https://...`, `SECRET_ARN=arn:...`, `PASSWORD_MIN_LENGTH=12`).

The same scanner reads every string input of every other resource (`input_credentials`). Text
is read the way its consumer reads it, once: names and values are NFKC-normalised with
look-alike letters folded to Latin and zero-width characters dropped (`fold_text`), base64
blobs are decoded (one level below the text, gzip too, as cloud-init does) and scanned again.
Known-safe shapes (public keys, publishable and site keys, Sentry DSNs, anon keys, ARNs,
references) are stated once, in `SAFE_VALUE_SHAPES` and `SAFE_NAMED_SHAPES`. Every pattern has
bounded repetition and every string is scanned a fixed number of times: linear in the input.
"""

from __future__ import annotations

import base64
import binascii
import functools
import gzip
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from perfcheck_policykit import ResourceContext, values
from perfcheck_policykit.rules import config_list

from foundation.text_shapes import word_shaped

CREDENTIAL_NAME_PATTERNS = (
    r"PASSWORD",
    r"PASSWD",
    r"(^|_)PWD($|_)",
    r"(^|_)PW($|_)",
    r"SECRET",
    r"TOKEN",
    r"CREDENTIAL",
    r"API_?KEY",
    r"PRIVATE_?KEY",
    r"ACCESS_?KEY",
    r"(^|_)AUTH($|_)",
    r"(^|_)PASS($|_)",
    r"PASSPHRASE",
    r"(^|_)KEY$",
    r"(^|_)KEYS$",
    r"(^|_)PAT($|_)",
    r"SIGNING",
    r"(^|_)DSN$",
    r"CONNECTION_?STRING",
    r"(^|_)CONN_?STR",
    r"REQUIREPASS",
    r"MASTERAUTH",
    r"(^|_)SALT($|_)",
    r"(^|_)HMAC($|_)",
)
PUBLIC_PREFIXES = ("NEXT_PUBLIC_",)

IDENTIFIER_NAMES = frozenset({"CREATION_TOKEN", "EC2_SSH_KEY"})
"""AWS inputs named like credentials that hold identifiers: EFS `creationToken` (an idempotency
token AWS returns in DescribeFileSystems) and EKS `remoteAccess.ec2SshKey` (a key pair's name;
the private key never leaves its owner). Judged as credentials, every EFS file system and SSH-able
node group is a finding, and teams switch the scanner off."""

AMBIGUOUS_NAME_PATTERNS = (r"(^|_)KEY$", r"(^|_)KEYS$")
"""Name words that name a credential only sometimes: a DynamoDB `hashKey`, `FEATURE_KEYS`, a
`CACHE_KEY`, an API Gateway `routeKey` hold names. Under such a name alone (no stronger word, no
framework secret's name), a value made only of words starting lower case (`id`, `userId`,
`alpha,beta`, `user:session`) or a route (`ANY /{proxy+}`, `$default`) is a name, not a
secret; any other value is judged as under a credential name."""
_AMBIGUOUS_NAME = re.compile("|".join(f"(?:{p})" for p in AMBIGUOUS_NAME_PATTERNS))
_PLAIN_WORDS = re.compile(
    r"[a-z][a-zA-Z]{0,39}(?:[ ,.:/_-]{1,3}[a-z][a-zA-Z]{0,39}){0,31}"  # names, camelCase too
    r"|(?:ANY|GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) /[\w{}+./-]*|\$(?:default|connect|disconnect)"
)
SETTING_WORDS = frozenset(
    {"required", "optional", "none", "disabled", "enabled", "true", "false", "on", "off"}
    | {"always", "never", "no-override", "sigv4"}
)
"""A value from a setting's vocabulary is a mode, not a secret: EC2's
`metadataOptions.httpTokens = required` names IMDSv2, whatever the word TOKEN suggests, and
CloudFront's origin access control `signingBehavior` / `signingProtocol` take always, never,
no-override and sigv4 (CloudFront API, OriginAccessControlConfig), whatever SIGNING suggests."""

FRAMEWORK_SECRET_NAMES = (
    "SECRET_KEY_BASE",  # Rails, Phoenix
    "RAILS_MASTER_KEY",
    "DJANGO_SECRET_KEY",
    "SECRET_KEY",  # Django, Flask, Superset
    "NEXTAUTH_SECRET",
    "AUTH_SECRET",  # Auth.js
    "JWT_SECRET",
    "JWT_KEY",
    "APP_KEY",  # Laravel
    "APP_KEYS",  # Strapi
    "APP_SECRET",  # Symfony
    "ADMIN_JWT_SECRET",
    "API_TOKEN_SALT",
    "TRANSFER_TOKEN_SALT",
    "SESSION_SECRET",
    "COOKIE_SECRET",
    "ENCRYPTION_KEY",
    "N8N_ENCRYPTION_KEY",
    "AUTH_KEY",  # WordPress keys and salts
    "SECURE_AUTH_KEY",
    "LOGGED_IN_KEY",
    "NONCE_KEY",
    "AUTH_SALT",
    "SECURE_AUTH_SALT",
    "LOGGED_IN_SALT",
    "NONCE_SALT",
    "MASTER_KEY",
    "GF_SECURITY_ADMIN_PASSWORD",
    "KEYCLOAK_ADMIN_PASSWORD",
)
"""Well-known secrets of common frameworks, by name: a credential whatever the configured name
patterns say (a name ending in one of these, e.g. MYAPP_SECRET_KEY_BASE, counts too)."""

# -- text as its consumer reads it ------------------------------------------------------------

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u034f"
_CONFUSABLES = {
    # Cyrillic and Greek letters that look like Latin ones, and Latin look-alikes NFKC keeps
    "\u0430": "a",
    "\u0432": "b",
    "\u0435": "e",
    "\u043a": "k",
    "\u043c": "m",
    "\u043d": "h",
    "\u043e": "o",
    "\u0440": "p",
    "\u0441": "c",
    "\u0442": "t",
    "\u0443": "y",
    "\u0445": "x",
    "\u0455": "s",
    "\u0456": "i",
    "\u0458": "j",
    "\u0501": "d",
    "\u051b": "q",
    "\u051d": "w",
    "\u04cf": "l",
    "\u04af": "y",
    "\u0261": "g",
    "\u0410": "A",
    "\u0412": "B",
    "\u0415": "E",
    "\u041a": "K",
    "\u041c": "M",
    "\u041d": "H",
    "\u041e": "O",
    "\u0420": "P",
    "\u0421": "C",
    "\u0422": "T",
    "\u0423": "Y",
    "\u0425": "X",
    "\u0405": "S",
    "\u0406": "I",
    "\u0408": "J",
    "\u0500": "D",
    "\u051a": "Q",
    "\u051c": "W",
    "\u04ae": "Y",
    "\u03b1": "a",
    "\u03bf": "o",
    "\u03c1": "p",
    "\u03bd": "v",
    "\u03b9": "i",
    "\u03ba": "k",
    "\u03c4": "t",
    "\u03c5": "u",
    "\u03b5": "e",
    "\u03c7": "x",
    "\u0391": "A",
    "\u0392": "B",
    "\u0395": "E",
    "\u0396": "Z",
    "\u0397": "H",
    "\u0399": "I",
    "\u039a": "K",
    "\u039c": "M",
    "\u039d": "N",
    "\u039f": "O",
    "\u03a1": "P",
    "\u03a4": "T",
    "\u03a5": "Y",
    "\u03a7": "X",
    "\u0131": "i",
    "\u0237": "j",
    "\u0142": "l",
    "\u00f8": "o",
    "\u00d8": "O",
    "\u00df": "ss",
}
_FOLD_TABLE = {
    **dict.fromkeys(map(ord, _ZERO_WIDTH)),
    **{ord(k): v for k, v in _CONFUSABLES.items()},
}


def fold_text(text: str) -> str:
    """`text` as a reader that does not see look-alikes: NFKC (fullwidth and mathematical
    letters to ASCII), Cyrillic/Greek look-alike letters to Latin, zero-width characters gone."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(_FOLD_TABLE)


TOKEN_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (what, re.compile(pattern))
    for what, pattern in (
        ("an AWS access key id", r"\b(AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
        ("a private key", r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY"),
        ("a GitHub token", r"\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"),
        ("a GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
        ("a Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        ("a Slack webhook", r"hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/\w+"),
        ("a Stripe secret key", r"\b[rs]k_(live|test)_[A-Za-z0-9]{16,}"),
        ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
        ("an OpenAI or Anthropic key", r"\bsk-(proj-|ant-|svcacct-)?[A-Za-z0-9_-]{20,}"),
        ("a SendGrid key", r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"),
        ("an npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
        ("a PyPI token", r"\bpypi-AgE[A-Za-z0-9_-]{40,}"),
        ("a Hugging Face token", r"\bhf_[A-Za-z0-9]{30,}\b"),
        ("a JSON Web Token", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        (
            "an Authorization header",
            r"(?i:\b(proxy-)?authorization\s{0,8}:\s{0,8}(basic|bearer|token|digest)\s{1,8}"
            r"[^\s$'\"]{8,})",
        ),
        (
            "a bearer token",
            r"(?i:\bbearer)\s{1,8}(?=[A-Za-z._~+/-]{0,200}[0-9])[A-Za-z0-9._~+/-]{16,}",
        ),
        (
            "an Oracle connect string with a password",
            r"(?i:jdbc:oracle:[a-z]{1,8}):[^/\s@:$]{1,128}/(?!\$)[^@\s/]{1,256}@",
        ),
        ("a URL with an embedded password", r"://[^/\s@:$]{0,256}:(?!\$)[^/\s@]{1,512}@"),
    )
)
_ANY_TOKEN = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in TOKEN_FORMATS))
"""All token formats in one pass: most strings match none, and are done after one scan."""

# name=value, --name=value, export NAME=value, key=value;key=value, JDBC ?user=..&password=..
_ASSIGNMENT = re.compile(
    r"(?<![\w$])-{0,2}([A-Za-z_][\w.-]{0,127})\s{0,8}=\s{0,8}"
    r"(\"[^\"]{0,1024}\"|'[^']{0,1024}'|[^\s;&|,)\"']{1,1024})"
)
# --name value, -name value (a flag and the next word)
_FLAG = re.compile(
    r"(?:^|\s)-{1,2}([A-Za-z][\w.-]{0,127})\s{1,8}"
    r"(\"[^\"]{0,1024}\"|'[^']{0,1024}'|[^\s;&|-][^\s;&|]{0,1024})"
)
# Client flags whose value is a password although their name is not: mysql -phunter2,
# docker login -p x, sshpass -p x, curl -u user:password, redis-cli -a x, sqlcmd -P x,
# openssl -passin pass:x, echo user:pw | chpasswd, aws configure set aws_secret_access_key x.
_PASSWORD_FLAGS = re.compile(
    r"(?:\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^;&|]{0,512}?\s-p(?!\s|\$|\\$)"
    r"[^\s;&|]+)"
    r"|(?:\b(?:docker|podman|helm|oras)\s{1,8}(?:registry\s{1,8})?login\b[^;&|]{0,512}?\s-p\s{1,8}"
    r"(?!\$|\\$)[^\s;&|]+)"
    r"|(?:\bsshpass\s{1,8}-p\s{0,8}(?!\$)[^\s;&|]+)"
    r"|(?:\b(?:redis-cli|valkey-cli)\b[^;&|]{0,512}?\s-a\s{1,8}(?!\$)[^\s;&|]+)"
    r"|(?:\b(?:mongo|mongosh|mongodump|mongorestore)\b[^;&|]{0,512}?\s-p\s{1,8}(?!\$)[^\s;&|]+)"
    r"|(?:\b(?:sqlcmd|bcp|osql)\b[^;&|]{0,512}?\s-P\s{0,8}(?!\$)[^\s;&|]+)"
    r"|(?:\s-pass(?:in|out)?\s{1,8}pass:(?!\$)[^\s;&|]+)"
    r"|(?:\becho\s{1,8}['\"]?[^\s:'\"]{1,64}:(?!\$)[^\s'\"|]{1,256}['\"]?\s{0,8}\|\s{0,8}"
    r"(?:sudo\s{1,8})?chpasswd)"
    r"|(?:\baws\s{1,8}configure\s{1,8}set\s{1,8}\S{0,64}(?:secret|token|key)\S{0,64}\s{1,8}"
    r"(?!\$)(?!\S{0,64}_id\b)[^\s;&|]+)"
    r"|(?:\bhtpasswd\b[^;&|]{0,256}?\s-\w{0,4}b\w{0,4}\s{1,8}\S{1,256}\s{1,8}\S{1,128}\s{1,8}"
    r"(?!\$)[^\s;&|]+)"
    r"|(?:\s(?:-u|--user)[\s=]{1,8}[^\s:;&|]{1,128}:(?!\$)[^\s;&|@]{1,256}(?:\s|$))"
)
# A declaration in code whose value is read from somewhere else: `var token = req.query.token`
_CODE_DECLARATION = re.compile(r"\b(?:var|let|const)\s{1,8}$")
_QUOTED = re.compile(r"^(\"[^\"]*\"|'[^']*')$")
# A header set in code (CloudFront Functions, Lambda@Edge): headers['x-api-key'] = {value: '...'}
_CODE_HEADER = re.compile(
    r"\[\s{0,8}[\"']([A-Za-z][\w-]{0,63})[\"']\s{0,8}\]\s{0,8}=\s{0,8}\{\s{0,8}[\"']?value[\"']?"
    r"\s{0,8}:\s{0,8}(\"[^\"]{0,1024}\"|'[^']{0,1024}')"
)
# "name": "value" (JSON blobs), 'name': 'value'
_JSON_PAIR = re.compile(
    r"[\"']([^\"']{1,128})[\"']\s{0,8}:\s{0,8}(\"[^\"]{0,1024}\"|'[^']{0,1024}')"
)
# HTTP header lines: X-Api-Key: value, -H 'X-Auth-Token: value'
_HEADER = re.compile(
    r"(?:^|[\s\"'])([A-Za-z][\w-]{0,63})[ \t]{0,4}:[ \t]{1,8}(?!//)([^\s\"',;]{6,1024})"
)
"""`Name: value` on one line (an HTTP header, a YAML or kubeconfig entry): the separator never
crosses a line, so `user:` above `token: x` does not swallow the `token:` line."""
# Basic credentials: base64 of user:password after the word Basic.
_BASIC = re.compile(r"(?i)\bbasic\s{1,8}([A-Za-z0-9+/]{8,1024}={0,2})")
# A run of base64 long enough to hide a credential (standard and URL-safe alphabets).
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{24,}={0,2}")
_MAX_DECODE_DEPTH = 2
_MAX_DECODED = 1 << 20

_PUBLIC_MATERIAL = re.compile(r"(^|_)(PUBLIC(_[A-Z0-9]{1,16})?_?KEY|PUBKEY|PUBLISHABLE_?KEY)(_|$)")
"""A public key, or one kind's public key (PUBLIC_VAPID_KEY, PUBLIC_SIGNING_KEY): meant to be
shared. Its value is still read for token formats (a private key under it is found)."""
_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:")
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?[a-zA-Z]{0,3}$")  # 3600, 15m, 1.5h, 30days is too long
_BOOLEAN = {"true", "false", "yes", "no", "on", "off", "1", "0", "enabled", "disabled"}
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?$")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s]*$", re.IGNORECASE)
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")
_SSM_PARAMETER_NAME = re.compile(r"^(/[A-Za-z0-9_.-]{1,128}){1,15}$")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9._:/@ +-]{1,80}$")
_SMALL_SETTING = (
    r"[A-Za-z][A-Za-z_-]{0,31}\s{0,4}[=:]\s{0,4}(?:[0-9]{1,4}|true|false|yes|no|on|off)"
)
_SETTINGS_LIST = re.compile(
    rf"(?i){_SMALL_SETTING}(?:\s{{0,4}}[,;]\s{{0,4}}{_SMALL_SETTING}){{0,31}}"
)
"""`min=12,upper=1,symbols=true`: the rules a credential must follow, numbers and booleans only
(no room for a secret), under a name that says it holds rules (PASSWORD_POLICY)."""

# -- known-safe shapes, stated once -------------------------------------------------------------

SAFE_VALUE_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (what, re.compile(pattern))
    for what, pattern in (
        ("an ARN (a reference to a secret, not the secret)", r"arn:aws[a-z-]*:[a-z0-9-]+:\S*"),
        ("a variable reference", r"\$\{?[A-Za-z_][A-Za-z0-9_]*(:?-[^}]*)?\}?"),
        ("a dynamic reference", r"\{\{resolve:(secretsmanager|ssm|ssm-secure):[^}]+\}\}"),
        (
            "a public key",
            r"-----BEGIN (RSA |EC |PGP )?PUBLIC KEY( BLOCK)?-----[\s\S]*"
            r"|(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com)"
            r" AAAA[A-Za-z0-9+/=]+( \S+)?",
        ),
        ("a certificate", r"-----BEGIN CERTIFICATE-----[\s\S]*"),
        ("a Stripe publishable key", r"pk_(live|test)_[A-Za-z0-9]{16,}"),
        ("a Mapbox public token", r"pk\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"),
        ("a PostHog project key", r"phc_[A-Za-z0-9]{32,64}"),
        (
            "a Sentry DSN (its public key only; Sentry documents it as safe to expose)",
            r"https://[0-9a-f]{32}@[A-Za-z0-9.-]+(:\d+)?/\d+",
        ),
    )
)
"""Values that are never credentials, whatever their name."""

_Shape = Callable[[str], bool]


def _jwt_role(value: str) -> str | None:
    parts = value.split(".")
    if len(parts) != 3 or not parts[0].startswith("eyJ"):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    role = payload.get("role") if isinstance(payload, dict) else None
    return role if isinstance(role, str) else None


SAFE_NAMED_SHAPES: tuple[tuple[str, re.Pattern[str], _Shape], ...] = tuple(
    (what, re.compile(name), shape)
    for what, name, shape in (
        (
            "a CAPTCHA site key (reCAPTCHA, Turnstile, hCaptcha: shipped to browsers)",
            r"SITE_?KEY$",
            lambda v: bool(
                re.fullmatch(
                    r"6L[A-Za-z0-9_-]{38}|0x4[A-Za-z0-9_-]{20,}|"
                    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                    v,
                )
            ),
        ),
        (
            "a Firebase web API key (an identifier, documented by Firebase as safe to expose)",
            r"FIREBASE.*API_?KEY$",
            lambda v: bool(re.fullmatch(r"AIza[0-9A-Za-z_-]{35}", v)),
        ),
        (
            "a Supabase anon key (a JWT with role 'anon', public by design)",
            r"ANON_?KEY$",
            lambda v: _jwt_role(v) == "anon",
        ),
    )
)
"""(what, name pattern, value shape): values that are public only under such a name."""


def safe_value(value: str, name: str = "") -> str | None:
    """What a known-safe `value` is (under the canonical `name`), or None."""
    for what, pattern in SAFE_VALUE_SHAPES:
        if pattern.fullmatch(value):
            return what
    if name:
        for what, name_pattern, shape in SAFE_NAMED_SHAPES:
            if name_pattern.search(name) and shape(value):
                return what
    return None


def _is_url_without_password(value: str) -> bool:
    return bool(_URL.match(value)) and not TOKEN_FORMATS[-1][1].search(value)


def _looks_random(value: str) -> bool:
    """High-entropy text (a generated secret), as opposed to a name or an identifier."""
    if len(value) < 16:
        return False
    classes = sum(
        bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
    )
    return classes >= 3 or (len(value) >= 24 and classes >= 2)


def generated_secret(value: str) -> bool:
    """A value shaped like a generated secret: one token of 16 or more characters, random-looking
    (mixed character classes), not words joined by separators (a host name, a tag), and not a
    known-safe or reference shape. Judged where a value's purpose is open (a header's value):
    such a value in plain text is a shared secret written into the program."""
    token = value.strip()
    if len(token) < 16 or any(char.isspace() for char in token) or not _looks_random(token):
        return False
    if word_shaped(token) or token.startswith(("/", "$")) or _URL.match(token):
        return False
    return safe_value(token) is None


_SUFFIX_SHAPES: tuple[tuple[tuple[str, ...], _Shape], ...] = (
    (("ARN", "ARNS"), lambda v: all(_ARN.match(p.strip()) for p in v.split(","))),
    (("URL", "URI", "ENDPOINT", "ISSUER", "JWKS", "DOMAIN", "ORIGIN"), _is_url_without_password),
    (("HOST", "HOSTNAME", "DOMAIN", "ENDPOINT"), lambda v: bool(_HOST.match(v))),
    (
        (
            "PORT",
            "TTL",
            "TIMEOUT",
            "LENGTH",
            "MIN_LENGTH",
            "MAX_LENGTH",
            "SIZE",
            "COUNT",
            "EXPIRY",
            "EXPIRES",
            "EXPIRES_IN",
            "EXPIRATION",
            "MAX_AGE",
            "AGE",
            "SECONDS",
            "MINUTES",
            "HOURS",
            "DAYS",
            "ROUNDS",
            "RETRIES",
            "LIMIT",
            "INTERVAL",
        ),
        lambda v: bool(_NUMBER.match(v)),
    ),
    (
        ("ENABLED", "DISABLED", "REQUIRED", "ENFORCED", "SECURE", "INSECURE", "ENABLE", "DISABLE"),
        lambda v: v.lower() in _BOOLEAN,
    ),
    (("FILE", "PATH", "DIR", "DIRECTORY", "LOCATION"), lambda v: v.startswith(("/", "./"))),
    (  # an SSM parameter's name says where the secret is kept, as an ARN does
        ("PARAMETER", "PARAM", "PARAMETER_NAME", "SSM_PARAMETER"),
        lambda v: (
            bool(_SSM_PARAMETER_NAME.match(v))
            and not any(_looks_random(part) for part in v.split("/"))
        ),
    ),
    (("REGION",), lambda v: bool(_REGION.match(v))),
    (
        ("POLICY", "RULES", "REQUIREMENTS", "COMPLEXITY"),
        lambda v: bool(_SETTINGS_LIST.fullmatch(v)),
    ),
    (
        (
            "NAME",
            "ID",
            "IDS",
            "ALGORITHM",
            "ALG",
            "PROVIDER",
            "TYPE",
            "MODE",
            "HEADER",
            "HEADER_NAME",
            "VERSION",
            "LEVEL",
            "STRATEGY",
            "SCHEME",
            "METHOD",
            "SCOPE",
            "SCOPES",
            "PREFIX",
            "FORMAT",
            "AUDIENCE",
            "KIND",
            "STORE",
            "BACKEND",
        ),
        lambda v: bool(_IDENTIFIER.match(v)) and not _looks_random(v),
    ),
    (("STDIN",), lambda v: True),  # --password-stdin takes no value
)


_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def canonical_name(name: str) -> str:
    """A setting's name as the patterns read it: 'db-password', 'db.password', 'dbPassword',
    'DB_P\u0410SSWORD' (Cyrillic A), 'DB_PASS\u200bWORD' -> DB_PASSWORD."""
    name = _CAMEL.sub(r"\1_\2", fold_text(name))
    return _NON_ALNUM.sub("_", name).strip("_").upper()


def _suffix_shapes(name: str) -> list[_Shape]:
    """Every value shape a name's suffix announces (DOMAIN: a URL or a host name)."""
    shapes: list[_Shape] = []
    for suffixes, shape in _SUFFIX_SHAPES:
        for suffix in suffixes:
            if name == suffix or name.endswith("_" + suffix):
                shapes.append(shape)
                break
    return shapes


def framework_secret(name: str) -> bool:
    """A canonical name that is, or ends with, a well-known framework secret's name."""
    return any(name == n or name.endswith("_" + n) for n in FRAMEWORK_SECRET_NAMES)


def non_secret_value(name: str, value: str) -> bool:
    """Whether `value` is clearly not a credential for a setting called `name` (canonical)."""
    value = value.strip().strip("\"'").strip()
    if not value or value.startswith("$") or _ARN.match(value):
        return True
    if safe_value(value, name) is not None:
        return True
    if value.lower() in SETTING_WORDS:
        return True
    if framework_secret(name):
        return False  # SECRET_KEY_BASE holds a secret, whatever its shape
    return any(shape(value) for shape in _suffix_shapes(name))


_MEMO_LIMIT = 65536


@functools.lru_cache(maxsize=32)
def _scanner_for(key: tuple[tuple[str, ...], ...]) -> CredentialScanner:
    scanner = object.__new__(CredentialScanner)
    scanner.__init__(  # type: ignore[misc]
        {
            "credentialNamePatterns": list(key[0]),
            "allowedVariableNames": list(key[1]),
            "publicVariablePrefixes": list(key[2]),
        }
    )
    return scanner


def _decoded(blob: str) -> str | None:
    """Printable text hidden in a base64 run (gzip-compressed too), or None."""
    try:
        padded = blob + "=" * (-len(blob) % 4)
        raw = (
            base64.urlsafe_b64decode(padded)
            if ("-" in blob or "_" in blob)
            else base64.b64decode(padded, validate=True)
        )
    except (ValueError, binascii.Error):
        return None
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
                raw = stream.read(_MAX_DECODED)
        except (OSError, EOFError):
            return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(1 for char in text if char.isprintable() or char in "\n\r\t")
    return text if text and printable >= 0.95 * len(text) else None


@functools.lru_cache(maxsize=64)
def _any_name(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


class CredentialScanner:
    """The rule's configuration, compiled once per config; verdicts on a (name, value) or a
    text are memoised per config (tags and settings repeat across a stack's resources)."""

    def __new__(cls, config: Mapping[str, Any]) -> CredentialScanner:
        if cls is not CredentialScanner:
            return super().__new__(cls)
        key = tuple(
            tuple(config.get(k) or ())
            for k in ("credentialNamePatterns", "allowedVariableNames", "publicVariablePrefixes")
        )
        return _scanner_for(key)

    def __init__(self, config: Mapping[str, Any]) -> None:
        if getattr(self, "_ready", False):
            return
        self.any_name = _any_name(tuple(config_list(config, "credentialNamePatterns")))
        self.strong_name = _any_name(
            tuple(
                p
                for p in config_list(config, "credentialNamePatterns")
                if p not in AMBIGUOUS_NAME_PATTERNS
            )
        )
        self.allowed = set(config_list(config, "allowedVariableNames"))
        self.public = tuple(config_list(config, "publicVariablePrefixes"))
        self._settings: dict[tuple[str, str], str | None] = {}
        self._texts: dict[tuple[str, int], str | None] = {}
        self._names: dict[str, bool] = {}
        self.property_memo: dict[Any, Any] = {}
        """Verdicts on whole input properties (by wire value), kept by input_credentials."""
        self._ready = True

    def credential_name(self, name: str) -> bool:
        known = self._names.get(name)
        if known is None:
            known = self._names[name] = self._credential_name(name)
        return known

    def _credential_name(self, name: str) -> bool:
        canonical = canonical_name(name)
        if name in self.allowed or canonical in self.allowed or canonical in IDENTIFIER_NAMES:
            return False
        if canonical.startswith(self.public) or name.startswith(self.public):
            return False
        if framework_secret(canonical):
            return True
        if _PUBLIC_MATERIAL.search(canonical):
            return False  # a public key or publishable key is meant to be shared
        return self.any_name is not None and self.any_name.search(canonical) is not None

    def token(self, text: str) -> str | None:
        if _ANY_TOKEN.search(text) is None:
            return None
        for what, pattern in TOKEN_FORMATS:
            for match in pattern.finditer(text):
                if safe_value(match.group(0)) is None and _jwt_role(match.group(0)) != "anon":
                    return what
        return None

    def setting(self, name: str, value: Any) -> str | None:
        """Why a named setting (environment entry, label, option) holds a credential, or None."""
        if not isinstance(value, str):
            value = "" if value is None or isinstance(value, bool) else str(value)
        key = (name, value)
        if key in self._settings:
            return self._settings[key]
        if len(self._settings) > _MEMO_LIMIT:
            self._settings.clear()
        why = self._settings[key] = self._setting(name, value)
        return why

    def _setting(self, name: str, value: str) -> str | None:
        value = fold_text(value)
        if safe_value(value.strip(), canonical_name(name)) is not None:
            return None
        what = self.token(value)
        if what is not None:
            return f"a value that looks like {what}"
        if self._assignment(name, value):
            return "a plain value under a credential-like name"
        return self.text(value)

    def _names_only_ambiguously(self, canonical: str) -> bool:
        """Whether the name is a credential's only through an ambiguous word (..._KEY)."""
        if framework_secret(canonical) or not _AMBIGUOUS_NAME.search(canonical):
            return False
        return self.strong_name is None or self.strong_name.search(canonical) is None

    def _assignment(self, name: str, value: str) -> bool:
        if not self.credential_name(name):
            return False
        canonical = canonical_name(name)
        if non_secret_value(canonical, value):
            return False
        plain = value.strip().strip("\"'").strip()
        return not (self._names_only_ambiguously(canonical) and _PLAIN_WORDS.fullmatch(plain))

    def text(self, text: str, depth: int = 0) -> str | None:
        """Why free text (a command, an entry point, user data) holds a credential, or None."""
        key = (text, depth)
        if key in self._texts:
            return self._texts[key]
        if len(self._texts) > _MEMO_LIMIT:
            self._texts.clear()
        why = self._texts[key] = self._text(text, depth)
        return why

    def _text(self, text: str, depth: int) -> str | None:
        text = fold_text(text)
        what = self.token(text)
        if what is not None:
            return f"text that looks like {what}"
        has_dash, has_colon = "-" in text, ":" in text
        if (has_dash or "|" in text) and _PASSWORD_FLAGS.search(text):
            return "a password passed as a client flag (-p..., -u user:password, pass:...)"
        if "asic" in text or "ASIC" in text:
            for match in _BASIC.finditer(text):
                decoded = _decoded(match.group(1))
                if decoded is not None and ":" in decoded:
                    return "an HTTP Basic credential (base64 of user:password)"
        patterns = []
        if "=" in text:
            patterns.append(_ASSIGNMENT)
        if has_dash:
            patterns.append(_FLAG)
        if has_colon:
            patterns.extend((_JSON_PAIR, _HEADER))
        if "value" in text and "[" in text:
            patterns.append(_CODE_HEADER)
        for pattern in patterns:
            for match in pattern.finditer(text):
                if (
                    pattern is _ASSIGNMENT
                    and _CODE_DECLARATION.search(text, 0, match.start())
                    and not _QUOTED.match(match.group(2))
                ):
                    continue  # code reading a value (var token = request.token), not a literal
                if self._assignment(match.group(1), match.group(2)):
                    return f"a credential-like assignment to '{canonical_name(match.group(1))}'"
        if depth < _MAX_DECODE_DEPTH and len(text) >= 24:
            for match in _BASE64_RUN.finditer(text):
                decoded = _decoded(match.group(0))
                if decoded is None:
                    continue
                why = self.text(decoded, depth + 1)
                if why is not None:
                    return f"a base64-encoded blob holding {why.removeprefix('text that ')}"
        return None


# Fields whose entries are named settings: (field, sub-path of the map or list).
_NAMED_MAPS = (
    ("dockerLabels",),
    ("logConfiguration", "options"),
    ("firelensConfiguration", "options"),
)
_SKIPPED = {"environment", "secrets", "name", "image"}
# `secrets` and `repositoryCredentials` hold references (ARNs, parameter names), not values.
_REFERENCES = {"secrets", "repositoryCredentials", "environmentFiles", "credentialSpecs"}


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, Sequence):
        words = [v for v in value if isinstance(v, str)]
        if words and len(words) == len(value):
            yield path, " ".join(words)  # a command: '--password' 'x' read as one line
        else:
            for index, item in enumerate(value):
                yield from _strings(item, f"{path}[{index}]")


def findings(scanner: CredentialScanner, container: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, why) for every credential in one (normalised) container definition."""
    environment = values.items(container, "environment")
    for entry in environment if isinstance(environment, list) else ():
        name = values.get(entry, "name")
        if isinstance(name, str):
            why = scanner.setting(name, values.get(entry, "value"))
            if why:
                yield f"environment[{name}]", why
    mapped: set[str] = set()
    for path in _NAMED_MAPS:
        options = values.get(container, *path)
        mapped.add(path[0])
        if isinstance(options, Mapping):
            for key, value in options.items():
                why = scanner.setting(str(key), value)
                if why:
                    yield f"{'.'.join(path)}[{key}]", why
    for key, value in container.items():
        if key in _SKIPPED or key in _REFERENCES or key in mapped:
            continue
        for where, text in _strings(value, key):
            why = scanner.text(text)
            if why:
                yield where, why


def _config_key(config: Mapping[str, Any]) -> tuple[tuple[str, ...], ...]:
    return tuple(
        tuple(config_list(config, key))
        for key in ("credentialNamePatterns", "allowedVariableNames", "publicVariablePrefixes")
    )


@functools.lru_cache(maxsize=128)
def _cached_findings(
    text: str, key: tuple[tuple[str, ...], ...]
) -> tuple[tuple[str, str, str, str], ...]:
    """Findings for one containerDefinitions text under one config (copies of a task share it)."""
    config = {
        "credentialNamePatterns": list(key[0]),
        "allowedVariableNames": list(key[1]),
        "publicVariablePrefixes": list(key[2]),
    }
    containers = values.container_definitions({"containerDefinitions": text})
    assert isinstance(containers, list)
    return tuple(_all_findings(CredentialScanner(config), containers))


def _all_findings(
    scanner: CredentialScanner, containers: Sequence[Mapping[str, Any]]
) -> Iterator[tuple[str, str, str, str]]:
    """(field, found, expected) per credential, over every container."""
    for index, container in enumerate(containers):
        label = values.container_label(container, index)
        for where, why in findings(scanner, container):
            yield (
                f"{label}.{where}",
                f"{why} (value not shown)",
                "the credential in Secrets Manager, passed through the container's `secrets` "
                "(valueFrom); the task definition is readable by anyone with ecs:Describe*",
                "",
            )
        image = values.get(container, "image")
        if isinstance(image, str) and TOKEN_FORMATS[-1][1].search(image):
            yield (
                f"{label}.image",
                "an image reference with an embedded password (value not shown)",
                "repositoryCredentials (a Secrets Manager ARN) for a private registry",
                "",
            )


def check(ctx: ResourceContext, containers: Sequence[Mapping[str, Any]]) -> None:
    raw = ctx.get("containerDefinitions")
    if isinstance(raw, str):
        found = _cached_findings(raw, _config_key(ctx.config))
    else:
        found = tuple(_all_findings(CredentialScanner(ctx.config), containers))
    for prop, what, expected, detail in found:
        ctx.violation(prop, what, expected, detail)
