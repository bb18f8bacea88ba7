#!/usr/bin/env bash
# Reproduce the shipped checkpoints lohovla/checkpoints/{lohovla-tiny,vanilla-tiny} from an empty directory:
# collect the LoHoSet training set with the oracle, train both models on it (one first stage, three second stages
# averaged into a weight soup), fit lohovla-tiny's colour detector, copy both into the package. No unseen task (F-K)
# is collected or trained on.
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
#    The same tasks again for the second stage, their distractors only in colours the split's goals never name
#    (envs/env.py `distractor_colors`; docs/generalisation.md, "split distractors").
lohovla-collect out=data/lh-long-split workers="$WORKERS" progress=false episodes_per_task=1000 \
  +env.distractor_colors=split \
  'tasks=[put-block-into-matching-bowl,stack-smaller-over-bigger-with-same-color,stack-block-in-absolute-area,put-even-blocks-in-same-color-zone,lohoset]'

# 2. The data caches (data/cache, shared by every run), then both models' stages side by side: 4,000 steps from
#    scratch, then three second stages of 3,000 more steps on the split set from those weights, with a fresh
#    schedule and data-order seeds 1-3 (configs/experiment/*_ft_split*.yaml), then each model's three averaged
#    (lohovla/training/soup.py: one second stage is a draw; docs/generalisation.md, "a weight soup").
lohovla-train experiment=lohovla_tiny prepare_only=true progress=false
lohovla-train experiment=lohovla_tiny_ft_split prepare_only=true progress=false
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
train lohovla_tiny_ft_split vanilla_tiny_ft_split
train lohovla_tiny_ft_split_seed2 vanilla_tiny_ft_split_seed2
train lohovla_tiny_ft_split_seed3 vanilla_tiny_ft_split_seed3
python -m lohovla.training.soup runs/lohovla-tiny-soup runs/lohovla-tiny-ft-split/final \
  runs/lohovla-tiny-ft-split-seed2/final runs/lohovla-tiny-ft-split-seed3/final
python -m lohovla.training.soup runs/vanilla-tiny-soup runs/vanilla-tiny-ft-split/final \
  runs/vanilla-tiny-ft-split-seed2/final runs/vanilla-tiny-ft-split-seed3/final

# 3. lohovla-tiny's colour detector (the other weights stay as trained), into a copy so a rerun keeps it: the
#    grounding checks read it (named objects must be seen, sizes, places apart: policies/lohovla/color_presence.py,
#    object_check.py, grounded_targets.py).
[ -f runs/lohovla-tiny-grounded/color_fit.json ] ||
  lohovla-fit-colors checkpoint=runs/lohovla-tiny-soup out=runs/lohovla-tiny-grounded threads="$THREADS" \
    progress=false

# 4. Ship: weights + config + tokenizer only (no optimizer state).
rm -rf lohovla/checkpoints/lohovla-tiny lohovla/checkpoints/vanilla-tiny && mkdir -p lohovla/checkpoints
cp -r runs/lohovla-tiny-grounded lohovla/checkpoints/lohovla-tiny
cp -r runs/vanilla-tiny-soup lohovla/checkpoints/vanilla-tiny
sha256sum lohovla/checkpoints/*/model.safetensors
echo "evaluate: bash scripts/report_tiny.sh (docs/training.md)"
