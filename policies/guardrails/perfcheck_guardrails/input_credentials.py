"""Credentials in any resource's inputs: one scanner for every string of every resource.

A password in a Lambda function's environment, a CodeBuild project's variables, a Batch job
definition, an App Runner service, an EC2 instance's or launch template's user data (base64 or
gzip), an SSM parameter of type String or a Docker volume's driver options is as readable (console,
Describe* APIs, CloudTrail) as one in a task definition. This rule walks every input of every
resource with the property path, and reads each string once with the same scanner as the ECS rule
(`credentials.CredentialScanner`): a map's keys and a {name, value} block's name are the setting's
name; lists of words are read as one command line; JSON strings are parsed and walked.

What it leaves alone, on purpose: ECS task definitions' containerDefinitions (judged by
`ecs-no-credentials-in-environment` with container-specific rules), and references a block marks
as such (CodeBuild `type: SECRETS_MANAGER`).

Where a value's secret-ness decides (the kit records which inputs arrived as Pulumi secrets):
- an input made to receive a secret that AWS then keeps write-only or encrypted (`SECRET_INPUTS`:
  an RDS master password, an MQ broker user's password, a Secrets Manager secret's value, ...)
  passes when it is a Pulumi secret or unknown (a generated password), and a plain literal there
  is a finding. pulumi-aws's Python SDK wraps a top-level schema-secret input in
  `Output.secret` itself (so a literal `master_password` arrives as a secret), but not a field
  nested in a block (`users[].password`): that one arrives as the program wrote it;
- a header value (`customHeaders`, any `...Headers` block or map) shaped like a generated secret
  (`credentials.generated_secret`: an origin-verification header) is a finding when plain and
  passes as a Pulumi secret, whatever the header's name.
- a top-level input named like a credential (`adminUserPassword`, `tunnel1PresharedKey`,
  `platformCredential`) is an API's credential parameter: as a Pulumi secret it passes (the SDK
  wraps such schema-secret inputs itself), in plain text it is scanned.
Everywhere else a credential is judged by the scanner whether or not it is a Pulumi secret: a
secret-wrapped environment variable, or a password in a secret-wrapped Glue `connectionProperties`
map, is still returned in plain text by the service's Get/Describe APIs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from perfcheck_policykit import ResourceContext, ResourceRule, schema, values
from perfcheck_policykit.values import unproxied
from perfcheck_policykit.wire import LazyProps
from pulumi_policy import Severity

from . import credentials

SECRET_INPUTS: Final[dict[str, frozenset[str]]] = {
    token: frozenset(paths)
    for token, paths in {
        "aws:secretsmanager/secretVersion:SecretVersion": ("secretString", "secretBinary"),
        "aws:rds/instance:Instance": ("password", "passwordWo"),
        "aws:rds/cluster:Cluster": ("masterPassword", "masterPasswordWo"),
        "aws:docdb/cluster:Cluster": ("masterPassword",),
        "aws:neptune/cluster:Cluster": ("masterPassword",),
        "aws:redshift/cluster:Cluster": ("masterPassword", "masterPasswordWo"),
        "aws:redshiftserverless/namespace:Namespace": ("adminUserPassword",),
        "aws:elasticache/replicationGroup:ReplicationGroup": ("authToken",),
        "aws:elasticache/user:User": ("passwords", "authenticationMode.passwords"),
        "aws:memorydb/user:User": ("authenticationMode.passwords",),
        "aws:mq/broker:Broker": ("users.password",),
        "aws:opensearch/domain:Domain": (
            "advancedSecurityOptions.masterUserOptions.masterUserPassword",
        ),
        "aws:dms/endpoint:Endpoint": ("password",),
        "aws:kms/ciphertext:Ciphertext": ("plaintext",),
        "aws:directoryservice/directory:Directory": ("password",),
        "aws:codebuild/sourceCredential:SourceCredential": ("token",),
        "aws:amplify/app:App": ("accessToken", "oauthToken", "basicAuthCredentials"),
        "aws:iam/userLoginProfile:UserLoginProfile": ("password",),
    }.items()
}
"""Type -> property paths (list indexes dropped) that exist to receive a secret which AWS keeps
write-only or encrypted; pulumi-aws marks each as secret in its schema."""

_REFERENCE_TYPES: Final = frozenset({"SECRETS_MANAGER", "PARAMETER_STORE"})
_SKIPPED: Final[dict[str, frozenset[str]]] = {
    "aws:ecs/taskDefinition:TaskDefinition": frozenset({"containerDefinitions"}),
    "aws:ecs/daemonTaskDefinition:DaemonTaskDefinition": frozenset({"containerDefinitions"}),
}
"""Properties another rule judges with its own reading (ECS containers)."""
REFERENCE_ONLY_TYPES: Final = frozenset(
    {
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
        "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation",
        "aws:ec2/vpcEndpointSubnetAssociation:VpcEndpointSubnetAssociation",
        "aws:ec2/route:Route",
        "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    }
)
"""Types whose every input is a reference (an id, an ARN, a CIDR, a port, a region) and which
take no tags: no free text to scan, so the servicer skips them without deserializing. A test
checks each against pulumi_aws's constructor parameters."""
_SSM_PARAMETER: Final = "aws:ssm/parameter:Parameter"
_MEMO_LIMIT: Final = 16384
_SETTING_NAME: Final = re.compile(r"^-{0,2}[^\W\d][\w.-]{0,127}$")
"""A key that names a setting: an identifier, or a command-line style argument (Glue job
arguments `--db_password`, as the job reads them, name the setting after the dashes)."""
_HEADERS: Final = re.compile(r"(^|_)HEADERS?(_|$)")

