#!/usr/bin/env bash
# Runs Molecule scenarios, JOBS at a time (each scenario deploys into throw-away machines
# of its own, tests/machines), one log per scenario under LOG_DIR. The test registry is
# started first; at the end, passed or failed, every machine of the suite, the registry
# and the suite's network are removed, so a run that stops half-way leaves nothing behind.
# Usage: tests/run-scenarios.sh scenario...    (env: JOBS, LOG_DIR)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
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

cleanup() {
  local name
  for name in "${!pid_of[@]}"; do kill "${pid_of[$name]}" 2>/dev/null || true; done
  wait
  bash "$here/machines/machine.sh" sweep
  bash "$here/machines/registry.sh" down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash "$here/machines/registry.sh" up || exit 1

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
