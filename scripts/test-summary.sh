#!/usr/bin/env bash
# Runs every test project of the solution and ends with one line: "N passed, N failed" (", N skipped" if any).
# Exit status: non-zero when a test failed or a test project did not report.
set -uo pipefail
cd "$(dirname "$0")/.."
config="${CONFIG:-Release}"
log=$(mktemp)
dotnet test ALoRA.Orleans.sln -c "$config" --no-build --nologo 2>&1 | tee "$log"
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
rm -f "$log"
expected=$(find tests -name '*.Tests.csproj' | wc -l)
if [ "$assemblies" -lt "$expected" ]; then
  echo "error: only $assemblies of $expected test projects reported results" >&2
  failed=$((failed + expected - assemblies))
  status=1
fi
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