_Finding = tuple[str, str]


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _plain(path: str) -> str:
    """The path without list indexes or map keys, as SECRET_INPUTS names it."""
    out: list[str] = []
    depth = 0
    for char in path:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


Keys = tuple[str, ...] | None
"""A value's wire path (keys and list indexes as strings), tracked only in a property that
holds a Pulumi secret somewhere (None: nothing in it is secret)."""


def _key(keys: Keys, key: str | int) -> Keys:
    return None if keys is None else (*keys, str(key))


@functools.lru_cache(maxsize=1024)
def _header_container(name: str) -> bool:
    """A property holding HTTP headers: customHeaders, headers, headerParameters, ..."""
    return bool(name) and _HEADERS.search(credentials.canonical_name(name)) is not None


def _never(*_path: str) -> bool:
    return False


class _Walk:
    """One walk over one resource's inputs: each string read once."""

    def __init__(
        self, scanner: credentials.CredentialScanner, secret_paths: frozenset[str]
    ) -> None:
        self.scanner = scanner
        self.secret_paths = secret_paths
        self.unknown_credentials: list[str] = []
        self.found: list[_Finding] = []
        self.secret: Callable[..., bool] = _never
        """Whether a wire path arrived as a Pulumi secret (the kit's record; set per property)."""

    def value(
        self, value: Any, path: str, name: str, keys: Keys = None, secret: bool = False
    ) -> None:
        value = unproxied(value)
        if keys is not None and not secret:
            secret = self.secret(*keys)
        if value is values.UNKNOWN or (type(value) is str and value in values.ENGINE_UNKNOWNS):
            if name and self.scanner.credential_name(name):
                self.unknown_credentials.append(path)
            return
        if self.secret_paths and _plain(path) in self.secret_paths:
            if not secret:
                self.plain_secret_input(value, path, keys)
            return
        if isinstance(value, str):
            self.string(value, path, name, secret)
        elif isinstance(value, Mapping):
            self.mapping(value, path, name, keys, secret)
        elif isinstance(value, list | tuple):
            self.sequence(value, path, name, keys, secret)

    def plain_secret_input(self, value: Any, path: str, keys: Keys) -> None:
        """A field made to receive a secret holds a plain literal (the program's source)."""
        value = unproxied(value)
        if isinstance(value, list | tuple):  # e.g. a user's passwords: each may be a secret
            elements = [(unproxied(item), _key(keys, index)) for index, item in enumerate(value)]
        else:
            elements = [(value, None)]  # the caller found the value itself plain
        for text, item_keys in elements:
            if item_keys is not None and self.secret(*item_keys):
                continue
            if (
                isinstance(text, str)
                and text
                and text not in values.ENGINE_UNKNOWNS
                and credentials.safe_value(text.strip()) is None
            ):
                self.found.append((path, "a plain literal in an input made for a secret"))
                return

    def string(self, text: str, path: str, name: str, secret: bool) -> None:
        if text[:1] in ("{", "[") or text.lstrip()[:1] in ("{", "["):
            try:
                parsed = values.parse_json_property(text)
            except values.InvalidJson:
                parsed = None
            if isinstance(parsed, dict | list):
                self.value(parsed, f"{path} (JSON)", name, None, secret)
                return
        why = self.scanner.setting(name, text) if name else self.scanner.text(text)
        if why:
            self.found.append((path, why))

    def header(self, value: Any, path: str, keys: Keys, secret: bool) -> None:
        """A header value shaped like a generated secret, given in plain text."""
        value = unproxied(value)
        if secret or (keys is not None and self.secret(*keys)) or not isinstance(value, str):
            return
        if any(where == path for where, _ in self.found):
            return  # the scanner already named it
        if credentials.generated_secret(value):
            self.found.append((path, "a generated-looking header value in plain text"))

    def mapping(
        self, mapping: Mapping[str, Any], path: str, parent: str, keys: Keys, secret: bool
    ) -> None:
        keys_here = [key for key in mapping if isinstance(key, str)]
        headers = _header_container(parent)
        if "value" in mapping:
            setting = _named_setting(mapping)
            if setting is not None:
                name, value, kind = setting
                if kind in _REFERENCE_TYPES:
                    return  # CodeBuild/Batch variable resolved from Secrets Manager or SSM
                where, value_keys = f"{path}[{name}]", _key(keys, "value")
                self.value(value, where, name, value_keys, secret)
                if headers:
                    self.header(value, where, value_keys, secret)
                keys_here = [k for k in keys_here if k not in ("name", "key", "value", "type")]
        for key in keys_here:
            # an ARN or a path as a key names nothing
            name = key if _SETTING_NAME.match(key) else ""
            child, child_keys = _child(path, key), _key(keys, key)
            self.value(mapping[key], child, name, child_keys, secret)
            if headers and name:
                self.header(mapping[key], child, child_keys, secret)

    def sequence(
        self, elements: Sequence[Any], path: str, name: str, keys: Keys, secret: bool
    ) -> None:
        elements = [unproxied(item) for item in elements]
        if elements and all(type(item) is str for item in elements):
            if any(item in values.ENGINE_UNKNOWNS for item in elements):
                elements = [e for e in elements if e not in values.ENGINE_UNKNOWNS]
            why = self.scanner.text(" ".join(elements))  # a command: '--password' 'x' is one line
            if why:
                self.found.append((path, why))
            if name and self.scanner.credential_name(name):
                for index, item in enumerate(elements):
                    why = self.scanner.setting(name, item)
                    if why:
                        self.found.append((f"{path}[{index}]", why))
                        break
            return
        for index, item in enumerate(elements):
            self.value(item, _child(path, index), name, _key(keys, index), secret)


