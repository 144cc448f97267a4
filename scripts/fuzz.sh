#!/usr/bin/env bash
# Fuzzes qflux's parsers with libFuzzer (ASan + UBSan for the C shim, ASan for Swift).
#   scripts/fuzz.sh [SECONDS] [TARGET…]   each target runs SECONDS (default 60); fails on any crash
# Targets: line event codecs (the C shim, built with clang++ -fsanitize=fuzzer,address,undefined
# from Sources/CSupport/CDecodeShim), archive export rules engineio csv (Swift, built with swiftc
# -sanitize=fuzzer,address straight from the Engine's source files). Seeds come from the fixtures (fuzz/seeds.py); the
# corpus grows in fuzz/out/corpus/TARGET and is kept between runs. A crash leaves its input in
# fuzz/out/crashes/TARGET/ and the script exits 1: turn it into a regression test
# (Tests/FastDecodeTests/Regression*.swift, Tests/EngineTests/Reliability*.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(line event codecs archive export rules engineio csv)

ROOT=$PWD
BIN=fuzz/bin
OUT=fuzz/out
mkdir -p "$BIN" "$OUT/crashes" "$OUT/corpus"
CLANG=${CLANG:-$(command -v clang)}
SWIFTC=${SWIFTC:-$(command -v swiftc)}
SHIM="Sources/CSupport/CDecodeShim"
INC="$ROOT/$SHIM/include"
LZ4_MODULE="$ROOT/Sources/CSupport/CLZ4"  # the system-library module of liblz4 (module map + header)
CFLOAT="$ROOT/Sources/CSupport/CFloatFormat"  # the C++ shortest-double formatter TextWriters uses
export SWIFT_BACKTRACE=enable=no  # libFuzzer prints the stack; Swift's backtracer would hang on it

newer() { # newer TARGET_FILE SOURCES… : true when TARGET_FILE is missing or older than a source
  local t=$1; shift
  [ -e "$t" ] || return 0
  for s in "$@"; do [ "$s" -nt "$t" ] && return 0; done
  return 1
}

