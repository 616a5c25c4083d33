#!/usr/bin/env bash
# Runs Molecule scenarios, JOBS at a time (each scenario deploys into throw-away machines
# of its own, tests/machines), one log per scenario under LOG_DIR. The test registry is
# started first; at the end, passed or failed, every machine of the suite, the registry
# and the suite's network are removed, so a run that stops half-way leaves nothing behind.
# A scenario written scenario@venv runs under that venv's ansible-core and Molecule (its bin/
# first on PATH), e.g. bad_input@.venv-core217; its log is LOG_DIR/scenario@venv.log (slashes
# as underscores). Two runs of one scenario would share its machines' names: they take turns.
# Usage: tests/run-scenarios.sh scenario[@venv]...    (env: JOBS, LOG_DIR)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
jobs_max=${JOBS:-2}
log_dir=${LOG_DIR:-/tmp/selfhosted-postiz-molecule}
mkdir -p "$log_dir"

declare -A pid_of=() started_at=()
passed=() failed=()

log_of() { echo "$log_dir/${1//\//_}.log"; }

finish() {
  local name=$1 rc=$2 took=$(( $(date +%s) - ${started_at[$1]} ))
  if [ "$rc" -eq 0 ]; then
    passed+=("$name"); echo "PASS $name (${took} s)"
  else
    failed+=("$name"); echo "FAIL $name (${took} s, rc $rc); last lines of $(log_of "$name"):"
    tail -n 60 "$(log_of "$name")" | sed 's/^/    /'
    # The tail is mostly the clean-up: the failure itself is the last task reported failed.
    echo "  the last failed task of $(log_of "$name"):"
    sed 's/\x1b\[[0-9;]*m//g' "$(log_of "$name")" \
      | awk '/│ (fatal|failed): \[/ { n = NR } { line[NR] = $0 } END { for (i = n - 8; n && i <= n + 50 && i <= NR; i++) if (i > 0) print "    " line[i] }'
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

# Is a run of this scenario (under any venv) going on?
scenario_running() {
  local name
  for name in "${!pid_of[@]}"; do
    [ "${name%%@*}" = "$1" ] && return 0
  done
  return 1
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

for run in "$@"; do
  scenario=${run%%@*} venv=
  [[ $run == *@* ]] && venv=${run#*@}
  if [ -n "$venv" ] && [ ! -x "$venv/bin/molecule" ]; then
    echo "FAIL $run: $venv/bin/molecule does not exist (make core217-venv builds .venv-core217)"
    failed+=("$run"); continue
  fi
  while [ "${#pid_of[@]}" -ge "$jobs_max" ] || scenario_running "$scenario"; do reap_one; done
  log=$(log_of "$run")
  echo "START $run (log: $log)"
  started_at[$run]=$(date +%s)
  if [ -n "$venv" ]; then
    # The shared settings named, not looked up: an older Molecule finds them only in a clone,
    # not in a git worktree.
    PATH="$(cd "$venv" && pwd -P)/bin:$PATH" \
      molecule --base-config "$here/../.config/molecule/config.yml" test -s "$scenario" >"$log" 2>&1 &
  else
    molecule test -s "$scenario" >"$log" 2>&1 &
  fi
  pid_of[$run]=$!
done
while [ "${#pid_of[@]}" -gt 0 ]; do reap_one; done

echo "molecule: ${#passed[@]} passed, ${#failed[@]} failed"
# A run that ran nothing is a failure too.
[ "${#failed[@]}" -eq 0 ] && [ "${#passed[@]}" -eq "$#" ] && [ "$#" -gt 0 ]
