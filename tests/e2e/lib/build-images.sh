#!/bin/sh
# build-images.sh WORKDIR OUTDIR XENSTORED "XENSTORED_ARGS" "GUESTS" [DUMP]
#                 [LIVE_UPDATE] [LIVE_UPDATE_TO]
#
# Builds the two initramfs images of the test (uncompressed newc cpio: the
# kernels unpack them faster under emulation than a gzip image):
#   OUTDIR/guest.cpio  busybox, the xenstore client, guest/init
#   OUTDIR/dom0.cpio   busybox, the Xen tools, the xenstored under test (as
#                      /usr/lib/xen-4.17/bin/xenstored, where Debian's init
#                      script looks for it), with LIVE_UPDATE_TO the binary
#                      to live-update to (as /usr/sbin/cxxenstored), the Xen
#                      modules, dom0/init, the
#                      guest configurations, the guest kernel and guest.cpio
# Every dynamically linked program is copied with its ldd closure; Xen's
# libraries come from WORKDIR/root (fetch-xen.sh), anything else from the host.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
e2e=$(dirname "$here")

work=${1:?WORKDIR} out=${2:?OUTDIR} xenstored=${3:?XENSTORED}
xenstored_args=${4-} guests=${5:-pv pvh} dump_consoles=${6:-0} live_update=${7:-0}
live_update_to=${8-}
root=$work/root
xbin=$root/usr/lib/xen-$E2E_XEN_VERSION/bin
libdir=$root/usr/lib/x86_64-linux-gnu

[ -x /bin/busybox ] || e2e_die "/bin/busybox missing (busybox-static)"
[ -f "$xenstored" ] && [ -x "$xenstored" ] || e2e_die "xenstored under test not executable: $xenstored"

# stage_busybox DIR: busybox and a link for each of its applets.
stage_busybox() {
	mkdir -p "$1/bin" "$1/sbin" "$1/usr/bin" "$1/usr/sbin" "$1/proc" "$1/sys" \
		"$1/dev" "$1/run" "$1/tmp" "$1/var" "$1/etc" "$1/lib64" \
		"$1/lib/x86_64-linux-gnu"
	cp /bin/busybox "$1/bin/busybox"
	/bin/busybox --list-full | while read -r applet; do
		[ -e "$1/$applet" ] || ln -s /bin/busybox "$1/$applet"
	done
}

# copy_program DIR SRC DEST: SRC as DIR/DEST plus every library it loads.
copy_program() {
	mkdir -p "$(dirname "$1/$3")"
	cp -L "$2" "$1/$3"
	chmod 755 "$1/$3"
	# A static program has no closure ("not a dynamic executable").
	LD_LIBRARY_PATH=$libdir ldd "$2" 2>/dev/null |
		sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' |
		while read -r lib; do
			case $lib in
			*/ld-linux-x86-64.so.2) dest=/lib64/ld-linux-x86-64.so.2 ;;
			*) dest=/lib/x86_64-linux-gnu/$(basename "$lib") ;;
			esac
			[ -e "$1$dest" ] || cp -L "$lib" "$1$dest"
		done
}

pack() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$2"; }

mkdir -p "$out"
stage=$(mktemp -d "$out/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# ---- guest image
g=$stage/guest
stage_busybox "$g"
copy_program "$g" "$root/usr/bin/xenstore" /usr/bin/xenstore
for c in read write exists list ls rm chmod watch; do
	ln -s xenstore "$g/usr/bin/xenstore-$c"
done
install -m 755 "$e2e/guest/init" "$g/init"
rm -f "$g/sbin/poweroff"
install -m 755 "$e2e/guest/poweroff" "$g/sbin/poweroff"
pack "$g" "$out/guest.cpio"

# ---- dom0 image
d=$stage/dom0
stage_busybox "$d"
# xenstore-control is a program of its own (the multi-call xenstore client
# has no "control" mode); live update (--live-update) needs it.
for p in xl xen-init-dom0 xenconsoled xenstore-control; do
	copy_program "$d" "$xbin/$p" "/usr/lib/xen-$E2E_XEN_VERSION/bin/$p"
done
copy_program "$d" "$xenstored" "/usr/lib/xen-$E2E_XEN_VERSION/bin/xenstored"
# --live-update-to: the binary the running xenstored is updated to.
if [ -n "$live_update_to" ]; then
	[ -f "$live_update_to" ] && [ -x "$live_update_to" ] || e2e_die "live update target not executable: $live_update_to"
	copy_program "$d" "$live_update_to" /usr/sbin/cxxenstored
fi
copy_program "$d" "$root/usr/bin/xenstore" /usr/bin/xenstore
for c in read write exists list ls rm chmod watch; do
	ln -s xenstore "$d/usr/bin/xenstore-$c"
done
# glibc loads libgcc_s at run time for pthread_cancel; xl aborts without it.
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$d/lib/x86_64-linux-gnu/"
mkdir -p "$d/lib/modules"
cp "$work"/kernel/modules/*.ko "$d/lib/modules/"
mkdir -p "$d/etc/xen" "$d/boot"
cat >"$d/etc/xen/xl.conf" <<'EOF'
# dom0 has a fixed allocation (dom0_mem=512M,max:512M); guests use free memory.
autoballoon="off"
EOF
for kind in $guests; do
	[ -f "$e2e/guest/$kind.cfg" ] || e2e_die "no guest configuration guest/$kind.cfg"
	# E2E_GUEST_EXTRA (experiments): more guest kernel arguments.
	sed "s|^extra = \"\(.*\)\"|extra = \"\1${E2E_GUEST_EXTRA:+ $E2E_GUEST_EXTRA}\"|" \
		"$e2e/guest/$kind.cfg" >"$d/etc/xen/e2e-$kind.cfg"
done
cp "$work/kernel/vmlinux" "$d/boot/guest-vmlinux"
cp "$out/guest.cpio" "$d/boot/guest-initrd"
{
	echo "XENSTORED=/usr/lib/xen-$E2E_XEN_VERSION/bin/xenstored"
	printf 'XENSTORED_ARGS=%s\n' "'$xenstored_args'"
	printf 'E2E_GUESTS=%s\n' "'$guests'"
	echo "E2E_DUMP_CONSOLES=$dump_consoles"
	echo "E2E_LIVE_UPDATE=$live_update"
	[ -z "$live_update_to" ] || echo "E2E_LIVE_UPDATE_TO=/usr/sbin/cxxenstored"
} >"$d/etc/e2e.conf"
install -m 755 "$e2e/dom0/init" "$d/init"
pack "$d" "$out/dom0.cpio"
