#!/bin/sh
# scripts/deps.sh: install every Debian bookworm package cxxenstored needs to
# build, run and test, on a fresh machine, as root.
#
# Idempotent and quiet: packages already installed are skipped, so a run with
# nothing missing costs one dpkg-query and touches no network. `apt-get
# update` runs at most once, and only when something has to be installed.
#
# Usage: scripts/deps.sh [--no-e2e]
#   --no-e2e   leave out what only the QEMU end-to-end test needs
set -eu

# Build: compilers, CMake/Ninja, the libraries the code links against.
build_pkgs="build-essential cmake ninja-build pkg-config
libboost-dev libspdlog-dev libfmt-dev
libgtest-dev libgmock-dev libbenchmark-dev liburing-dev
libxen-dev
clang-14 libfuzzer-14-dev libclang-rt-14-dev"

# Tests: the xenstore-* clients; apt-get download + dpkg-deb for the Xen
# programs the tests unpack but never install (test-xenstore, the reference
# daemons); a C compiler for the reference daemons' LD_PRELOAD shim; unshare
# (util-linux) to run the OCaml reference daemon in its own mount namespace.
test_pkgs="xenstore-utils dpkg apt util-linux procps"

# End-to-end test: real Xen booted under QEMU (see tests/e2e/README).
e2e_pkgs="qemu-system-x86 busybox-static cpio gzip"

with_e2e=1
for arg in "$@"; do
	case $arg in
	--no-e2e) with_e2e=0 ;;
	-h | --help) sed -n '2,13p' "$0"; exit 0 ;;
	*) echo "deps.sh: unknown argument $arg" >&2; exit 2 ;;
	esac
done

wanted="$build_pkgs $test_pkgs"
[ $with_e2e -eq 0 ] || wanted="$wanted $e2e_pkgs"

# A package counts as present only when dpkg reports it fully installed
# ("install ok installed"); half-installed or config-files states get fixed.
missing=""
for p in $wanted; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing" >&2
	echo "deps.sh: run as root to install them" >&2
	exit 1
fi

echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps.sh: done" >&2