def _named_setting(mapping: Mapping[str, Any]) -> tuple[str, Any, str] | None:
    """A {name|key, value[, type]} block (environment variables, tags, parameters)."""
    name = unproxied(mapping.get("name"))
    if not isinstance(name, str):
        name = unproxied(mapping.get("key"))
    if not isinstance(name, str) or name in values.ENGINE_UNKNOWNS:
        return None
    kind = unproxied(mapping.get("type"))
    return name, mapping.get("value"), values.enum(kind) if isinstance(kind, str) else ""


def findings(
    scanner: credentials.CredentialScanner, type_token: str, props: Any
) -> tuple[list[_Finding], list[str]]:
    """(property path, why) per credential in a resource's inputs, and the credential-named
    properties whose value is unknown during preview."""
    walk = _Walk(scanner, SECRET_INPUTS.get(type_token, frozenset()))
    skipped = _SKIPPED.get(type_token, frozenset())
    found: list[_Finding] = []
    if type_token == _SSM_PARAMETER:
        kind = values.enum(values.get(props, "type"))
        if kind == "SECURESTRING":
            skipped = skipped | {"value"}
        else:
            name = values.get(props, "name")
            value = values.get(props, "value")
            if isinstance(name, str) and isinstance(value, str):
                why = scanner.setting(name.rsplit("/", 1)[-1], value)
                if why:
                    found.append(("value", why))
                skipped = skipped | {"value"}
    lazy = isinstance(props, LazyProps)
    wire = props._fields if lazy else None
    raw = props.raw if lazy else unproxied(props).get
    secret_paths = walk.secret_paths
    unknown: list[str] = []
    for key in props:
        if key in skipped:
            continue
        if lazy and scanner.credential_name(key) and props.secret_at(key):
            continue  # a credential input (e.g. adminUserPassword) given as a Pulumi secret
        memo_key = None
        if wire is not None and not secret_paths:
            # One property's verdict per wire value: tags and settings repeat across resources,
            # and a hit costs a serialisation in C instead of a conversion and a walk.
            try:
                memo_key = (key, wire[key].SerializeToString(deterministic=True))
            except (AttributeError, KeyError, TypeError):
                memo_key = None
            if memo_key is not None and memo_key in scanner.property_memo:
                part, part_unknown = scanner.property_memo[memo_key]
                found.extend(part)
                unknown.extend(part_unknown)
                continue
        walk.found, walk.unknown_credentials = [], []
        value = raw(key)
        holds_secret = lazy and props.secret_within(key)
        walk.secret = props.secret_at if holds_secret else _never
        walk.value(value, key, key, (key,) if holds_secret else None)
        found.extend(walk.found)
        unknown.extend(walk.unknown_credentials)
        if memo_key is not None:
            if len(scanner.property_memo) > _MEMO_LIMIT:
                scanner.property_memo.clear()
            scanner.property_memo[memo_key] = (tuple(walk.found), tuple(walk.unknown_credentials))
    return found, unknown


