#!/usr/bin/env bash
# Reproduce the shipped checkpoints lohovla/checkpoints/{lohovla-tiny,vanilla-tiny} from an empty directory:
# collect LoHoSet demonstrations with the oracle, train both models, copy them into the package, evaluate.
#
#     bash scripts/train_tiny.sh            # run from the repository root, inside the project's venv
#
# Every stage resumes: rerun the same command after a kill and it continues where it stopped (collection by
# shard, training from runs/<name>/latest). The two trainings run side by side, one torch thread each (a 2-core
# machine); THREADS=n gives each more. Measured on a free 2-core CPU: collection ~7 min, the data cache ~3 min,
# training ~70 min (both runs at once, 1.2 steps/s each; vanilla's 5,000 steps are the longer), the colour detector
# ~9 min, evaluation ~15 min.
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
wait "$vanilla" || { echo "vanilla-tiny training failed: runs/vanilla-tiny.log" >&2; exit 1; }

# 3. The planner's colour detector (~9 min on one core; the other weights stay as trained): the planner then never
#    names a colour the scene does not show (policies/lohovla/color_presence.py).
lohovla-fit-colors checkpoint=runs/lohovla-tiny/final threads="$THREADS" progress=false

# 4. Ship: weights + config + tokenizer only (no optimizer state).
for name in lohovla-tiny vanilla-tiny; do
  rm -rf "lohovla/checkpoints/$name" && mkdir -p lohovla/checkpoints
  cp -r "runs/$name/final" "lohovla/checkpoints/$name"
done

# 5. Evaluate on the test split (LoHoVLA Table 2 layout in outputs/eval-*/results.md).
lohovla-eval policy=lohovla-tiny tasks=table episodes="$EPISODES" workers="$WORKERS" out=outputs/eval-lohovla-tiny
lohovla-eval policy=vanilla-tiny tasks=table episodes="$EPISODES" workers="$WORKERS" out=outputs/eval-vanilla-tiny
python benchmarks/policy.py
