#!/usr/bin/env bash
# Does each grounding check still earn its place on these weights? Val, 50 episodes per task: every check on, then
# each check off alone on the tasks where it intervened (elsewhere the episodes are identical), then the paired
# table (benchmarks/check_ablation.py). The rule (DESIGN.md): a check that wins more episodes off than on goes.
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

val "${NAME}" tasks=table
# switch -> its off setting (two switches are counts)
declare -A OFF=([evidence_replan]=false [avoid_failed]=0 [object_check]=false [color_floor]=false [size_mask]=false
  [in_place]=false [zone_mask]=false [place_apart]=false [noop_replan]="noop_replans: 0" [noop_retry]=false)
offs=()
for check in evidence_replan avoid_failed object_check color_floor size_mask in_place zone_mask place_apart \
  noop_replan noop_retry; do
  tasks=$(python -c "import json,sys; d=json.load(open(sys.argv[1]))['per_task']
print(','.join(t for t, r in d.items() if r.get('interventions', {}).get(sys.argv[2])))" "$RES/val50_$NAME.json" "$check")
  setting=${OFF[$check]}
  [[ $setting == *:* ]] || setting="$check: $setting"
  if [ -n "$tasks" ]; then
    val "${NAME}_${check}_off" "tasks=$tasks" "policy_kwargs={grounding: {$setting}}"
    offs+=("$check=$RES/val50_${NAME}_${check}_off.json")
  fi
done
python -m benchmarks.check_ablation --on "$RES/val50_$NAME.json" --off "${offs[@]}" \
  --out "$RES/check_ablation_val_$NAME.json"
