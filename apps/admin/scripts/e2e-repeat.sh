#!/usr/bin/env bash
# Runs the admin's browser tests (vitest project `e2e`) several times in a row, to catch flaky
# waits, and exits 1 when any run failed. With a write delay the test server holds every tRPC
# mutation that long (E2E_WRITE_DELAY_MS), so a step that races its write fails.
#
#   scripts/e2e-repeat.sh [-n runs] [-d delay_ms]     defaults: 10 runs, no delay
#   pnpm --filter @typecrud/admin test:e2e:repeat -n 3 -d 500
#
# Every run's output, and the screenshots of a failed run, are kept under
# test-results/e2e-repeat/ (git-ignored). The browser is required: a missing /usr/bin/chromium
# fails the run here instead of skipping the suite.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=10
delay=0
usage() { echo "usage: $0 [-n runs] [-d delay_ms]" >&2; exit 2; }
while getopts "n:d:h" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    d) delay=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "-n must be a positive whole number (got \"$runs\")" >&2; exit 2; }
[[ $delay =~ ^[0-9]+$ ]] || { echo "-d must be a whole number of milliseconds (got \"$delay\")" >&2; exit 2; }

# The suite skips itself without a browser unless CI is set; here a skip would count as a pass.
export CI="${CI:-true}"
export E2E_WRITE_DELAY_MS=$delay

vitest=node_modules/.bin/vitest
[ -x "$vitest" ] || { echo "$vitest is missing: run pnpm install first" >&2; exit 2; }

out=test-results/e2e-repeat
mkdir -p "$out"
label="delay-${delay}ms"
failed=0
durations=()
start_all=$(date +%s)
echo "admin e2e: $runs run(s), every mutation held ${delay} ms"
for i in $(seq 1 "$runs"); do
  log="$out/$label-run-$i.log"
  t0=$(date +%s%N)
  if "$vitest" run --project e2e >"$log" 2>&1; then status=passed; else status=FAILED; fi
  t1=$(date +%s%N)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  durations+=("$secs")
  tests=$(grep -Eo 'Tests +[^(]*' "$log" | sed 's/\x1b\[[0-9;]*m//g' | tail -n 1 | tr -s ' ' | sed 's/ *$//')
  echo "run $i/$runs: $status in ${secs}s (${tests:-no test summary})"
  if [ "$status" = FAILED ]; then
    failed=$((failed + 1))
    cp -r test-results/screenshots "$out/$label-run-$i-screenshots" 2>/dev/null || true
    grep -E 'FAIL|AssertionError|Error:|×' "$log" | sed 's/\x1b\[[0-9;]*m//g' | head -n 20
    echo "  full output: $log; screenshots: $out/$label-run-$i-screenshots"
  elif ! grep -Eq 'Tests +.*[0-9]+ passed' "$log" || grep -Eq 'Tests +.*(skipped|todo)' "$log"; then
    # a run that passed without running every test proves nothing
    failed=$((failed + 1))
    echo "  the suite did not run every test; see $log"
  fi
done
total=$(($(date +%s) - start_all))
summary=$(printf '%s\n' "${durations[@]}" | sort -n | awk '{ a[NR] = $1; s += $1 } END { printf "min %.1fs, median %.1fs, max %.1fs, mean %.1fs", a[1], a[int((NR + 1) / 2)], a[NR], s / NR }')
echo "admin e2e, delay ${delay} ms: $((runs - failed))/$runs runs passed, $failed failed; $summary; ${total}s in all"
[ "$failed" -eq 0 ]
