#!/usr/bin/env bash
# Reproduce the shipped checkpoints lohovla/checkpoints/{lohovla-tiny,vanilla-tiny} from an empty directory:
# collect LoHoSet demonstrations with the oracle, train both models, copy them into the package, evaluate.
#
#     bash scripts/train_tiny.sh            # run from the repository root, inside the project's venv
#
# Every stage resumes: rerun the same command after a kill and it continues where it stopped (collection by
# shard, training from runs/<name>/latest). The two trainings run side by side, one torch thread each (a 2-core
# machine); THREADS=n gives each more. Measured on a 2-core CPU: collection ~7 min, the data cache ~3 min,
# training ~70 min (both runs at once, 1.2 steps/s each; vanilla's 5,000 steps are the longer), lohovla-tiny's
# second stage ~60 min (0.75 steps/s beside other jobs), the colour detector ~18 min, evaluation ~15 min.
set -euo pipefail
THREADS=${THREADS:-1}
WORKERS=${WORKERS:-2}
EPISODES=${EPISODES:-100}

# 1. Demonstrations (train split): the three primitives (all 11 colours) and the seen long-horizon tasks.
lohovla-collect out=data/lh-prim workers="$WORKERS" progress=false episodes_per_task=1000 \
  'tasks=[pick-and-place-primitive,pick-and-place-primitive-with-size,pick-and-place-primitive-with-absolute-position]'
lohovla-collect out=data/lh-long workers="$WORKERS" progress=false episodes_per_task=1000 \
  'tasks=[put-block-into-matching-bowl,put-even-blocks-in-same-color-zone,stack-smaller-over-bigger-with-same-color,stack-block-in-absolute-area,put-block-into-mismatching-zone]'

# 2. The data cache (data/cache, shared by both runs), then both trainings at once.
lohovla-train experiment=lohovla_tiny prepare_only=true progress=false
mkdir -p runs
lohovla-train experiment=lohovla_tiny threads="$THREADS" progress=false > runs/lohovla-tiny.log 2>&1 &
hierarchical=$!
lohovla-train experiment=vanilla_tiny threads="$THREADS" progress=false > runs/vanilla-tiny.log 2>&1 &
vanilla=$!
wait "$hierarchical" || { echo "lohovla-tiny training failed: runs/lohovla-tiny.log" >&2; exit 1; }
# 2b. lohovla-tiny's second stage: 3,000 more steps from those weights (configs/experiment/lohovla_tiny_ft.yaml),
#     while vanilla-tiny finishes on the other core.
lohovla-train experiment=lohovla_tiny_ft threads="$THREADS" progress=false > runs/lohovla-tiny-ft.log 2>&1 ||
  { echo "lohovla-tiny second stage failed: runs/lohovla-tiny-ft.log" >&2; exit 1; }
wait "$vanilla" || { echo "vanilla-tiny training failed: runs/vanilla-tiny.log" >&2; exit 1; }

# 3. The colour detector (~18 min on one core; the other weights stay as trained): the planner never names a
#    colour the scene does not show, named objects must be seen, and the score maps follow the named colours
#    (policies/lohovla/color_presence.py, object_check.py, action_grounding.py).
lohovla-fit-colors checkpoint=runs/lohovla-tiny-ft/final threads="$THREADS" progress=false

# 4. Ship: weights + config + tokenizer only (no optimizer state).
rm -rf lohovla/checkpoints/lohovla-tiny lohovla/checkpoints/vanilla-tiny && mkdir -p lohovla/checkpoints
cp -r runs/lohovla-tiny-ft/final lohovla/checkpoints/lohovla-tiny
cp -r runs/vanilla-tiny/final lohovla/checkpoints/vanilla-tiny

# 5. Evaluate on the test split (LoHoVLA Table 2 layout in outputs/eval-*/results.md).
lohovla-eval policy=lohovla-tiny tasks=table episodes="$EPISODES" workers="$WORKERS" out=outputs/eval-lohovla-tiny
lohovla-eval policy=vanilla-tiny tasks=table episodes="$EPISODES" workers="$WORKERS" out=outputs/eval-vanilla-tiny
python benchmarks/policy.py