build_c() {
  local name=$1
  # The decode shim: its parsers and codecs, the one C/C++ target.
  local cfiles=("$SHIM"/*.c) cxxfiles=("$SHIM"/*.cpp) c
  newer "$BIN/fuzz_$name" "fuzz/c/fuzz_$name.cpp" fuzz/c/fuzz_support.h "$SHIM"/*.[ch]* "$INC"/*.h || return 0
  echo "fuzz: building $name (clang, fuzzer+address+undefined)" >&2
  local san=address,undefined common=(-g -O1 -fno-sanitize-recover=undefined -I "$INC")
  local objs=()
  for c in "${cfiles[@]}"; do
    "$CLANG" -c "${common[@]}" -fsanitize=fuzzer-no-link,$san "$c" -o "$BIN/$(basename "$c").o"
    objs+=("$BIN/$(basename "$c").o")
  done
  "$CLANG++" -std=c++17 "${common[@]}" -fsanitize=fuzzer,$san -fuse-ld=lld "fuzz/c/fuzz_$name.cpp" "${cxxfiles[@]}" \
    "${objs[@]}" -lsimdjson -o "$BIN/fuzz_$name"
}

build_swift() {
  local name=$1; shift
  local srcs=("$@")
  newer "$BIN/fuzz_$name" "${srcs[@]}" || return 0
  echo "fuzz: building $name (swiftc, fuzzer+address, from the module's sources)" >&2
  # Files of several SwiftPM targets become one module: drop the imports of sibling targets.
  local flat="$BIN/src-$name" files=() i=0
  rm -rf "$flat"; mkdir -p "$flat"
  for s in "${srcs[@]}"; do
    i=$((i + 1))
    sed -E '/^import (Candles|FastDecode|Archive|Indicators|Backtest|TextWriters|ThreadSupport)$/d' "$s" > "$flat/$i-$(basename "$s")"
    files+=("$flat/$i-$(basename "$s")")
  done
  # TextWriters' DecimalWriter imports CFloatFormat (C++): its object and a module map for swiftc.
  local cfloat="$BIN/cfloat" extra=()
  if grep -q '^import CFloatFormat$' "${srcs[@]}"; then
    mkdir -p "$cfloat"
    printf 'module CFloatFormat {\n  header "%s"\n  export *\n}\n' "$CFLOAT/include/qf_float_format.h" \
      > "$cfloat/module.modulemap"
    "$CLANG++" -std=c++17 -c -g -O1 -fsanitize=fuzzer-no-link,address -I "$CFLOAT/include" \
      "$CFLOAT/float_format.cpp" -o "$cfloat/float_format.o"
    extra=(-I "$cfloat" "$cfloat/float_format.o" -lstdc++)
  fi
  "$SWIFTC" -sanitize=fuzzer,address -parse-as-library -g -O -module-name QFluxFuzz -package-name qflux \
    -I "$LZ4_MODULE" -use-ld=lld "${files[@]}" "${extra[@]}" -llz4 -o "$BIN/fuzz_$name"
}

build() {
  case $1 in
    line|event|codecs) build_c "$1" ;;
    archive) build_swift archive fuzz/swift/ArchiveReaderFuzz.swift Sources/Engine/Archive/ArchiveError.swift \
               Sources/Engine/Archive/Format/*.swift Sources/Engine/Archive/Reader/*.swift \
               Sources/Engine/Archive/Catalog/CatalogDirectory.swift Sources/Engine/Archive/Export/PlausibleRecords.swift \
               Sources/FastDecode/Model/MarketLimits.swift \
               Sources/Engine/Archive/Writer/LZ4ChunkFile.swift Sources/Engine/Candles/Model/Timeframe.swift \
               Sources/Engine/TextWriters/*.swift ;;
    export) build_swift export fuzz/swift/ArchiveExportFuzz.swift Sources/Engine/Archive/ArchiveError.swift \
               Sources/Engine/Archive/Format/*.swift Sources/Engine/Archive/Reader/*.swift \
               Sources/Engine/Archive/Writer/LZ4ChunkFile.swift Sources/Engine/Archive/Index/ArchiveIndex.swift Sources/Engine/Archive/Index/ArchiveIndexScan.swift \
               Sources/Engine/Archive/Catalog/CatalogDirectory.swift \
               Sources/Engine/Archive/Export/*.swift Sources/Engine/Candles/Model/Timeframe.swift \
               Sources/Engine/TextWriters/*.swift Sources/FastDecode/Output/JSONLines.swift \
               Sources/FastDecode/Model/*.swift Sources/FastDecode/Assets/*.swift Sources/Engine/ThreadSupport/{Locked,ConditionLock}.swift \
               Sources/Engine/Engine/Analysis/AnalysisCandleLoader.swift Sources/Engine/Engine/Analysis/CandleColumns+Runs.swift \
               Sources/Engine/Indicators/*/*.swift ;;
    rules) build_swift rules fuzz/swift/RulesFuzz.swift Sources/Engine/Backtest/Rules/*.swift \
               Sources/Engine/Backtest/Core/{SignalStrategy,TradeSignal}.swift Sources/Engine/Indicators/*/*.swift \
               Sources/Engine/ThreadSupport/ConditionLock.swift \
               Sources/FastDecode/Model/MarketLimits.swift Sources/Engine/TextWriters/*.swift ;;
    csv) build_swift csv fuzz/swift/CandleCSVFuzz.swift Sources/Engine/Indicators/Input/*.swift \
               Sources/Engine/Indicators/Types/*.swift Sources/FastDecode/Model/MarketLimits.swift \
               Tests/AnalysisTests/Support/LegacyCandleCSV.swift ;;
    engineio) build_swift engineio fuzz/swift/EngineIOFuzz.swift \
               Sources/Engine/SocketIOServer/Protocol/{SocketIOParser,SocketIOPacket,JSONValue,JSONValueParser,EngineIOPayload}.swift ;;
    *) echo "fuzz: unknown target $1" >&2; exit 2 ;;
  esac
}

# Seeds: archive seeds need a qflux binary to write chunks (debug build, own scratch path).
SEEDS="$OUT/seeds"
if [ ! -d "$SEEDS" ] || newer "$SEEDS/.stamp" fuzz/seeds.py Tests/FastDecodeTests/Fixtures/*.jsonl; then
  # QFLUX=path overrides; else the debug build `make test` leaves, else one of our own.
  QFLUX=${QFLUX:-}
  if [ -z "$QFLUX" ] && [ -x .build/debug/qflux ]; then QFLUX=.build/debug/qflux; fi
  if [ -z "$QFLUX" ] && swift build --scratch-path .build-fuzz --product qflux >&2; then
    QFLUX=$(swift build --scratch-path .build-fuzz --show-bin-path)/qflux
  fi
  rm -rf "$SEEDS"
  python3 fuzz/seeds.py "$SEEDS" $QFLUX
  touch "$SEEDS/.stamp"
fi

for t in "${TARGETS[@]}"; do build "$t"; done

failed=()
for t in "${TARGETS[@]}"; do
  corpus="$OUT/corpus/$t"; crashes="$OUT/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  extra=()
  [ "$t" = engineio ] && extra=(-max_len=8192)   # past the 4096-byte limit the harness sets
  [ "$t" = archive ] && extra=(-max_len=65536)
  [ "$t" = export ] && extra=(-max_len=32768)     # a few thousand records of several fields
  echo "fuzz: $t for ${SECONDS_EACH}s" >&2
  log="$OUT/$t.log"
  if (cd "$crashes" && "$ROOT/$BIN/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 "${extra[@]}" "$ROOT/$corpus" "$ROOT/$SEEDS/$t") >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    echo "fuzz: $t ok: $runs runs, $cov, corpus $(ls "$corpus" | wc -l) files" >&2
  else
    echo "fuzz: $t FAILED (input in $crashes, log $log):" >&2
    grep -E "ERROR|Fatal error|runtime error|SUMMARY" "$log" | head -5 >&2 || tail -20 "$log" >&2
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no crash in ${TARGETS[*]} (${SECONDS_EACH}s each)" >&2
