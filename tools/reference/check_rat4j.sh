#!/usr/bin/env bash
# Cross-checks rat4j's forward pass against the independent float64 NumPy reference (rat_reference.py).
#
# For each small model config: `rat4j init`, then `rat4j score` (float32 and --precision float64) on random token
# ids of two lengths (40, and 37 which is not a multiple of any chunk size used), and the same for a perturbed copy
# of the weights (weights x5, random norm gains and gate biases; see rat_reference.perturb_model), compared with
# the reference logits. Error = max|rat4j - ref| / max|ref|.
# Fails (exit 1) when a float32 score exceeds TOL32 (1e-4) or a float64 score exceeds TOL64 (1e-6: `score` writes
# float32 .npy files, so a float64 computation can only be checked down to float32 rounding, ~3e-8 relative).
#
# Usage: tools/reference/check_rat4j.sh [--keep]     (needs a built repo: ./rat4j works)
# Env:   RAT4J (launcher, default <repo>/rat4j), PYTHON (default python3), TOL32, TOL64, SEED
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
RAT4J="${RAT4J:-$repo/rat4j}"
PYTHON="${PYTHON:-python3}"
REF="$here/rat_reference.py"
TOL32="${TOL32:-1e-4}"
TOL64="${TOL64:-1e-6}"
SEED="${SEED:-7}"
keep=0
[[ "${1:-}" == "--keep" ]] && keep=1

work="$(mktemp -d "${TMPDIR:-/tmp}/rat4j-check.XXXXXX")"
if [[ $keep == 0 ]]; then trap 'rm -rf "$work"' EXIT; else echo "work dir: $work"; fi

# ---------------------------------------------------------------------------------------------------------------
# configs: name -> backbone YAML (indented under `backbone:`)
# ---------------------------------------------------------------------------------------------------------------
names=()
declare -A bb top
add() { names+=("$1"); bb[$1]="$2"; top[$1]="${3:-}"; }  # add NAME BACKBONE [EXTRA_TOP_LEVEL_LINES]

add rat_L4_G2 "    seq_cell: {type: rat, chunk_size: 4, ngroups: 2}"
add rat_L16 "    seq_cell: {type: rat, chunk_size: 16, ngroups: 2}"
add rat_L1_G4 "    seq_cell: {type: rat, chunk_size: 1, ngroups: 4}"
add attention "    seq_cell: {type: attention}"
add swa_W5 "    seq_cell: {type: swa, window_size: 5}"
add rnn "    seq_cell: {type: rnn}"
add hybrid_rat4_swa5 "    seq_cell: {type: swa, window_size: 5}
    seq_cell1: {type: rat, chunk_size: 4, ngroups: 2}
    interleave_step: 2"
for t in "4 0 0" "4 3 2" "-1 5 2" "1 0 0" "2 2 1" "16 0 0"; do
  set -- $t
  add "ratplus_Dl${1}_W${2}_P${3}" "    seq_cell: {type: ratplus, dilation_size: $1, local_size: $2, initial_size: $3, apply_re: true}"
done
add ratplus_list "    seq_cell: {type: ratplus, dilation_size: [4, -1, 2], local_size: [0, 3, 1], initial_size: [0, 2, 1], apply_re: true}"
add ratplus_nore_Dl2_W1_P1 "    seq_cell: {type: ratplus, dilation_size: 2, local_size: 1, initial_size: 1, apply_re: false}"
add ratplus_nore_dense "    seq_cell: {type: ratplus, dilation_size: 1, local_size: 0, initial_size: 0, apply_re: false}"
add hybrid_ratplus_lists "    seq_cell: {type: ratplus, dilation_size: [2], local_size: [1], initial_size: [1], apply_re: true}
    seq_cell1: {type: ratplus, dilation_size: [4, -1], local_size: [0, 2], initial_size: [1, 0], apply_re: true}
    interleave_step: 2"
