#!/usr/bin/env bash
# Writes local/.env with fresh random local-only credentials for compose.yaml, once.
# Nothing here is a real secret: the values exist only on this machine and are git-ignored.
set -euo pipefail
cd "$(dirname "$0")"
if [[ -e .env ]]; then
  echo "local/.env exists; delete it to make new values" >&2
  exit 0
fi
random_hex() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
umask 077
cat > .env <<ENV
DB_NAME=perfcheck
DB_USERNAME=perfcheck
DB_PASSWORD=$(random_hex)
REDIS_AUTH_TOKEN=$(random_hex)
REVALIDATE_SECRET=$(random_hex)
INTERNAL_API_TOKEN=$(random_hex)
NEXT_SERVER_ACTIONS_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)
ENV
echo "wrote local/.env"
