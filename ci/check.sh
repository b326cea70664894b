#!/bin/sh
# Validates the records of a maintdb data repository in CI, for hosts where server hooks are
# not allowed. Prints GitHub annotations under GitHub Actions, short diagnostics elsewhere.
# Needs `maintdb` on the PATH (or MAINTDB=/path/to/maintdb).
set -eu
MAINTDB=${MAINTDB:-maintdb}
if [ -n "${GITHUB_ACTIONS:-}" ]; then
  format=github
else
  format=short
fi
exec "$MAINTDB" check --format "$format" "$@"