def _check(ctx: ResourceContext) -> None:
    scanner = credentials.CredentialScanner(ctx.config)
    found, unknown = findings(scanner, ctx.type, ctx.props)
    for path, why in found:
        ctx.violation(
            path,
            f"{why} (value not shown)",
            "the credential in Secrets Manager or an SSM SecureString, referenced by ARN or "
            "resolved at run time; plain inputs are readable through the service's Describe/Get "
            "APIs and the console",
        )
    for path in dict.fromkeys(unknown):
        ctx.unknown(path)


SCANNER_CONFIG: Final[dict[str, Any]] = {
    "credentialNamePatterns": schema.string_list(
        "Regular expressions (case-insensitive) on setting names (canonical: upper case, "
        "'-' and '.' as '_') that denote credentials.",
        credentials.CREDENTIAL_NAME_PATTERNS,
        regex=True,
    ),
    "allowedVariableNames": schema.string_list(
        "Names that match a pattern but hold no credential (e.g. 'AUTH_MODE').", ()
    ),
    "publicVariablePrefixes": schema.string_list(
        "Name prefixes of variables that are public by design (shipped to browsers); their "
        "values are still checked for token formats.",
        credentials.PUBLIC_PREFIXES,
    ),
}
"""The credential scanner's settings, shared by the rules that use it."""


