#!/usr/bin/env bash
# The reported tables, once, on the test split (docs/evaluation.md: develop on val, report on test): the shipped
# lohovla-tiny with its grounding checks, the same weights alone (grounding=False), and vanilla-tiny; 100 episodes
# per task of LoHoVLA's Table 2 (seeds 10001-10199), then the README table.
#
#     bash scripts/report_tiny.sh           # from the repository root, inside the project's venv
set -euo pipefail
WORKERS=${WORKERS:-2}
EPISODES=${EPISODES:-100}
NAME=${NAME:-lohoset}   # results go to benchmarks/results/eval_${NAME}_<run>.{json,md,png}

run() {  # run-name, then lohovla-eval arguments
  local name=$1; shift
  lohovla-eval "$@" tasks=table split=test episodes="$EPISODES" workers="$WORKERS" out="outputs/report-$name"
  for ext in json md png; do cp "outputs/report-$name/results.$ext" "benchmarks/results/eval_${NAME}_$name.$ext"; done
}
run vanilla_tiny policy=vanilla-tiny baseline=null   # first: the baseline the other two reports show beside them
baseline="baseline=benchmarks/results/eval_${NAME}_vanilla_tiny.json"
run lohovla_tiny policy=lohovla-tiny "$baseline"
run model_alone policy=lohovla-tiny 'policy_kwargs={grounding: false}' "$baseline"
python -m benchmarks.results_table --out benchmarks/results/readme_table.json --runs \
  "lohovla-tiny=benchmarks/results/eval_${NAME}_lohovla_tiny.json" \
  "model alone (grounding=False)=benchmarks/results/eval_${NAME}_model_alone.json" \
  "vanilla-tiny=benchmarks/results/eval_${NAME}_vanilla_tiny.json"
