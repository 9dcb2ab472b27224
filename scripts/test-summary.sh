#!/usr/bin/env bash
# Runs every test project of the solution and ends with one line: "N passed, N failed" (", N skipped" if any).
# Exit status: non-zero when a test failed or a test project did not report.
#
# Per-test timeout: a test that runs longer than TEST_HANG_TIMEOUT (default 20min; the slowest test took 9 min 20 s
# on a 2-core machine shared with four other test runs, most take under 3 min) is treated as hung: its test host (and
# the processes it started) gets a mini dump under TestResults/ and is killed, so the run goes on and that project
# counts as failed instead of hanging CI.
# The slowest tests of the run, then the failed ones, are listed before the summary line (from the TRX files under
# TestResults/).
set -uo pipefail
cd "$(dirname "$0")/.."
config="${CONFIG:-Release}"
# The test projects run in parallel on few cores; libtorch's OpenMP threads spinning while they wait for work took most
# of the CPU from the other test hosts (a focused engine run went from over 25 min to 42 s with passive waiting).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
hang="${TEST_HANG_TIMEOUT:-20min}"
results="TestResults"
rm -rf "$results"
log=$(mktemp)
dotnet test ALoRA.Orleans.sln -c "$config" --no-build --nologo \
  --blame-hang-timeout "$hang" --blame-hang-dump-type mini \
  --results-directory "$results" --logger "trx;LogFilePrefix=tests" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Per assembly, dotnet test prints: "Passed!  - Failed:     0, Passed:   113, Skipped:     0, Total:   113, ..."
read -r passed failed skipped assemblies < <(awk '
  /(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+, +Skipped: +[0-9]+/ {
    match($0, /Failed: +[0-9]+/);  f += substr($0, RSTART + 7, RLENGTH - 7) + 0
    match($0, /Passed: +[0-9]+/);  p += substr($0, RSTART + 7, RLENGTH - 7) + 0
    match($0, /Skipped: +[0-9]+/); s += substr($0, RSTART + 8, RLENGTH - 8) + 0
    n++
  }
  END { printf "%d %d %d %d\n", p, f, s, n }' "$log")
# A hung (or crashed) test host prints no such line: "The test running when the crash occurred:" and the test's name.
hung=$(awk '/The test running when the crash occurred:/ { getline; print "  " $0 }' "$log")
rm -f "$log"
expected=$(find tests -name '*.Tests.csproj' | wc -l)
if [ -n "$hung" ]; then
  echo "error: test hosts killed after a test ran longer than $hang (or crashed); dumps under $results/. Running then:" >&2
  echo "$hung" >&2
fi
if [ "$assemblies" -lt "$expected" ]; then
  echo "error: only $assemblies of $expected test projects reported results" >&2
  failed=$((failed + expected - assemblies))
  status=1
fi
# The slowest tests: <UnitTestResult ... testName="..." ... duration="hh:mm:ss.fffffff" ...> in the TRX files.
slowest=$(cat "$results"/*.trx 2>/dev/null | grep -o '<UnitTestResult [^>]*' \
  | sed -n 's/.*testName="\([^"]*\)".*duration="\([^"]*\)".*/\2 \1/p' | sort -r | head -n 10)
if [ -n "$slowest" ]; then
  echo "slowest tests (h:mm:ss):"
  echo "$slowest" | sed 's/^\([0-9:]*\)\.[0-9]* /  \1 /'
fi
# The failed tests by name (outcome="Failed" in the TRX files), so a CI log that keeps only its tail still says which.
failing=$(cat "$results"/*.trx 2>/dev/null | grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*' \
  | sed -n 's/.*testName="\([^"]*\)".*/  \1/p' | sort -u)
if [ -n "$failing" ]; then
  echo "failed tests:"
  echo "$failing"
fi
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
