#!/usr/bin/env bash
# Everything the first `pulumi up` needs in an empty AWS account, created from committed files:
# GitHub's OIDC provider, one permissions boundary and one deploy role per deploy environment
# (staging -> stack staging, production -> stack prod), the pull request's read-only preview role,
# and, for the self-managed backend, the state bucket and the KMS key and alias of the secrets
# provider. Run once per account with administrator credentials (docs/first-deploy.md):
#
#   deploy/bootstrap.sh --repository <owner>/<repo> --region eu-west-1 \
#       [--state-bucket <bucket>]      # only for the self-managed (S3 + KMS) backend
#
# With one account per environment (docs/delivery.md, "Accounts"), run it in each account with
# --environments naming that account's environment, e.g. --environments production.
# The region-loss stack prod-dr (docs/runbooks/disaster-recovery.md) has its own boundary and
# role: --environments production-dr, in prod's account (IAM is global: it works during a loss).
# Re-running it is safe: what exists is updated (policies, trust) or left as it is.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repository="" region="" state_bucket="" environments="staging production"
# The longest session a deploy job asks for (role-duration-seconds in deploy.yml) must fit.
max_session_seconds=10800

usage() {
  echo "usage: deploy/bootstrap.sh --repository <owner>/<repo> --region <region>" \
    "[--state-bucket <bucket>] [--environments 'staging production']" >&2
  exit 2
}
while [ "$#" -gt 0 ]; do
  case "$1" in
    --repository) repository=${2:-}; shift 2 ;;
    --region) region=${2:-}; shift 2 ;;
    --state-bucket) state_bucket=${2:-}; shift 2 ;;
    --environments) environments=${2:-}; shift 2 ;;
    *) usage ;;
  esac
done
[[ "$repository" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || { echo "--repository: want <owner>/<repo>, got '$repository'" >&2; usage; }
[[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]$ ]] || { echo "--region: want e.g. eu-west-1, got '$region'" >&2; usage; }

account=$(aws sts get-caller-identity --query Account --output text)
stack_of() {
  case "$1" in
    staging) echo staging ;;
    production) echo prod ;;
    production-dr) echo prod-dr ;;
    prod|prod-dr) echo "unknown environment '$1' (staging, production, production-dr)" >&2; exit 2 ;;
    # Any other stack (make new-stack): its GitHub environment has the stack's name.
    *) if [ -f "$here/../Pulumi.$1.yaml" ]; then echo "$1"; else
         echo "unknown environment '$1' (staging, production, production-dr, or the name of" \
           "a stack with a Pulumi.<stack>.yaml)" >&2; exit 2; fi ;;
  esac
}
render() { # template, stack, environment -> the document with its placeholders filled
  sed -e "s|\${Stack}|$2|g" -e "s|\${AccountId}|$account|g" \
    -e "s|\${Repository}|$repository|g" -e "s|\${Environment}|$3|g" "$1"
}
# The stack file's value of one setting, as the committed files write it: `key: value` on a line of
# its own (quotes and a trailing comment allowed). A key written any other way, or twice, is refused
# rather than skipped: the role would lack what the stack's `up` needs.
stack_setting() { # stack file, key
  local found
  found=$(sed -n -E "s/^[[:space:]]+$2:[[:space:]]*[\"']?([^\"'#[:space:]]*)[\"']?[[:space:]]*(#.*)?\$/\1/p" "$1")
  if [ "$(printf '%s' "$found" | grep -c '')" -gt 1 ]; then
    echo "$(basename "$1"): $2 is set more than once; allowed: once" >&2; exit 2
  fi
  if [ -z "$found" ] && grep -q -E "(^|[^A-Za-z])$2[\"']?[[:space:]]*:" "$1"; then
    echo "$(basename "$1"): cannot read $2; allowed: '$2: <value>' on a line of its own" >&2; exit 2
  fi
  printf '%s' "$found"
}
# Route 53 records the stack writes (components/cdn.py): the domain's A and AAAA aliases and its
# certificate's validation CNAME (cdn.domainName), the origin name's A alias
# (service.originDomainName), all in cdn.hostedZoneId. Route 53 has no tag condition for a hosted
# zone, so the role is given these names in that zone and no other record.
# Sets zone, domain and origin ("" when the stack has no domain).
read_stack_dns() { # stack
  local file="$here/../Pulumi.$1.yaml" key value zone_name private
  zone=$(stack_setting "$file" hostedZoneId)
  domain=$(stack_setting "$file" domainName)
  origin=$(stack_setting "$file" originDomainName)
  if [ -z "$zone" ] && [ -z "$domain" ] && [ -z "$origin" ]; then return; fi
  [[ "$zone" =~ ^Z[A-Z0-9]{4,32}$ ]] || {
    echo "$(basename "$file"): cdn.hostedZoneId: got '$zone'; allowed: a Route 53 zone id" \
      "(Z and 4-32 capitals or digits), set with cdn.domainName" >&2; exit 2; }
  for key in domainName originDomainName; do
    if [ "$key" = domainName ]; then value=$domain; else value=$origin; fi
    [ "$key" = originDomainName ] && [ -z "$value" ] && continue
    [[ "$value" =~ ^([a-z0-9-]+\.)+[a-z]{2,}$ ]] && [ "${#value}" -le 253 ] || {
      echo "$(basename "$file"): $key: got '$value'; allowed: a lowercase DNS name without a" \
        "trailing dot (Route 53 matches names normalized: lowercase, no trailing dot)" >&2; exit 2; }
  done
  read -r zone_name private < <(aws route53 get-hosted-zone --id "$zone" \
    --query 'HostedZone.[Name,Config.PrivateZone]' --output text) || {
    echo "$(basename "$file"): cdn.hostedZoneId: no hosted zone '$zone' in account $account;" \
      "allowed: a public zone of this account (the deploy role writes its records)" >&2; exit 2; }
  zone_name=$(printf '%s' "${zone_name%.}" | tr 'A-Z' 'a-z')
  [ "$private" = False ] || {
    echo "$(basename "$file"): cdn.hostedZoneId: '$zone' is a private zone; allowed: a public" \
      "zone (viewers resolve cdn.domainName)" >&2; exit 2; }
  for value in "$domain" "$origin"; do
    [ -z "$value" ] || [ "$value" = "$zone_name" ] || [[ "$value" == *".$zone_name" ]] || {
      echo "$(basename "$file"): '$value' is not in zone '$zone' ($zone_name); allowed: a name" \
        "under $zone_name" >&2; exit 2; }
  done
}
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

