#!/usr/bin/env bash
# Reproduce the shipped checkpoints lohovla/checkpoints/{lohovla-tiny,vanilla-tiny} from an empty directory:
# collect the LoHoSet training set with the oracle, train both models on it, fit lohovla-tiny's colour detector,
# copy both into the package. No unseen task (F-K) is collected or trained on.
#
#     bash scripts/train_tiny.sh            # run from the repository root, inside the project's venv
#
# Every stage resumes: rerun the same command after a kill and it continues where it stopped (collection by
# shard, training from runs/<name>/latest, a finished colour fit is kept). The two trainings run side by side,
# one torch thread each (a 2-core machine); THREADS=n gives each more. Times on this project's 2-core CPU are in
# docs/training.md.
set -euo pipefail
THREADS=${THREADS:-1}
WORKERS=${WORKERS:-2}

# 1. The LoHoSet training set (train split): the three primitives (all 11 colours) x 1,000, and the seen
#    long-horizon tasks B-E with LoHoSet's ten extra tasks x 1,000.
lohovla-collect out=data/lh-prim workers="$WORKERS" progress=false episodes_per_task=1000 tasks=primitives
lohovla-collect out=data/lh-long workers="$WORKERS" progress=false episodes_per_task=1000 \
  'tasks=[put-block-into-matching-bowl,stack-smaller-over-bigger-with-same-color,stack-block-in-absolute-area,put-even-blocks-in-same-color-zone,lohoset]'

# 2. The data cache (data/cache, shared by every run), then both models' two stages side by side: 4,000 steps from
#    scratch, then 3,000 more from those weights with a fresh schedule (configs/experiment/*_ft.yaml).
lohovla-train experiment=lohovla_tiny prepare_only=true progress=false
mkdir -p runs
train() {  # experiment names, run side by side; each writes runs/<its out>.log
  local pids=() name
  for name in "$@"; do
    lohovla-train experiment="$name" threads="$THREADS" progress=false > "runs/$name.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { echo "training $(($i + 1)) of [$*] failed: runs/*.log" >&2; exit 1; }
  done
}
train lohovla_tiny vanilla_tiny
train lohovla_tiny_ft vanilla_tiny_ft

# 3. lohovla-tiny's colour detector (the other weights stay as trained), into a copy so a rerun keeps it: the
#    grounding checks read it (named objects must be seen, sizes, places apart: policies/lohovla/color_presence.py,
#    object_check.py, grounded_targets.py).
[ -f runs/lohovla-tiny-grounded/color_fit.json ] ||
  lohovla-fit-colors checkpoint=runs/lohovla-tiny-ft/final out=runs/lohovla-tiny-grounded threads="$THREADS" \
    progress=false

# 4. Ship: weights + config + tokenizer only (no optimizer state).
rm -rf lohovla/checkpoints/lohovla-tiny lohovla/checkpoints/vanilla-tiny && mkdir -p lohovla/checkpoints
cp -r runs/lohovla-tiny-grounded lohovla/checkpoints/lohovla-tiny
cp -r runs/vanilla-tiny-ft/final lohovla/checkpoints/vanilla-tiny
sha256sum lohovla/checkpoints/*/model.safetensors
echo "evaluate: bash scripts/report_tiny.sh (docs/training.md)"
