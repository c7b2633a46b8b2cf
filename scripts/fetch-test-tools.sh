#!/bin/sh
# scripts/fetch-test-tools.sh CACHEDIR
#
# Prepares the Xen programs the test suite drives but the project never
# installs on the host, all under CACHEDIR:
#
#   CACHEDIR/xen-utils/   Debian's xen-utils-4.17 unpacked with dpkg-deb -x
#                         (test-xenstore and xenstore-control live in
#                         usr/lib/xen-4.17/bin/). Installing the package would
#                         pull in the hypervisor's init scripts; unpacking
#                         keeps the host untouched.
#   CACHEDIR/xs-peers/    Debian's reference C and OCaml daemons plus the
#                         hypervisor shim, prepared by the shared
#                         reference-daemons/fetch-peers.sh, located beside the
#                         checkout (../shared) or by $CXXENSTORED_REFERENCE_DAEMONS.
#
# Idempotent: nothing is downloaded again once present. Prints, on stdout,
# shell assignments for the locations (for scripts/test.sh to eval):
#   CXXENSTORED_XEN_UTILS=...  CXXENSTORED_REFERENCE_DAEMONS=...  XS_PEERS=...
# CXXENSTORED_REFERENCE_DAEMONS and XS_PEERS are empty when the shared
# reference daemons are not available.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 CACHEDIR" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
cache=$(cd "$1" && pwd)

# Every download goes through apt-get, whose package lists may be older than
# the archive (a fresh machine may have none): retry once after an update.
download() { # download DESTDIR PACKAGE...
	dest=$1
	shift
	(cd "$dest" && apt-get download -qq "$@" 2>/dev/null) || {
		apt-get update -qq
		(cd "$dest" && apt-get download -qq "$@")
	}
}

# xen-utils-4.17: test-xenstore and xenstore-control.
utils=$cache/xen-utils
bin=$utils/root/usr/lib/xen-4.17/bin
if [ ! -x "$bin/test-xenstore" ] || [ ! -x "$bin/xenstore-control" ]; then
	mkdir -p "$utils/debs" "$utils/root"
	ls "$utils/debs"/xen-utils-4.17_*.deb >/dev/null 2>&1 ||
		download "$utils/debs" xen-utils-4.17 >&2
	for deb in "$utils/debs"/xen-utils-4.17_*.deb; do
		dpkg-deb -x "$deb" "$utils/root"
	done
	[ -x "$bin/test-xenstore" ] ||
		{ echo "$0: test-xenstore missing after unpacking xen-utils-4.17" >&2; exit 1; }
fi

# The reference daemons, for tests that prove themselves on Debian's C
# xenstored and for differential tests.
refdir=${CXXENSTORED_REFERENCE_DAEMONS:-$repo/../shared/reference-daemons}
peers=""
if [ -x "$refdir/fetch-peers.sh" ]; then
	refdir=$(cd "$refdir" && pwd)
	peers=$cache/xs-peers
	mkdir -p "$peers"
	"$refdir/fetch-peers.sh" "$peers" >"$peers/fetch.log" 2>&1 || {
		cat "$peers/fetch.log" >&2
		echo "$0: $refdir/fetch-peers.sh failed" >&2
		exit 1
	}
else
	echo "$0: no reference daemons at $refdir; reference runs are left out" >&2
	refdir=""
fi

echo "CXXENSTORED_XEN_UTILS='$bin'"
echo "CXXENSTORED_REFERENCE_DAEMONS='$refdir'"
echo "XS_PEERS='$peers'"
