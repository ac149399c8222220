#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the NDJSON/JSON parser, the envelope
# parser, the domain decoding and the stream-state rules.
#
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
#
# Builds .build-fuzz/fuzz-ledger from the Ledger sources that need no database
# (JSON/, Domain/, Errors/) plus Fuzz/FuzzLedger.swift and the properties in
# Tests/DomainTests/Support/ParserProperties.swift, with -sanitize=fuzzer,address,
# outside SwiftPM so that `swift build` and `swift test` are untouched. Runs for
# SECONDS (default 300) from the seed corpus Fuzz/seeds (copied into the
# working corpus .build-fuzz/corpus), with the JSON dictionary Fuzz/json.dict.
# Each input gets at most 5 s and the process 2 GiB (-timeout, -rss_limit_mb).
# A finding is written to .build-fuzz/findings/ and the run stops with status 1;
# keep it as a regression test in Tests/DomainTests/ParserFuzzRegressionTests.swift.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
shift || true
out=.build-fuzz
mkdir -p "$out/corpus" "$out/findings"
sources=(Sources/Ledger/JSON/*.swift Sources/Ledger/Domain/*.swift Sources/Ledger/Errors/*.swift
         Tests/DomainTests/Support/ParserProperties.swift Fuzz/FuzzLedger.swift)
binary="$out/fuzz-ledger"
if [[ ! -x "$binary" ]] || [[ -n "$(find "${sources[@]}" -newer "$binary" 2>/dev/null | head -1)" ]]; then
    echo "building $binary" >&2
    swiftc -module-name LedgerFuzz -parse-as-library -O -g \
        -sanitize=fuzzer,address -swift-version 6 \
        "${sources[@]}" -o "$binary" 2>&1 | { grep -v "Cannot export local symbol" || true; } >&2
fi
cp -n Fuzz/seeds/* "$out/corpus/" 2>/dev/null || true
exec "$binary" "$out/corpus" \
    -dict=Fuzz/json.dict -max_len=8192 -timeout=5 -rss_limit_mb=2048 \
    -max_total_time="$seconds" -artifact_prefix="$out/findings/" -print_final_stats=1 "$@"
