#!/bin/sh
# scripts/daemon-path.sh BUILD_DIR
# Prints the path of the cxxenstored executable CMake built in BUILD_DIR.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
for candidate in "$1/src/daemon/cxxenstored" "$1/cxxenstored"; do
	[ -x "$candidate" ] && { echo "$candidate"; exit 0; }
done
found=$(find "$1" -name cxxenstored -type f -perm -u+x 2>/dev/null | head -n 1)
[ -n "$found" ] || { echo "$0: no cxxenstored executable in $1" >&2; exit 1; }
echo "$found"
