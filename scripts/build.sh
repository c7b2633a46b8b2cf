#!/bin/sh
# scripts/build.sh [--sanitize] [--build-dir DIR] [--target T] [-- CMAKE_ARGS...]
#
# Configures (CMake + Ninja) and builds cxxenstored. Plain builds go to
# build/ (RelWithDebInfo, g++); --sanitize builds with ASan+UBSan into
# build-asan/ with clang 14, which also builds the libFuzzer targets, so one
# run checks both compilers. Incremental: an existing build dir is reused.
#
#   --sanitize       ASan+UBSan build (clang-14, CXXENSTORED_FUZZ=ON)
#   --build-dir DIR  build folder (default build/ or build-asan/)
#   --target T       build only target T (default: everything)
#   --keep-going     build every target that can be built, even after an
#                    error elsewhere (still exits non-zero)
#   -- ARGS          further arguments for cmake's configure step
#
# Environment: JOBS (parallel jobs, default: number of cores).
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
sanitize=0
build_dir=""
target=""
keep_going=""
while [ $# -gt 0 ]; do
	case $1 in
	--sanitize) sanitize=1 ;;
	--build-dir) build_dir=$2; shift ;;
	--target) target=$2; shift ;;
	--keep-going) keep_going="-k 0" ;;
	--) shift; break ;;
	-h | --help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

if [ $sanitize -eq 1 ]; then
	: "${build_dir:=$repo/build-asan}"
	set -- -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
		-DCXXENSTORED_SANITIZE=ON -DCXXENSTORED_FUZZ=ON -DCXXENSTORED_BENCH=ON "$@"
else
	: "${build_dir:=$repo/build}"
fi

mkdir -p "$build_dir"
cmake -S "$repo" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$build_dir/configure.log" 2>&1 || {
	cat "$build_dir/configure.log" >&2
	echo "build.sh: configure failed" >&2
	exit 1
}
jobs=${JOBS:-$(nproc)}
# shellcheck disable=SC2086 # $keep_going is empty or two words for ninja
if [ -n "$target" ]; then
	cmake --build "$build_dir" --target "$target" -j "$jobs" -- $keep_going
else
	cmake --build "$build_dir" -j "$jobs" -- $keep_going
fi
