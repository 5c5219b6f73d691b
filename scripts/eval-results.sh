#!/usr/bin/env bash
# The evaluation tables of docs/results.md: the main job's model and the tiny parity models (RAT, attention, RNN,
# RAT/SWA, trained identically by scripts/parity.sh; runs/parity/tiny-rat is the main job's recipe,
# configs/experiment/tiny-rat.yaml) on every task, and a tiny RAT+ model under the RAT+ Table 8 sweep. Whatever model
# is missing is trained first (about 6 minutes each on 2 idle cores, 12 for RAT+'s joint training).
#   scripts/eval-results.sh [OUT_DIR]      # default runs/eval-results
# Items per task (the first N, lm-eval's --limit; unset = all):
#   CSR_LIMIT (default 300), GEN_LIMIT (qmsum, default 40), NIAH_LIMIT (per task and length, default 10),
#   SWEEP_LIMIT (default 150), PPL_LIMIT (windows, default 300)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${1:-runs/eval-results}"
csr_limit="${CSR_LIMIT-300}"
gen_limit="${GEN_LIMIT-40}"
niah_limit="${NIAH_LIMIT-10}"
sweep_limit="${SWEEP_LIMIT-150}"
ppl_limit="${PPL_LIMIT-300}"
limit() { [[ -n "$1" ]] && echo "--limit $1" || true; }

models=(tiny-rat tiny-attention tiny-rnn tiny-rat-swa)
scripts/parity.sh runs/parity >/dev/null
if [[ ! -f runs/parity/tiny-ratplus/final/model.safetensors ]]; then
  echo "eval-results: training tiny-ratplus" >&2
  ./rat4j train --config configs/experiment/tiny-ratplus.yaml --no-progress train.run_dir=runs/parity/tiny-ratplus >/dev/null
fi
args=()
for m in "${models[@]}" tiny-ratplus; do args+=(--model "runs/parity/$m/final"); done

# The models were trained on 128-token windows: log-likelihood inputs are cut to 128 tokens (lm-eval's max_length),
# perplexity is measured at 1x and 4x that length, NIAH at 2x and 4x (its shortest tasks need about 190 tokens), and
# qmsum gets a 1024-token budget (a 4096-token prompt means nothing to these models).
echo "eval-results: commonsense tasks and perplexity" >&2
./rat4j eval "${args[@]}" --tasks csr $(limit "$csr_limit") --no-progress --out "$out/csr"
./rat4j eval "${args[@]}" --tasks ppl --ppl-window 128,512 $(limit "$ppl_limit") --no-progress --out "$out/ppl"
echo "eval-results: qmsum and NIAH" >&2
./rat4j eval "${args[@]}" --tasks qmsum --max-len 1024 --max-gen 128 $(limit "$gen_limit") --no-progress --out "$out/qmsum"
./rat4j eval "${args[@]}" --tasks ruler --niah-lengths 256,512 $(limit "$niah_limit") --no-progress --out "$out/niah"
echo "eval-results: RAT+ inference sweep" >&2
./rat4j eval --model runs/parity/tiny-ratplus/final --tasks piqa,arc_easy,winogrande,lambada_openai,ppl \
  --ratplus-sweep table8 $(limit "$sweep_limit") --no-progress --out "$out/ratplus-sweep"
echo "eval-results: tables in $out/*/report.md" >&2