# Every environment and its stack's domain settings are checked before anything is written.
for environment in $environments; do
  stack=$(stack_of "$environment")
  read_stack_dns "$stack"
done

# 1. GitHub's OIDC provider (AWS no longer checks the thumbprint for this issuer; one is required).
provider="arn:aws:iam::$account:oidc-provider/token.actions.githubusercontent.com"
if ! aws iam get-open-id-connect-provider --open-id-connect-provider-arn "$provider" >/dev/null 2>&1; then
  aws iam create-open-id-connect-provider --url https://token.actions.githubusercontent.com \
    --client-id-list sts.amazonaws.com \
    --thumbprint-list 6938fd4d98bab03faadb97b34396831e3780aea1 >/dev/null
fi

# A customer-managed policy created, or its committed document made the new default version. IAM
# keeps at most five versions, so the oldest non-default one goes first when four are kept.
put_managed_policy() { # name, document file
  local arn="arn:aws:iam::$account:policy/$1" kept oldest
  if aws iam get-policy --policy-arn "$arn" >/dev/null 2>&1; then
    kept=$(aws iam list-policy-versions --policy-arn "$arn" \
      --query 'Versions[?!IsDefaultVersion].VersionId' --output text)
    if [ "$(echo $kept | wc -w)" -ge 4 ]; then
      oldest=$(echo $kept | tr ' ' '\n' | sort -V | head -n 1)
      aws iam delete-policy-version --policy-arn "$arn" --version-id "$oldest"
    fi
    aws iam create-policy-version --policy-arn "$arn" --set-as-default \
      --policy-document "file://$2" >/dev/null
  else
    aws iam create-policy --policy-name "$1" --policy-document "file://$2" >/dev/null
  fi
}

