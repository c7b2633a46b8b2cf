#!/bin/sh
# host-packages.sh
#
# Makes sure the host has the three Debian packages the end-to-end test runs
# on the host itself: QEMU (software emulation of the machine that runs Xen),
# a static busybox (the whole userland of dom0 and the guests) and cpio (to
# pack the initramfs images). Installs the missing ones with apt-get and
# --no-install-recommends; never touches packages that are already there.
set -eu
. "$(dirname "$0")/common.sh"

need=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || need="$need qemu-system-x86"
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx timeout ||
	need="$need busybox-static"
command -v cpio >/dev/null 2>&1 || need="$need cpio"
command -v xz >/dev/null 2>&1 || need="$need xz-utils"
# busybox (the dynamic one) may be installed instead of busybox-static; the
# images need a static binary.
if [ -x /bin/busybox ] && ldd /bin/busybox >/dev/null 2>&1; then
	need="$need busybox-static"
fi

[ -z "$need" ] && exit 0

[ "$(id -u)" = 0 ] || e2e_die "missing host packages:$need (install them as root: apt-get install --no-install-recommends$need)"
e2e_say "installing host packages:$need"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends $need >/dev/null || {
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $need >/dev/null
}
