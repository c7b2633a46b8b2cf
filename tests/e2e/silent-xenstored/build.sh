#!/bin/sh
# build.sh OUT: builds silent-xenstored (a daemon that never answers) as the
# static program OUT. Rebuilds only when the source is newer than OUT.
set -eu
src=$(cd "$(dirname "$0")" && pwd)/silent_xenstored.cpp
out=${1:?usage: build.sh OUT}
if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
	mkdir -p "$(dirname "$out")"
	${CXX:-g++} -std=c++20 -O2 -Wall -Wextra -Werror -static -o "$out" "$src"
fi
