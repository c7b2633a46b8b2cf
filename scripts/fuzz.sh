#!/bin/sh
# Builds the libFuzzer targets (clang 14, ASan+UBSan) and runs them.
#
#   scripts/fuzz.sh                    # every target, 10 minutes each
#   scripts/fuzz.sh -t 3600 fuzz_engine
#   scripts/fuzz.sh -j 2 -t 600        # two libFuzzer jobs per target
#
# The corpus a run grows is kept in BUILD/fuzz-corpus/<target> (the
# checked-in seeds in tests/fuzz/corpus/<target> are only read); crashes go
# to BUILD/fuzz-artifacts/. Every crash found must become a regression test
# in tests/hostile/engine_crash_regression_test.cc (docs/security.md).
set -eu

usage() {
	echo "usage: $0 [-b BUILD_DIR] [-t SECONDS] [-j JOBS] [TARGET...]" >&2
	echo "targets: fuzz_framing fuzz_engine (default: both)" >&2
	exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
seconds=600
jobs=1
while getopts b:t:j:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	t) seconds=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
targets=${*:-fuzz_framing fuzz_engine}

command -v clang++-14 >/dev/null || { echo "$0: clang++-14 is needed (apt-get install clang-14 libfuzzer-14-dev)" >&2; exit 1; }

CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCXXENSTORED_FUZZ=ON -DCXXENSTORED_SANITIZE=ON \
	-DCXXENSTORED_BENCH=OFF -DCXXENSTORED_TEST_AREAS=fuzz >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" --target $targets

# With -jobs, libFuzzer writes fuzz-<N>.log into the current folder.
build=$(cd "$build" && pwd)
cd "$build"
status=0
for target in $targets; do
	corpus=$build/fuzz-corpus/$target
	artifacts=$build/fuzz-artifacts
	mkdir -p "$corpus" "$artifacts"
	echo "== $target: $seconds s, $jobs job(s), corpus $corpus"
	if ! "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -jobs="$jobs" -workers="$jobs" \
		-artifact_prefix="$artifacts/$target-" \
		"$corpus" "$root/tests/fuzz/corpus/$target"; then
		echo "== $target: FAILED (see $artifacts)"
		status=1
	fi
done
exit $status
