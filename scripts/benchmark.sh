#!/usr/bin/env bash
# One command for rat4j's efficiency benchmarks (issue #5): builds if needed, installs the PyTorch peer's Debian
# packages if missing, sets the thread and allocator settings for both sides, then runs the machine limits, the
# layer grid, the PyTorch peer on the same shapes, an op-level profile and the whole-model throughput, and writes
# CSV, JSON, charts and a summary. Default: the CPU suite (D=1024, 8 heads), under 20 minutes on 2 cores.
#
#   scripts/benchmark.sh                          # default suite -> efficiency/results/default/
#   scripts/benchmark.sh --suite quick            # smoke run of every stage, about 1.5 minutes
#   scripts/benchmark.sh --suite gpu --out DIR    # the paper's grid (D=2048, B·T=262,144, T to 131,072)
#   scripts/benchmark.sh --help                   # every option
#
# Environment: RAT4J_THREADS (threads of both sides, default: all cores), RAT4J_OPENBLAS_CORETYPE (OpenBLAS kernel of
# both sides; default SkylakeX where the CPU has AVX-512, else OpenBLAS's own choice), RAT4J_NO_APT=1 (never apt-get),
# RAT4J_SKIP_BUILD=1 (use the built efficiency/target as it is).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
start=$(date +%s)

suite=default
out=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --suite) suite="${args[$((i + 1))]:-default}" ;;
    --suite=*) suite="${args[$i]#--suite=}" ;;
    --out) out="${args[$((i + 1))]:-}" ;;
    --out=*) out="${args[$i]#--out=}" ;;
    -h|--help) help=1 ;;
  esac
done
[[ -z "$out" ]] && args+=(--out "efficiency/results/$suite")

log() { printf '[benchmark] %s\n' "$*" >&2; }

# 1. Build (rat-samediff and efficiency) when the jar is missing or older than a source file.
jar=$(ls efficiency/target/rat4j-efficiency-*.jar 2>/dev/null | head -n 1 || true)
stale=1
if [[ -n "$jar" && -d efficiency/target/lib ]]; then
  if [[ -z "$(find rat-samediff/src/main efficiency/src/main pom.xml rat-samediff/pom.xml efficiency/pom.xml -newer "$jar" -type f 2>/dev/null | head -n 1)" ]]; then
    stale=0
  fi
fi
if [[ "${RAT4J_SKIP_BUILD:-0}" == 1 && -n "$jar" ]]; then
  stale=0    # a build managed by the caller (e.g. another Maven build running in the same tree)
fi
if [[ $stale == 1 ]]; then
  log "building rat-samediff and efficiency (mvn -q -B install -DskipTests -pl efficiency -am) ..."
  mvn -q -B install -DskipTests -pl efficiency -am
fi

if [[ -n "${help:-}" ]]; then
  exec java -cp "efficiency/target/classes:efficiency/target/lib/*" org.rat4j.bench.Benchmarks --help
fi

# 2. The PyTorch peer: Debian's python3-torch with OpenBLAS (without libopenblas0-pthread torch runs the generic
#    reference BLAS, ~7.5 GFLOP/s: a straw man).
py=/usr/bin/python3
peer_ok() { "$py" -c 'import torch' >/dev/null 2>&1 && dpkg -s libopenblas0-pthread >/dev/null 2>&1; }
peer_note=""
if [[ " ${args[*]} " != *" --no-peer "* ]] && ! peer_ok; then
  if [[ "${RAT4J_NO_APT:-0}" != 1 && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing the PyTorch peer's Debian packages: python3-torch libopenblas0-pthread ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q python3-torch libopenblas0-pthread >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q python3-torch libopenblas0-pthread >/dev/null 2>&1; } || true
  fi
  if ! peer_ok; then
    peer_note="the PyTorch peer is skipped: python3-torch and libopenblas0-pthread could not be installed (need root and Debian's apt)"
    log "$peer_note"
    args+=(--no-peer)
  fi
fi

# 3. Settings of both sides (stated in summary.md): the same thread count, calm OpenMP/OpenBLAS pools, the same
#    OpenBLAS kernel, no per-call mmap of large buffers.
threads="${RAT4J_THREADS:-$(nproc)}"
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" RAT4J_THREADS="$threads"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"
export MALLOC_MMAP_MAX_="${MALLOC_MMAP_MAX_:-0}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-17179869184}"
# One malloc arena: with the default per-thread arenas, buffers freed by one thread (ND4J's deallocator, OpenMP
# workers) were not reused by the next allocation of another, and a RAT prefill step at B·T=16384 faulted in ~19 GB of
# fresh pages per run (sys time 2.5x user time; 3.4 s per run with one arena against 6-18 s without, docs/performance.md).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}"
if [[ -n "${RAT4J_OPENBLAS_CORETYPE:-}" ]]; then
  export OPENBLAS_CORETYPE="$RAT4J_OPENBLAS_CORETYPE"
elif grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  # Some machines set OPENBLAS_CORETYPE=Haswell (AVX2 only, about half the fp32 GEMM rate); both sides get SkylakeX.
  export OPENBLAS_CORETYPE=SkylakeX
fi
log "threads $threads, OMP_WAIT_POLICY=$OMP_WAIT_POLICY, MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(OpenBLAS default)}, load $(cut -d' ' -f1-3 /proc/loadavg)"

# 4. Run (the Java side starts the workers, the peer and the model runs itself, each watched for memory and time).
java -Xmx1g -Djava.awt.headless=true -cp "efficiency/target/classes:efficiency/target/lib/*" \
  org.rat4j.bench.Benchmarks --peer-python "$py" "${args[@]}"

dir="$out"
[[ -z "$dir" ]] && dir="efficiency/results/$suite"
[[ -n "$peer_note" ]] && printf '\n> Note: %s.\n' "$peer_note" >> "$dir/summary.md"
log "finished in $(( $(date +%s) - start )) s (build and set-up included); open $dir/summary.md and $dir/charts/"
