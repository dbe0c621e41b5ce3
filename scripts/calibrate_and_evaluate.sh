#!/usr/bin/env bash
# The shared tail of the model recipes: fit the stance combiner (and, with NEWS_DIR, the rebuttal decision) of an
# exported model, evaluate it on the held-out NLI and stance sets, and write its card.
# Usage: scripts/calibrate_and_evaluate.sh MODEL_DIR DATA_DIR STANCE_DEV_DIR LOG_PREFIX SHOWN_COMMAND NOTES_FILE [CACHE]
# LOG_PREFIX starts each log file's path (e.g. runs/ or runs/mp1-); CACHE keeps the stance evidence for a refit.
set -euo pipefail
out=${1:?usage: see the header}; data=${2:?}; dev=${3:?}; log=${4:?}; shown=${5:?}; notes=${6:?}; cache=${7:-}
export TOKENIZERS_PARALLELISM=false

# The stance combiner is fitted on the 15% dev carve-outs of the stance training sets, never on the held-out sets;
# its penalty is chosen by leaving each carve-out file out in turn (--l2 auto, the default).
stancekit calibrate-stance --model "$out" "$dev"/*_dev15.jsonl ${cache:+--cache "$cache"} | tee "${log}calibrate.txt"
# The rebuttal decision (combiner and threshold) is fitted on an annotated news folder when NEWS_DIR names one.
if [ -n "${NEWS_DIR:-}" ]; then
  stancekit calibrate-rebuttals "$NEWS_DIR" --model "$out" | tee "${log}calibrate-rebuttals.txt"
fi
stancekit evaluate-nli --data-dir "$data" --model "$out" --json "$out/eval.json" | tee "${log}eval.txt"
stancekit evaluate-stance seeds/annotated/stance_examples.jsonl "$dev/perspectrum_dev.jsonl" "$dev/vast_dev.jsonl" \
  "$dev/semeval2016_task6_dev15.jsonl" "$dev/emergent_dev15.jsonl" "$dev/ibm_argq_30k_dev.jsonl" \
  "$dev/rumoureval2017_dev.jsonl" --model "$out" --base "${BASE_MODEL:-models/stancekit-nli-minilm-l6}" \
  --json "$out/eval_stance.json" | tee "${log}eval_stance.txt"
python -m stancekit.training.card "$out" --eval "$out/eval.json" --stance-eval "$out/eval_stance.json" \
  --command "$shown" --notes "$(cat "$notes" 2>/dev/null || true)"
echo "trained $out; before shipping it, run tests/test_shipped_model.py against it"
