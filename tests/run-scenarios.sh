#!/usr/bin/env bash
# Runs Molecule scenarios, JOBS at a time (each scenario has its own Compose project
# and ports, so they can share the host), one log per scenario under LOG_DIR.
# Usage: tests/run-scenarios.sh scenario...    (env: JOBS, LOG_DIR)
set -uo pipefail
jobs_max=${JOBS:-2}
log_dir=${LOG_DIR:-/tmp/selfhosted-postiz-molecule}
mkdir -p "$log_dir"

declare -A pid_of=() started_at=()
passed=() failed=()

finish() {
  local name=$1 rc=$2 took=$(( $(date +%s) - ${started_at[$1]} ))
  if [ "$rc" -eq 0 ]; then
    passed+=("$name"); echo "PASS $name (${took} s)"
  else
    failed+=("$name"); echo "FAIL $name (${took} s, rc $rc); last lines of $log_dir/$name.log:"
    tail -n 60 "$log_dir/$name.log" | sed 's/^/    /'
  fi
}

reap_one() {
  local name
  while :; do
    for name in "${!pid_of[@]}"; do
      if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
        wait "${pid_of[$name]}"; finish "$name" $?
        unset "pid_of[$name]"; return
      fi
    done
    sleep 2
  done
}

for scenario in "$@"; do
  while [ "${#pid_of[@]}" -ge "$jobs_max" ]; do reap_one; done
  echo "START $scenario (log: $log_dir/$scenario.log)"
  started_at[$scenario]=$(date +%s)
  molecule test -s "$scenario" >"$log_dir/$scenario.log" 2>&1 &
  pid_of[$scenario]=$!
done
while [ "${#pid_of[@]}" -gt 0 ]; do reap_one; done

echo "molecule: ${#passed[@]} passed, ${#failed[@]} failed"
# A run that ran nothing is a failure too.
[ "${#failed[@]}" -eq 0 ] && [ "${#passed[@]}" -eq "$#" ] && [ "$#" -gt 0 ]
