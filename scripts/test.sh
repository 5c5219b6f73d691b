#!/usr/bin/env bash
# The test suite, as CI runs it: set-up (idempotent), then every module's tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
mvn -B test
# DL4J on Spark (dl4j-spark 1.0.0-M2 beside the M2.1 core, docs/training.md): the local[2] test, in its own profile
mvn -B -Pspark test -pl training -Dtest=SparkTrainingTest -Dsurefire.failIfNoSpecifiedTests=false
