#!/usr/bin/env bash
# The stance model recipe: NLI stage 1 (the shipped model's recipe), multi-task stages 2 and 3 (NLI + stance in NLI
# form + news claim/denial pairs + negation/antonym pairs), fp16 export, stance calibration, evaluation, a card.
# It writes to OUT (default runs/stance-model), not models/: ship it only once tests/test_shipped_model.py passes
# against it (copy it into models/stancekit-nli-minilm-l6 and run the test).
# Usage: scripts/train_stance_model.sh DATA_DIR STANCE_DIR [RUN_DIR]
# DATA_DIR holds <dataset>/<split>.jsonl.gz NLI files, STANCE_DIR the stance sets (see the model card).
# Each training stage resumes from its checkpoint when rerun. Set STAGE2_MINUTES to stop stage 2 after that many
# minutes of this run (rerun to go on), and FINALISE=1 to ship the best stage-2 checkpoint so far. Set NEWS_DIR to an
# annotated news folder (the news_dev format) to fit the rebuttal decision too.
set -euo pipefail
data=${1:?usage: $0 DATA_DIR STANCE_DIR [RUN_DIR]}
stance=${2:?usage: $0 DATA_DIR STANCE_DIR [RUN_DIR]}
run=${3:-runs}
out=${OUT:-runs/stance-model}
export TOKENIZERS_PARALLELISM=false

# Stage 1: three-way NLI from all-MiniLM-L6-v2 (the first shipped model; it was finalised at step 4,000).
stage1=(stancekit -v train-nli --data-dir "$data" --out "$run/nli-minilm" --max-pairs 180000)
if [ ! -f "$run/nli-minilm/model/config.json" ]; then
  "${stage1[@]}" --stop-at-step 4000
  "${stage1[@]}" --finalise
fi
# Stage 2 starts from the fp16 export of stage 1 (what was shipped before), loaded back as fp32.
python -m stancekit.training.export "$run/nli-minilm/model" "$run/nli-minilm/fp16" --half

# Stage 2: multi-task, from stage 1, on 32,000 NLI pairs stage 1 never saw and the stance data.
python -m stancekit.training.stance_data "$stance" "$data" "$run/stance-data" > "$run/stance-data.counts.json"
stage2=(stancekit -v train-nli --data-dir "$data" --out "$run/nli-stance" --base "$run/nli-minilm/fp16"
  --max-pairs 32000 --start-at 180000 --extra-data "$run/stance-data/train" --extra-dev "$run/stance-data/nli_dev"
  --lr 3e-5 --eval-every 600 --checkpoint-every 200 --seed 13)
if [ -n "${STAGE2_MINUTES:-}" ]; then stage2+=(--stop-after-minutes "$STAGE2_MINUTES"); fi
if [ -n "${FINALISE:-}" ]; then stage2+=(--finalise); fi
"${stage2[@]}"
if [ ! -f "$run/nli-stance/model/config.json" ]; then "${stage2[@]}" --finalise; fi

# Stage 3: a second pass over the stance data with the next 32,000 NLI pairs, from stage 2, at a lower rate
# (dev 0.716 / 0.730 / 0.742 / 0.746 / 0.746 at steps 600 / 1200 / 1800 / 2400 / 2500; the best is kept).
stage3=(stancekit -v train-nli --data-dir "$data" --out "$run/nli-stance3" --base "$run/nli-stance/model"
  --max-pairs 32000 --start-at 212000 --extra-data "$run/stance-data/train" --extra-dev "$run/stance-data/nli_dev"
  --lr 2e-5 --eval-every 600 --checkpoint-every 200 --seed 14)
"${stage3[@]}"
if [ ! -f "$run/nli-stance3/model/config.json" ]; then "${stage3[@]}" --finalise; fi

# Stage 4: a third pass from stage 3's fp16 export (what was tried as the candidate), the next 32,000 NLI pairs,
# at half stage 3's rate (dev 0.749 / 0.758 / 0.754 / 0.758 / 0.758 at steps 600 / 1200 / 1800 / 2400 / 2500:
# +0.012 over stage 3, flat over its second half, so the passes stop here).
python -m stancekit.training.export "$run/nli-stance3/model" "$run/nli-stance3/fp16" --half
stage4=(stancekit -v train-nli --data-dir "$data" --out "$run/nli-stance4" --base "$run/nli-stance3/fp16"
  --max-pairs 32000 --start-at 244000 --extra-data "$run/stance-data/train" --extra-dev "$run/stance-data/nli_dev"
  --lr 1e-5 --eval-every 600 --checkpoint-every 200 --seed 15)
"${stage4[@]}"
if [ ! -f "$run/nli-stance4/model/config.json" ]; then "${stage4[@]}" --finalise; fi

python -m stancekit.training.export "$run/nli-stance4/model" "$run/nli-stance4/fp16" --half

# Stage 5: a fourth pass from stage 4's fp16 export over stance data rebuilt with the main-clause negation and
# the premise's final stop toggled half the time (headlines have none), the next 32,000 NLI pairs (dev 0.760 /
# 0.763 / 0.763 / 0.762 at steps 600 / 1200 / 1800 / 2400; the best is kept). Adding same-subject none rows
# (--same-topic 0.1) was tried and not kept: Perspectrum and SemEval rose a little, VAST, the stance examples
# and the news cells fell. A further pass at lr 5e-6 raised the dev to 0.776 but put SICK test at 0.790, under the
# first model's 0.795, so the passes stop here.
# Neutral news sentences that name a noun phrase of the target (--mentions 1.5 or 0.5, a sixth pass from stage 5 at
# lr 1e-5) were tried too: Perspectrum and SemEval rose, VAST, RumourEval and the news cells fell; not kept.
python -m stancekit.training.stance_data "$stance" "$data" "$run/stance-data5" --stop-variation 0.5 \
  > "$run/stance-data5.counts.json"
stage5=(stancekit -v train-nli --data-dir "$data" --out "$run/nli-stance5" --base "$run/nli-stance4/fp16"
  --max-pairs 32000 --start-at 276000 --extra-data "$run/stance-data5/train" --extra-dev "$run/stance-data5/nli_dev"
  --lr 1e-5 --eval-every 600 --checkpoint-every 200 --seed 16)
"${stage5[@]}"
if [ ! -f "$run/nli-stance5/model/config.json" ]; then "${stage5[@]}" --finalise; fi

python -m stancekit.training.export "$run/nli-stance5/model" "$out" --half --check "$data/snli/test.jsonl.gz" \
  --limit 2000 | tee "$run/export.txt"
scripts/calibrate_and_evaluate.sh "$out" "$data" "$run/stance-data5/stance_dev" "$run/" \
  "scripts/train_stance_model.sh DATA_DIR STANCE_DIR $run" "$run/notes.md"
