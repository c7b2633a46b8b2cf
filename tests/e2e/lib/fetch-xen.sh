#!/bin/sh
# fetch-xen.sh WORKDIR
#
# Downloads (apt-get download, nothing is installed on the host) the Debian
# packages the test machine runs, and unpacks them into WORKDIR:
#   WORKDIR/debs/            the .deb files (kept: later runs reuse them)
#   WORKDIR/root/            Xen tools, xenstore client and libraries (dpkg -x)
#   WORKDIR/xen              the hypervisor, gunzipped (a multiboot ELF)
#   WORKDIR/kernel/vmlinuz   the Debian kernel as packaged (bzImage, xz)
#   WORKDIR/kernel/vmlinux   the same kernel as a plain ELF (what is booted,
#                            as dom0 and as the guests)
#   WORKDIR/kernel/modules/  the five Xen modules dom0 needs
#   WORKDIR/kernel/version   the kernel release, e.g. 6.1.0-56-amd64
# Of the kernel package only the image and the five modules are extracted:
# the full package unpacks to ~450 MB, these files to ~9 MB.
# Idempotent: nothing is downloaded or unpacked twice.
set -eu
. "$(dirname "$0")/common.sh"

work=${1:?usage: fetch-xen.sh WORKDIR}
mkdir -p "$work/debs"
work=$(cd "$work" && pwd)
v=$E2E_XEN_VERSION

# The kernel Debian's metapackage points at (linux-image-6.1.0-N-amd64).
kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
if [ -z "$kernel_pkg" ]; then
	apt-get update -qq
	kernel_pkg=$(apt-cache depends linux-image-amd64 |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
fi
[ -n "$kernel_pkg" ] || e2e_die "cannot find the kernel package linux-image-amd64 depends on"

tool_pkgs="xen-utils-$v xen-utils-common xenstore-utils libxenstore4 libxencall1
libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenmisc$v libxentoollog1
libxentoolcore1 libxenhypfs1 libxendevicemodel1 libyajl2"
pkgs="xen-hypervisor-$v-amd64 $kernel_pkg $tool_pkgs"

missing=""
for p in $pkgs; do
	ls "$work/debs/${p}_"*.deb >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	e2e_say "downloading:$missing"
	(cd "$work/debs" && apt-get download -qq $missing 2>/dev/null) || {
		e2e_say "apt-get download failed; running apt-get update and retrying"
		apt-get update -qq
		(cd "$work/debs" && apt-get download -qq $missing)
	}
fi

deb_of() { ls "$work/debs/${1}_"*.deb | sort | tail -n 1; }

# Tools and libraries: unpack whole (small), once per set of .deb files.
stamp=$work/root/.unpacked
if [ ! -f "$stamp" ] || [ -n "$(find "$work/debs" -name '*.deb' -newer "$stamp")" ]; then
	e2e_say "unpacking Xen tools and libraries"
	rm -rf "$work/root"
	mkdir -p "$work/root"
	for p in $tool_pkgs; do
		dpkg -x "$(deb_of "$p")" "$work/root"
	done
	touch "$stamp"
fi

if [ ! -f "$work/xen" ] || [ "$(deb_of "xen-hypervisor-$v-amd64")" -nt "$work/xen" ]; then
	e2e_say "unpacking the hypervisor"
	tmp=$(mktemp -d "$work/xen.XXXXXX")
	dpkg-deb --fsys-tarfile "$(deb_of "xen-hypervisor-$v-amd64")" |
		tar -x -C "$tmp" "./boot/xen-$v-amd64.gz"
	gunzip -c "$tmp/boot/xen-$v-amd64.gz" >"$work/xen.new"
	mv "$work/xen.new" "$work/xen"
	rm -rf "$tmp"
fi

# extract_vmlinux BZIMAGE OUT: the kernel ELF inside a bzImage. Booting the
# ELF spares Xen (dom0) and the toolstack (guests) an xz decompression, which
# takes tens of seconds under emulation. The payload's place is in the boot
# protocol header: setup_sects at 0x1f1, payload_offset/length at 0x248.
extract_vmlinux() {
	setup_sects=$(od -An -tu1 -j 497 -N 1 "$1" | tr -d ' ')
	[ "$setup_sects" -ne 0 ] || setup_sects=4
	payload_offset=$(od -An -tu4 -j 584 -N 4 "$1" | tr -d ' ')
	payload_length=$(od -An -tu4 -j 588 -N 4 "$1" | tr -d ' ')
	start=$(((setup_sects + 1) * 512 + payload_offset))
	tail -c +$((start + 1)) "$1" | head -c "$payload_length" | xz -dc --single-stream >"$2" ||
		e2e_die "cannot unpack the kernel ELF from $1 (payload is not xz?)"
	[ "$(od -An -c -N 4 "$2" | tr -d ' ')" = "177ELF" ] ||
		e2e_die "the payload of $1 is not an ELF image"
}

kver=${kernel_pkg#linux-image-}
if [ ! -f "$work/kernel/vmlinux" ] || [ ! -f "$work/kernel/version" ] || [ "$(cat "$work/kernel/version")" != "$kver" ]; then
	e2e_say "unpacking kernel $kver (image and Xen modules only)"
	rm -rf "$work/kernel"
	tmp=$(mktemp -d "$work/kernel.XXXXXX")
	m=./lib/modules/$kver/kernel/drivers/xen
	dpkg-deb --fsys-tarfile "$(deb_of "$kernel_pkg")" |
		tar -x -C "$tmp" "./boot/vmlinuz-$kver" "$m/xen-evtchn.ko" \
			"$m/xen-privcmd.ko" "$m/xen-gntdev.ko" "$m/xen-gntalloc.ko" \
			"$m/xenfs/xenfs.ko"
	mkdir -p "$work/kernel.new/modules"
	mv "$tmp/boot/vmlinuz-$kver" "$work/kernel.new/vmlinuz"
	extract_vmlinux "$work/kernel.new/vmlinuz" "$work/kernel.new/vmlinux"
	find "$tmp/lib/modules" -name '*.ko' -exec mv {} "$work/kernel.new/modules/" \;
	echo "$kver" >"$work/kernel.new/version"
	rm -rf "$tmp"
	mv "$work/kernel.new" "$work/kernel"
fi

[ -x "$work/root/usr/lib/xen-$v/bin/xenstored" ] ||
	e2e_die "xenstored missing after unpacking into $work/root"