add gated_attention "    seq_cell: {type: gated_attention}"
# no positional encoding (rope: none, NoPE), the length-generalisation setting
add rat_L4_nope "    seq_cell: {type: rat, chunk_size: 4, ngroups: 2, rope: none}"
add attention_nope "    seq_cell: {type: attention, rope: none}"
add swa_W5_nope "    seq_cell: {type: swa, window_size: 5, rope: none}"
add ratplus_Dl4_W3_P2_nope "    seq_cell: {type: ratplus, dilation_size: 4, local_size: 3, initial_size: 2, apply_re: true, rope: none}"
add rat_L8_G1_untied_eps "    seq_cell: {type: rat, chunk_size: 8, ngroups: 1, rope_base: 500.0}" "  tie_embedding: false
  norm_eps: 1.0e-3"

tokens() {  # tokens N SEED -> comma-separated ids in [0, 101)
  "$PYTHON" -c "import random; r=random.Random($2); print(','.join(str(r.randrange(101)) for _ in range($1)))"
}

# compare FILE MODEL IDS -> prints "err ulps" (or "ERR ERR")
compare() {
  local line
  line=$("$PYTHON" "$REF" --model "$2" --tokens "$3" --compare "$1" --tol 1 2>&1) || { echo "ERR ERR"; return; }
  # "max relative error X (tol ...) OK; max Y float32 ulps"
  awk '{for(i=1;i<=NF;i++){if($i=="error")e=$(i+1); if($i=="float32")u=$(i-1)}} END{print e, u}' <<<"$line"
}

over() { "$PYTHON" -c "import sys; sys.exit(0 if (sys.argv[1]=='ERR' or float(sys.argv[1])>float(sys.argv[2])) else 1)" "$1" "$2"; }

fail=0
printf '%-24s %-9s %4s %11s %11s %9s\n' config weights T err_f32 err_f64 f64_ulps
printf '%-24s %-9s %4s %11s %11s %9s\n' ------ ------- - ------- ------- --------
for name in "${names[@]}"; do
  d="$work/$name"
  mkdir -p "$d"
  cat >"$d/model.yaml" <<EOF
model:
  vocab_size: 101
  d_model: 32
  n_layers: 3
  num_heads: 4
  seq_len: 64
${top[$name]:+${top[$name]}
}  backbone:
${bb[$name]}
EOF
  if ! "$RAT4J" init --config "$d/model.yaml" --seed "$SEED" --out "$d/init" >"$d/init.log" 2>&1; then
    printf '%-24s rat4j init FAILED (see %s)\n' "$name" "$d/init.log"; fail=1; continue
  fi
  "$PYTHON" "$REF" --perturb "$d/init" --out "$d/perturbed" --seed "$SEED"
  for case in "init 40 1" "init 37 2" "perturbed 40 3" "perturbed 37 4"; do
    set -- $case
    m="$d/$1"; ids=$(tokens "$2" "$3")
    row=("$name" "$1" "$2")
    for prec in float32 float64; do
      out="$d/$1_$2_$prec.npy"
      if ! "$RAT4J" score --model "$m" --tokens "$ids" --out "$out" --precision "$prec" >"$out.log" 2>&1; then
        row+=("ERR"); [[ $prec == float64 ]] && row+=("ERR"); fail=1; continue
      fi
      read -r e u < <(compare "$out" "$m" "$ids")
      row+=("$e"); [[ $prec == float64 ]] && row+=("$u")
      tol=$TOL32; [[ $prec == float64 ]] && tol=$TOL64
      if over "$e" "$tol"; then fail=1; row[0]="${row[0]}*"; fi
    done
    printf '%-24s %-9s %4s %11s %11s %9s\n' "${row[@]}"
  done
done
echo
if [[ $fail == 0 ]]; then
  echo "all configs agree (float32 <= $TOL32, float64 <= $TOL64)"
else
  echo "FAILURES (marked *): float32 tol $TOL32, float64 tol $TOL64"
fi
exit $fail