NO_CREDENTIALS_IN_INPUTS = ResourceRule(
    name="no-credentials-in-resource-inputs",
    normalises=(
        "setting names canonicalised (NFKC, look-alike letters folded, zero-width characters "
        "dropped, camelCase split, upper case); base64 and gzip blobs decoded; JSON strings "
        "parsed; word lists read as one command line"
    ),
    description=(
        "No resource may hold a credential in plain text in any input: Lambda and App Runner "
        "environments, CodeBuild and Batch variables, EC2 and launch-template user data (base64 "
        "and gzip decoded), SSM parameters of type String, Docker volume driver options and "
        "every other string are read with the container rule's scanner (names, assignments, "
        "headers, connection strings of any engine, secrets in commands, encoded blobs, token "
        "formats). Known-safe shapes pass (public keys, publishable and site keys, Sentry DSNs, "
        "ARNs, references). An input made to receive a secret that AWS keeps write-only takes "
        "a Pulumi secret or an unknown (a plain literal there is a finding); a header value "
        "shaped like a generated secret passes only as a Pulumi secret."
    ),
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Store the value in aws.secretsmanager.Secret (or an SSM SecureString) and pass its ARN: "
        "Lambda reads it at start-up (Parameters and Secrets extension), CodeBuild with type "
        "SECRETS_MANAGER, Batch and ECS through `secrets`, App Runner through "
        "runtimeEnvironmentSecrets, user data by calling the API at boot."
    ),
    resource_types=None,
    check=_check,
    unknowns=(
        "A credential-named input whose value is unknown (e.g. a generated password): note; "
        "other unknown values are computed references and pass."
    ),
    config_properties=SCANNER_CONFIG,
    judges_type=lambda type_token, _config: (
        type_token != "pulumi:pulumi:Stack" and type_token not in REFERENCE_ONLY_TYPES
    ),
    tags=["secrets"],
)

_PARAMETER_TYPES: Final = {"STRING", "STRINGLIST", "SECURESTRING"}


def _check_ssm_parameter(ctx: ResourceContext) -> None:
    """An SSM parameter is a credential store or a setting: judged by its type and its name."""
    kind = ctx.get("type")
    if kind is values.UNKNOWN:
        ctx.unknown("type")
        return
    kind_word = values.enum(kind)
    if kind_word not in _PARAMETER_TYPES:
        ctx.violation("type", values.show(kind), "'String', 'StringList' or 'SecureString'")
        return
    if kind_word == "SECURESTRING":
        if ctx.get("keyId") is None:
            ctx.violation(
                "keyId",
                "not set (the AWS-managed aws/ssm key)",
                "a customer-managed KMS key, as for Secrets Manager secrets (its policy and "
                "rotation are the stack's)",
            )
        return
    name = ctx.get("name")
    if name is values.UNKNOWN:
        ctx.unknown("name")
        return
    scanner = credentials.CredentialScanner(ctx.config)
    leaf = name.rsplit("/", 1)[-1] if isinstance(name, str) else ""
    value = ctx.get("value")
    if leaf and scanner.credential_name(leaf) and value is values.UNKNOWN:
        # The value is computed (a generated password?): its name says what it holds.
        ctx.violation(
            "type",
            f"{values.show(kind)} for a parameter named like a credential ({name})",
            "'SecureString' with a customer-managed KMS key",
        )


SSM_PARAMETER_SECURE = ResourceRule(
    name="ssm-parameter-secure-string",
    normalises="type any case; the parameter's last path segment read as a setting name",
    description=(
        "SSM parameters: a credential is a SecureString under a customer-managed KMS key; a "
        "String parameter named like a credential whose value is computed at deploy time is "
        "refused by its name (a known plain value is judged by no-credentials-in-resource-"
        "inputs); an unknown parameter type is refused."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "aws.ssm.Parameter(type='SecureString', key_id=<a customer-managed key ARN>, "
        "value=pulumi.Output.secret(...)), or a Secrets Manager secret."
    ),
    resource_types=[_SSM_PARAMETER],
    check=_check_ssm_parameter,
    unknowns="type or name unknown: note.",
    config_properties=SCANNER_CONFIG,
    tags=["secrets", "ssm"],
)
