#!/usr/bin/env bash
# Does each grounding check still earn its place on these weights? Val, 50 episodes per task: every check on, then
# each check off alone on the tasks where it intervened (elsewhere the episodes are identical), then the paired
# table (benchmarks/check_ablation.py, which also plans the off-runs). The rule (DESIGN.md): a check that wins more
# episodes off than on goes.
#
#     bash scripts/ablate_checks.sh CHECKPOINT NAME [WORKERS]
#
# writes outputs/val50_NAME_*/ and benchmarks/results/{val50_NAME_*.json,check_ablation_val_NAME.json}. A finished
# run is kept, so a rerun after a kill goes on with the next check.
set -euo pipefail
CKPT=${1:?usage: ablate_checks.sh CHECKPOINT NAME [WORKERS]}
NAME=${2:?usage: ablate_checks.sh CHECKPOINT NAME [WORKERS]}
WORKERS=${3:-2}
RES=benchmarks/results

val() {  # out-name, hydra overrides...
  local out=$1; shift
  [ -f "$RES/val50_$out.json" ] && return 0
  lohovla-eval policy="$CKPT" split=val episodes=50 workers="$WORKERS" baseline=null out="outputs/val50_$out" "$@"
  cp "outputs/val50_$out/results.json" "$RES/val50_$out.json"
}

val "$NAME" tasks=table
offs=()
while IFS=$'\t' read -r check tasks setting; do
  val "${NAME}_${check}_off" "tasks=$tasks" "policy_kwargs={grounding: {$setting}}"
  offs+=("$check=$RES/val50_${NAME}_${check}_off.json")
done < <(python -m benchmarks.check_ablation --on "$RES/val50_$NAME.json" --plan)
python -m benchmarks.check_ablation --on "$RES/val50_$NAME.json" --off "${offs[@]}" \
  --out "$RES/check_ablation_val_$NAME.json"
