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
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from perfcheck_policykit import ResourceContext, values
from perfcheck_policykit.rules import config_list

CREDENTIAL_NAME_PATTERNS = (
    r"PASSWORD",
    r"PASSWD",
    r"(^|_)PWD($|_)",
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
    r"(^|_)PAT($|_)",
    r"SIGNING",
    r"(^|_)DSN$",
    r"CONNECTION_?STRING",
    r"(^|_)CONN_?STR",
    r"REQUIREPASS",
    r"MASTERAUTH",
)
PUBLIC_PREFIXES = ("NEXT_PUBLIC_",)

TOKEN_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (what, re.compile(pattern))
    for what, pattern in (
        ("an AWS access key id", r"\b(AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
        ("a private key", r"-----BEGIN [A-Z ]*PRIVATE KEY"),
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
            r"(?i)\bauthorization\s*:\s*(basic|bearer|token)\s+[^\s$'\"]{8,}",
        ),
        ("a URL with an embedded password", r"://[^/\s@:$]*:(?!\$)[^/\s@]+@"),
    )
)

# name=value, --name=value, export NAME=value, key=value;key=value, JDBC ?user=..&password=..
_ASSIGNMENT = re.compile(
    r"(?<![\w$])-{0,2}([A-Za-z_][\w.-]*)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s;&|,)\"']+)"
)
# --name value, -name value (a flag and the next word)
_FLAG = re.compile(r"(?:^|\s)-{1,2}([A-Za-z][\w.-]*)\s+(\"[^\"]*\"|'[^']*'|[^\s;&|-][^\s;&|]*)")
# Client flags whose value is a password although their name is not: mysql -phunter2,
# docker login -p x, sshpass -p x, curl -u user:password, redis-cli -a x.
_PASSWORD_FLAGS = re.compile(
    r"(?:\b(?:mysql|mysqldump|mariadb|mariadb-dump)\b[^;&|]*\s-p(?!\s|\$|\\$)[^\s;&|]+)"
    r"|(?:\b(?:docker|podman)\s+login\b[^;&|]*\s-p\s+(?!\$|\\$)[^\s;&|]+)"
    r"|(?:\bsshpass\s+-p\s*(?!\$)[^\s;&|]+)"
    r"|(?:\bredis-cli\b[^;&|]*\s-a\s+(?!\$)[^\s;&|]+)"
    r"|(?:\s(?:-u|--user)[\s=]+[^\s:;&|]+:(?!\$)[^\s;&|@]+(?:\s|$))"
)
# "name": "value" (JSON blobs), name: value (YAML-ish)
_JSON_PAIR = re.compile(r"[\"']([^\"']+)[\"']\s*:\s*(\"[^\"]*\"|'[^']*')")

_PUBLIC_MATERIAL = re.compile(r"(^|_)(PUBLIC_?KEY|PUBKEY|PUBLISHABLE_?KEY)(_|$)")
_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:")
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?[a-zA-Z]{0,3}$")  # 3600, 15m, 1.5h, 30days is too long
_BOOLEAN = {"true", "false", "yes", "no", "on", "off", "1", "0", "enabled", "disabled"}
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?$")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s]*$", re.IGNORECASE)
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9._:/@ +-]{1,80}$")


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


_Shape = Callable[[str], bool]
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
    (("REGION",), lambda v: bool(_REGION.match(v))),
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


def canonical_name(name: str) -> str:
    """A setting's name as the patterns read it: 'db-password', 'db.password' -> DB_PASSWORD."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


def _suffix_shape(name: str) -> _Shape | None:
    for suffixes, shape in _SUFFIX_SHAPES:
        for suffix in suffixes:
            if name == suffix or name.endswith("_" + suffix):
                return shape
    return None


def non_secret_value(name: str, value: str) -> bool:
    """Whether `value` is clearly not a credential for a setting called `name` (canonical)."""
    value = value.strip().strip("\"'").strip()
    if not value or value.startswith("$") or _ARN.match(value):
        return True
    if value.lower() in ("true", "false"):
        return True
    shape = _suffix_shape(name)
    return shape is not None and shape(value)


@functools.lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


class CredentialScanner:
    """The rule's configuration, compiled once per call."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.patterns = [_compiled(p) for p in config_list(config, "credentialNamePatterns")]
        self.allowed = set(config_list(config, "allowedVariableNames"))
        self.public = tuple(config_list(config, "publicVariablePrefixes"))

    def credential_name(self, name: str) -> bool:
        canonical = canonical_name(name)
        if name in self.allowed or canonical in self.allowed:
            return False
        if canonical.startswith(self.public) or name.startswith(self.public):
            return False
        if _PUBLIC_MATERIAL.search(canonical):
            return False  # a public key or publishable key is meant to be shared
        return any(p.search(canonical) for p in self.patterns)

    def token(self, text: str) -> str | None:
        for what, pattern in TOKEN_FORMATS:
            if pattern.search(text):
                return what
        return None

    def setting(self, name: str, value: Any) -> str | None:
        """Why a named setting (environment entry, label, option) holds a credential, or None."""
        if not isinstance(value, str):
            value = "" if value is None or isinstance(value, bool) else str(value)
        what = self.token(value)
        if what is not None:
            return f"a value that looks like {what}"
        if self.credential_name(name) and not non_secret_value(canonical_name(name), value):
            return "a plain value under a credential-like name"
        return self.text(value)

    def text(self, text: str) -> str | None:
        """Why free text (a command, an entry point) holds a credential, or None."""
        what = self.token(text)
        if what is not None:
            return f"text that looks like {what}"
        if _PASSWORD_FLAGS.search(text):
            return "a password passed as a client flag (-p..., -u user:password)"
        for pattern in (_ASSIGNMENT, _FLAG, _JSON_PAIR):
            for match in pattern.finditer(text):
                name, value = match.group(1), match.group(2)
                if self.credential_name(name) and not non_secret_value(canonical_name(name), value):
                    return f"a credential-like assignment to '{canonical_name(name)}'"
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
