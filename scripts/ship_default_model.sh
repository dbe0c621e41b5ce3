#!/usr/bin/env bash
# Reproduce the shipped default model: train, calibrate, export (fp16), evaluate and write its card.
# Usage: scripts/ship_default_model.sh DATA_DIR [RUN_DIR] [extra train-nli options, e.g. --finalise]
# DATA_DIR holds <dataset>/<split>.jsonl.gz NLI files (see the model card for the sets used).
# Training resumes from RUN_DIR/checkpoint when rerun; --finalise ships the best checkpoint so far.
set -euo pipefail
data=${1:?usage: $0 DATA_DIR [RUN_DIR] [train-nli options]}
run=${2:-runs/nli-minilm}
shift $(( $# >= 2 ? 2 : 1 ))
name=stancekit-nli-minilm-l6
out=models/$name
export TOKENIZERS_PARALLELISM=false
train=(stancekit -v train-nli --data-dir "$data" --out "$run" --max-pairs 180000)
"${train[@]}" "$@"
python -m stancekit.training.export "$run/model" "$out" --half --check "$data/snli/test.jsonl.gz" --limit 2000 | tee "$run/export.txt"
stancekit evaluate-nli --data-dir "$data" --model "$out" --json "$out/eval.json" | tee "$run/eval.txt"
shown="stancekit -v train-nli --data-dir DATA_DIR --out $run --max-pairs 180000"
python -m stancekit.training.card "$out" --eval "$out/eval.json" \
  --command "$shown   # then, to ship: scripts/ship_default_model.sh DATA_DIR $run $*" \
  --notes "$(cat "$run/notes.md" 2>/dev/null || true)"
echo "shipped $out"
