#!/usr/bin/env bash
# The parity table of docs/results.md: tiny RAT(L=16), attention, RNN and the RAT/SWA hybrid trained identically
# (configs/experiment/tiny-*.yaml: same data, order, recipe and steps), then validation loss, perplexity and
# training throughput side by side (parity.md) and their loss curves on one chart (parity.png). About 10 minutes per model on 2 cores.
#   scripts/parity.sh [OUT_DIR] [key=value ...]      # default OUT_DIR runs/parity; overrides go to every run
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${1:-runs/parity}"
shift || true
mkdir -p "$out"
models=(tiny-rat tiny-attention tiny-rnn tiny-rat-swa)
for m in "${models[@]}"; do
  if [[ -f "$out/$m/final/model.safetensors" ]]; then
    echo "parity: $m already trained in $out/$m" >&2
    continue
  fi
  echo "parity: training $m" >&2
  ./rat4j train --config "configs/experiment/$m.yaml" --no-progress "train.run_dir=$out/$m" "$@" >/dev/null
done
table="$out/parity.md"
{
  echo "| model | parameters | steps | validation loss | validation perplexity | tokens/s (training steps) |"
  echo "|---|---|---|---|---|---|"
  for m in "${models[@]}"; do
    params=$(grep -m1 -o 'model: [0-9,]* parameters' "$out/$m/train.log" | grep -o '[0-9,]*' | head -n 1)
    # metrics.csv columns: step (1), tokens_per_s (7), val_loss (9), val_ppl (10); the throughput is the mean over
    # steps after the first 10 (graph building and warm-up), validation and checkpoints excluded
    awk -F, -v m="$m" -v p="$params" 'NR > 1 { last = $0; if ($1 > 10) { s += $7; n++ } }
      END { split(last, f, ","); printf "| %s | %s | %d | %.4f | %.2f | %.0f |\n", m, p, f[1], f[9], f[10], s / n }' \
      "$out/$m/metrics.csv"
  done
} > "$table.tmp"
mv "$table.tmp" "$table"
cat "$table"
./rat4j compare "${models[@]/#/$out/}" --out "$out/parity.png" --title "tiny models trained identically" >/dev/null
echo "parity: chart in $out/parity.png" >&2
