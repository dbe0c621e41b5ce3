#!/usr/bin/env bash
# Worked example of fine-tuning: the shipped NLI model on 2,000 Perspectrum training pairs, evaluated on
# Perspectrum dev beside its own zero-shot (SUPPORT -> entailment, UNDERMINE -> contradiction).
# Usage: scripts/finetune_perspectrum.sh STANCE_DIR [OUT_DIR] [extra finetune options]
# STANCE_DIR holds perspectrum/train.jsonl.gz and perspectrum/dev.jsonl.gz (fields claim, perspective, label).
set -euo pipefail
data=${1:?usage: $0 STANCE_DIR [OUT_DIR] [finetune options]}
out=${2:-runs/perspectrum}
shift $(( $# >= 2 ? 2 : 1 ))
export TOKENIZERS_PARALLELISM=false
columns=perspective=premise,claim=hypothesis
SECONDS=0
stancekit finetune "$data/perspectrum/train.jsonl.gz" --out "$out" --columns "$columns" \
  --label-map SUPPORT=entailment,UNDERMINE=contradiction --max-train 2000 --epochs 3 --quiet "$@"
echo "fine-tuning took ${SECONDS}s of wall-clock time (tokenising, training, calibrating, saving)"
stancekit evaluate "$data/perspectrum/dev.jsonl.gz" --model "$out" --columns "$columns" --json "$out/dev_eval.json"