# 2. Per environment: the boundary every role of its stack is created under, then the deploy role.
#    Its Deny statements are a managed policy (IAM's 10,240 characters of inline policy per role
#    hold the Allow statements; a managed policy holds 6,144), attached before the Allow
#    statements are written, so the role never has the allows without the denies.
for environment in $environments; do
  stack=$(stack_of "$environment")
  role="perfcheck-deploy-$stack"
  render "$here/permissions-boundary.json" "$stack" "$environment" > "$workdir/boundary.json"
  render "$here/trust-policy.json" "$stack" "$environment" > "$workdir/trust.json"
  render "$here/deploy-role-guards.json" "$stack" "$environment" > "$workdir/guards.json"
  render "$here/deploy-role-policy.json" "$stack" "$environment" > "$workdir/deploy.json"
  put_managed_policy "perfcheck-$stack-boundary" "$workdir/boundary.json"
  if aws iam get-role --role-name "$role" >/dev/null 2>&1; then
    aws iam update-assume-role-policy --role-name "$role" --policy-document "file://$workdir/trust.json"
    aws iam update-role --role-name "$role" --max-session-duration "$max_session_seconds"
  else
    aws iam create-role --role-name "$role" --max-session-duration "$max_session_seconds" \
      --assume-role-policy-document "file://$workdir/trust.json" \
      --tags "Key=Environment,Value=$stack" >/dev/null
  fi
  put_managed_policy "perfcheck-$stack-deploy-guards" "$workdir/guards.json"
  aws iam attach-role-policy --role-name "$role" \
    --policy-arn "arn:aws:iam::$account:policy/perfcheck-$stack-deploy-guards"
  aws iam put-role-policy --role-name "$role" --policy-name "$role" \
    --policy-document "file://$workdir/deploy.json"
  # The records the stack writes, as a second inline policy; gone when the stack has no domain.
  read_stack_dns "$stack"
  if [ -n "$zone" ]; then
    render "$here/dns-records-policy.json" "$stack" "$environment" | sed -e "s|\${HostedZoneId}|$zone|g" \
      -e "s|\${DomainName}|$domain|g" -e "s|\${OriginDomainName}|${origin:-$domain}|g" \
      > "$workdir/dns.json"
    aws iam put-role-policy --role-name "$role" --policy-name "$role-dns" \
      --policy-document "file://$workdir/dns.json"
  elif aws iam get-role-policy --role-name "$role" --policy-name "$role-dns" >/dev/null 2>&1; then
    aws iam delete-role-policy --role-name "$role" --policy-name "$role-dns"
  fi
  echo "GitHub environment '$environment': variable AWS_DEPLOY_ROLE_ARN=arn:aws:iam::$account:role/$role"
done

# 3. The pull request's preview role: read-only, trusted by the `preview` environment only. It
#    reads staging's state and is given no key of prod's (docs/delivery.md, "Tokens").
render "$here/trust-policy.json" staging preview > "$workdir/trust.json"
if ! aws iam get-role --role-name perfcheck-preview >/dev/null 2>&1; then
  aws iam create-role --role-name perfcheck-preview \
    --assume-role-policy-document "file://$workdir/trust.json" >/dev/null
  aws iam attach-role-policy --role-name perfcheck-preview \
    --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess
fi
echo "GitHub environment 'preview': variable AWS_PREVIEW_ROLE_ARN=arn:aws:iam::$account:role/perfcheck-preview"

# 4. Self-managed backend only: the state bucket and the secrets provider's key, one per stack.
if [ -n "$state_bucket" ]; then
  if ! aws s3api head-bucket --bucket "$state_bucket" >/dev/null 2>&1; then
    # us-east-1 takes no LocationConstraint (S3 answers InvalidLocationConstraint to it).
    if [ "$region" = us-east-1 ]; then
      aws s3api create-bucket --bucket "$state_bucket" --region "$region" >/dev/null
    else
      aws s3api create-bucket --bucket "$state_bucket" --region "$region" \
        --create-bucket-configuration "LocationConstraint=$region" >/dev/null
    fi
  fi
  aws s3api put-bucket-versioning --bucket "$state_bucket" --versioning-configuration Status=Enabled
  aws s3api put-public-access-block --bucket "$state_bucket" --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
  aws s3api put-bucket-encryption --bucket "$state_bucket" --server-side-encryption-configuration \
    '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]}'
  for environment in $environments; do
    stack=$(stack_of "$environment")
    alias="alias/perfcheck-pulumi-secrets-$stack"
    if ! aws kms describe-key --key-id "$alias" --region "$region" >/dev/null 2>&1; then
      key=$(aws kms create-key --region "$region" --description "Pulumi secrets of stack $stack" \
        --tags "TagKey=Environment,TagValue=$stack" --query KeyMetadata.KeyId --output text)
      aws kms enable-key-rotation --key-id "$key" --region "$region"
      aws kms create-alias --alias-name "$alias" --target-key-id "$key" --region "$region"
    fi
    echo "stack $stack: pulumi stack init $stack --secrets-provider='awskms://$alias?region=$region'"
  done
  echo "backend: pulumi login s3://$state_bucket"
fi
