#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers Sigill runs on bytes it did not write (issue 20, item 4), with Debian's
# afl++ and SharpFuzz: the harnesses are in fuzz/Sigill.Fuzz, their seed corpus (made by `Sigill.Fuzz seed`) in
# fuzz/corpus/<target>/.
#
#   bench/fuzz.sh                         every harness for 5 minutes
#   bench/fuzz.sh --seconds 3600 pdf      one harness for an hour
#   bench/fuzz.sh --seconds 15 --summary F --no-build   what the suite runs (CoverageFuzzTests): 15 s each, a line each into F
#
# A crash or a hang (over 5 s on one input) is a finding: its input is copied to artifacts/fuzz/findings/<target>/,
# and the script exits 1. Fix the bug, then move the input to fuzz/regressions/<target>/: the suite replays every file
# there (FuzzRegressionTests). The `planted` harness is the self-test: it must crash (a fuzzer that cannot find a
# planted bug proves nothing), and its crash is not a finding.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

per_target=300
summary=""
build=""
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) per_target="$2"; shift 2 ;;
    --summary) summary="$2"; shift 2 ;;
    --no-build) build="--no-build"; shift ;; # the suite: test.sh built everything already
    -h|--help) sed -n "2,15p" "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(pdf png template backup receipt note timestamp crl planted)
command -v afl-fuzz >/dev/null || { echo "afl-fuzz is missing: apt-get install afl++ (./test.sh installs it)" >&2; exit 2; }

OUT="$ROOT/artifacts/fuzz"
BIN="$OUT/bin"
echo "==> building the harnesses and instrumenting what they test" >&2
rm -rf "$BIN" "$OUT/run"
mkdir -p "$OUT/run"
dotnet publish fuzz/Sigill.Fuzz/Sigill.Fuzz.csproj -c Release -o "$BIN" $build -nologo -v:q -clp:ErrorsOnly >&2
dotnet tool restore >/dev/null
# Sigill's parsers and what they build on (Fluid and Parlot parse templates); never the harness itself, whose Main
# runs before afl's shared memory is attached.
for assembly in Sigill.Pdf Sigill.Api Sigill.Transparency Sigill.Crypto Fluid Parlot Sigill.Fuzz.Planted; do
  dotnet tool run sharpfuzz "$BIN/$assembly.dll" >/dev/null
done

export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
failed=0
for target in "${targets[@]}"; do
  [ -d "fuzz/corpus/$target" ] || { echo "no seed corpus in fuzz/corpus/$target" >&2; exit 2; }
  work="$OUT/run/$target"
  echo "==> fuzzing $target for ${per_target} s" >&2
  limit="$per_target"
  mode=()
  if [ "$target" = planted ]; then
    # The self-test is deterministic: afl's deterministic stages (-D; afl++ 4 skips them by default) flip the seed's
    # last byte to the planted one within its first few hundred executions. Random havoc alone missed it in 60 s in
    # some runs, which made the self-test a coin toss. Stop at the first crash: that is the whole self-test.
    export AFL_BENCH_UNTIL_CRASH=1
    mode=(-D)
    limit=$(( per_target > 60 ? per_target : 60 ))
  else
    unset AFL_BENCH_UNTIL_CRASH
  fi
  if ! afl-fuzz "${mode[@]}" -i "fuzz/corpus/$target" -o "$work" -V "$limit" -t 5000 -m none -- dotnet "$BIN/Sigill.Fuzz.dll" "$target" >"$work.log" 2>&1; then
    echo "afl-fuzz could not run the $target harness:" >&2
    grep -E 'PROGRAM ABORT|Location|\[-\]' "$work.log" | head -5 >&2
    exit 2
  fi
  stat() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$work/default/fuzzer_stats"; }
  crashes=$(stat saved_crashes); hangs=$(stat saved_hangs)
  line="fuzz $target: $(stat execs_done) executions in $(stat run_time) s, $(stat corpus_count) corpus entries, $(stat edges_found) edges, $crashes crashes, $hangs hangs"
  if [ "$target" = planted ]; then
    line="$line (planted bug: must crash)"
    [ "$crashes" -gt 0 ] || { line="$line - NOT FOUND"; failed=1; }
  elif [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
    mkdir -p "$OUT/findings/$target"
    cp "$work"/default/crashes/id:* "$work"/default/hangs/id:* "$OUT/findings/$target/" 2>/dev/null || true
    line="$line - inputs in artifacts/fuzz/findings/$target/"
    failed=1
  fi
  echo "    $line" >&2
  [ -z "$summary" ] || echo "$line" >>"$summary"
done
exit "$failed"
