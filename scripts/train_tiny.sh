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

# 2. The data cache (data/cache, shared by both runs), then both trainings at once.
lohovla-train experiment=lohovla_tiny prepare_only=true progress=false
mkdir -p runs
lohovla-train experiment=lohovla_tiny threads="$THREADS" progress=false > runs/lohovla-tiny.log 2>&1 &
hierarchical=$!
lohovla-train experiment=vanilla_tiny threads="$THREADS" progress=false > runs/vanilla-tiny.log 2>&1 &
vanilla=$!
wait "$hierarchical" || { echo "lohovla-tiny training failed: runs/lohovla-tiny.log" >&2; exit 1; }

# 3. lohovla-tiny's colour detector (the other weights stay as trained), into a copy so a rerun keeps it: the planner
#    never names a colour the scene does not show, named objects must be seen, and the score maps follow the named
#    colours (policies/lohovla/color_presence.py, object_check.py, action_grounding.py).
[ -f runs/lohovla-tiny-grounded/color_fit.json ] ||
  lohovla-fit-colors checkpoint=runs/lohovla-tiny/final out=runs/lohovla-tiny-grounded threads="$THREADS" \
    progress=false
wait "$vanilla" || { echo "vanilla-tiny training failed: runs/vanilla-tiny.log" >&2; exit 1; }

# 4. Ship: weights + config + tokenizer only (no optimizer state).
rm -rf lohovla/checkpoints/lohovla-tiny lohovla/checkpoints/vanilla-tiny && mkdir -p lohovla/checkpoints
cp -r runs/lohovla-tiny-grounded lohovla/checkpoints/lohovla-tiny
cp -r runs/vanilla-tiny/final lohovla/checkpoints/vanilla-tiny
sha256sum lohovla/checkpoints/*/model.safetensors
echo "evaluate: python -m benchmarks.report_tables (docs/results.md)"
