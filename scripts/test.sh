#!/usr/bin/env bash
# The test suite, as CI runs it: set-up (idempotent), then every module's tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
mvn -B test
