#!/usr/bin/env bash
# Runs rat4j on emulated CPUs of the kinds this machine is not: an AVX2-only one (Haswell: no AVX-512) and one
# without AVX at all (Nehalem), under QEMU's user-mode emulator, and checks that the launcher picks the build that
# CPU can run from its flags, that the build loaded is that one, and that it scores a model to the same logits as
# the real CPU. QEMU emulates CPUID but shows the host's /proc/cpuinfo, so each run sees a copy of it with the flags
# that CPU lacks removed, bind-mounted in a private mount namespace. Needs qemu-user (Debian package) and root.
#
#   scripts/check-cpu-kinds.sh            after scripts/setup.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command -v qemu-x86_64 >/dev/null || { echo "check-cpu-kinds: qemu-x86_64 missing; apt-get install qemu-user" >&2; exit 1; }
java_bin="$(readlink -f "$(command -v java)")"
jar=$(ls training/target/rat4j-training-*.jar | grep -v -e sources -e javadoc | head -n 1)
cp="$jar:training/target/lib/*"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184

./rat4j init --config configs/model/tiny-rat.yaml --seed 7 --out "$work/model" >/dev/null 2>&1
./rat4j score --model "$work/model" --tokens 1,450,4996,17354,29892 --out "$work/host.npy" >/dev/null 2>&1
host_build=$(./rat4j env 2>/dev/null | awk -F': *' '/^nd4j build/ {print $2}')
echo "check-cpu-kinds: this CPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)) loads $host_build"

# max |a - b| over two float32 .npy files of the same shape (no numpy needed)
npy_diff() {
  python3 - "$1" "$2" <<'EOF'
import struct, sys
def load(p):
    b = open(p, 'rb').read()
    n = struct.unpack('<H', b[8:10])[0]
    data = b[10 + n:]
    return struct.unpack('<%df' % (len(data) // 4), data)
a, b = load(sys.argv[1]), load(sys.argv[2])
assert len(a) == len(b), (len(a), len(b))
print(max(abs(x - y) for x, y in zip(a, b)))
EOF
}

# A private mount namespace shows the emulated CPU's /proc/cpuinfo. Where one cannot be made (no root), the build is
# named with RAT4J_ND4J_BUILD instead: that still runs it on the emulated CPU, but does not check the choice.
if unshare -m true 2>/dev/null; then namespaces=yes; else
  namespaces=no
  echo "check-cpu-kinds: cannot unshare a mount namespace here; naming each build with RAT4J_ND4J_BUILD" >&2
fi

# kind, QEMU CPU model, flags that CPU lacks (regex), the build it must load
check() {
  local kind=$1 qcpu=$2 strip=$3 want=$4
  sed -E "/^flags/ s/ ($strip)//g" /proc/cpuinfo > "$work/cpuinfo-$kind"
  local launch="qemu-x86_64 -cpu $qcpu '$java_bin' -Xmx2g -cp '$cp' org.rat4j.launcher.Rat4j"
  local run="mount --bind '$work/cpuinfo-$kind' /proc/cpuinfo && exec $launch"
  if [[ $namespaces == no ]]; then
    local short=${want#linux-x86_64}; short=${short#-onednn-}; short=${short:-generic}
    run="RAT4J_ND4J_BUILD=$short exec $launch"
  fi
  unshare() { if [[ $namespaces == yes ]]; then command unshare "$@"; else shift; "$@"; fi; }
  local got
  got=$(unshare -m sh -c "$run env" 2>"$work/$kind.err" | awk -F': *' '/^nd4j build/ {print $2}')
  if [[ "$got" != "$want" ]]; then
    echo "check-cpu-kinds: FAIL on $kind ($qcpu): loaded '$got', expected $want" >&2
    tail -n 20 "$work/$kind.err" >&2
    exit 1
  fi
  unshare -m sh -c "$run score --model '$work/model' --tokens 1,450,4996,17354,29892 --out '$work/$kind.npy'" \
    >/dev/null 2>>"$work/$kind.err" || { echo "check-cpu-kinds: FAIL: score on $kind" >&2; tail -n 20 "$work/$kind.err" >&2; exit 1; }
  local diff
  diff=$(npy_diff "$work/host.npy" "$work/$kind.npy")
  if ! python3 -c "import sys; sys.exit(0 if float('$diff') < 1e-4 else 1)"; then
    echo "check-cpu-kinds: FAIL on $kind: logits differ from this CPU's by $diff" >&2
    exit 1
  fi
  echo "check-cpu-kinds: $kind ($qcpu) loads $got and scores the model to within $diff of this CPU"
}

check avx2 Haswell-v4 'avx512[a-z0-9_]*' linux-x86_64-onednn-avx2
check no-avx Nehalem-v2 'avx512[a-z0-9_]*|avx2|avx|fma|f16c|bmi1|bmi2' linux-x86_64
echo "check-cpu-kinds: ok"
