#!/bin/sh
# run.sh [--xenstored PATH] [--xenstored-args ARGS] [--workdir DIR]
#        [--guests "pv pvh"] [--timeout SECONDS] [--verbose] [--keep] [--live-update]
#        [--live-update-to PATH]
#
# The real end-to-end test: boots Debian's Xen 4.17 hypervisor and a Debian
# dom0 under QEMU (software emulation), starts the xenstored under test in
# dom0 the way Debian's init script does, and drives the toolstack through a
# PV and a PVH guest whose kernels and userspace use xenstore over their
# rings. dom0 prints markers on the serial console; lib/judge.sh decides
# pass/fail from them. See docs/e2e.md.
#
#   --xenstored PATH   the daemon under test, copied into dom0 with its ldd
#                      closure (default: Debian's C xenstored, unpacked into
#                      the work folder)
#   --xenstored-args A extra daemon arguments (like XENSTORED_ARGS in
#                      Debian's /etc/default/xen); --pid-file is always added
#   --workdir DIR      cache of downloaded/unpacked packages and run logs
#                      (default $XDG_CACHE_HOME/cxxenstored-e2e, else
#                      /tmp/cxxenstored-e2e; also $E2E_WORKDIR)
#   --guests LIST      guest kinds, in order (default "pv pvh")
#   --timeout SECONDS  deadline for the whole QEMU run (default 1200)
#   --verbose          show the whole serial console, not only the markers,
#                      and have dom0 print the guests' whole console logs
#   --keep             keep the built images of this run
#   --live-update      with each guest running: 'xenstore-control live-update'
#                      of xenstored (to the same binary), then prove the
#                      guest's old watch, a read and a write still work
#   --live-update-to PATH  as --live-update, but to another binary: PATH is
#                      copied into dom0 as /usr/sbin/cxxenstored and dom0 runs
#                      'xenstore-control live-update /usr/sbin/cxxenstored'
#                      (e.g. Debian's C xenstored -> cxxenstored with the
#                      first guest up, then cxxenstored -> itself)
#
# Environment: E2E_WORKDIR (as --workdir); E2E_QEMU_ACCEL and E2E_QEMU_CPU
# replace QEMU's -accel and -cpu values, E2E_GUEST_EXTRA adds guest kernel
# arguments (for experiments).
#
# Exit status: 0 every expected marker appeared; 1 the test failed; 2 the
# harness could not run (missing packages, download failure, bad option);
# 3 the test failed because a guest's kernel crashed outside xenstore code
# (no xenbus frame in its oops: the emulated machine's fault, docs/e2e.md
# "Flakes"; scripts/test.sh runs the test again then).
set -eu
e2e=$(cd "$(dirname "$0")" && pwd)
. "$e2e/lib/common.sh"

xenstored="" xenstored_args="" guests="pv pvh" timeout=1200 verbose=0 keep=0 live_update=0 live_update_to=""
work=${E2E_WORKDIR:-$(e2e_default_workdir)}
while [ $# -gt 0 ]; do
	case $1 in
	--xenstored) xenstored=${2:?--xenstored needs a path}; shift 2 ;;
	--xenstored-args) xenstored_args=${2?}; shift 2 ;;
	--workdir) work=${2:?--workdir needs a folder}; shift 2 ;;
	--guests) guests=${2?}; shift 2 ;;
	--timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
	--verbose) verbose=1; shift ;;
	--keep) keep=1; shift ;;
	--live-update) live_update=1; shift ;;
	--live-update-to) live_update_to=${2:?--live-update-to needs a path}; live_update=1; shift 2 ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) e2e_die "unknown option: $1 (see --help)" ;;
	esac
done
case $timeout in '' | *[!0-9]*) e2e_die "--timeout needs a whole number of seconds" ;; esac
if [ -n "$xenstored" ]; then
	[ -f "$xenstored" ] && [ -x "$xenstored" ] || e2e_die "not an executable file: $xenstored"
	xenstored=$(cd "$(dirname "$xenstored")" && pwd)/$(basename "$xenstored")
fi
if [ -n "$live_update_to" ]; then
	[ -f "$live_update_to" ] && [ -x "$live_update_to" ] || e2e_die "not an executable file: $live_update_to"
	live_update_to=$(cd "$(dirname "$live_update_to")" && pwd)/$(basename "$live_update_to")
fi

started=$(date +%s)
sh "$e2e/lib/host-packages.sh" || exit 2
mkdir -p "$work" || exit 2
work=$(cd "$work" && pwd)
sh "$e2e/lib/fetch-xen.sh" "$work" || exit 2
[ -n "$xenstored" ] || xenstored=$work/root/usr/lib/xen-$E2E_XEN_VERSION/bin/xenstored

run=$work/runs/$(date -u +%Y%m%dT%H%M%SZ)-$$
mkdir -p "$run"
# Keep the 20 newest runs' logs (an interrupted run also leaves its images).
ls -1d "$work"/runs/*/ | sort | head -n -20 | while read -r old; do rm -rf "$old"; done
log=$run/serial.log
sh "$e2e/lib/build-images.sh" "$work" "$run" "$xenstored" "$xenstored_args" "$guests" "$verbose" "$live_update" "$live_update_to" || exit 2
e2e_say "xenstored under test: $xenstored"
[ -z "$live_update_to" ] || e2e_say "live update to: $live_update_to"
e2e_say "serial log: $log"

# Facts in ../shared/xen-under-qemu.md: no usable KVM here (TCG); SMAP/SMEP
# off or dom0 dies on its first page fault under TCG; RDTSCP off or PVH
# guests loop on an emulation failure. One TCG thread for both vCPUs, not
# thread=multi: with multi-threaded TCG, dom0 processes now and then find
# their memory corrupted (general protection faults in xenstore-watch and
# busybox, "malloc(): corrupted top size" in xl shutdown, with Debian's own
# xenstored), and on a busy 2-core host one thread is also twice as fast.
# The CPU model is QEMU's plain qemu64 plus SVM and nested paging (what PVH
# needs), not -cpu max (with SMAP, SMEP, RDTSCP and FSGSBASE off, the model
# used until 2026-12-06): under max, user processes in the guests and in
# dom0 now and then died of SIGSEGV or of ld.so finding its own data
# corrupt, with either xenstored; under qemu64 none did in 8 runs
# (docs/e2e.md, "Flakes"). qemu64 has none of SMAP, SMEP, RDTSCP, FSGSBASE.
xen_args="console=com1 com1=115200,8n1 dom0_mem=512M,max:512M dom0_max_vcpus=2 loglvl=all guest_loglvl=all"
dom0_args="console=hvc0 earlyprintk=xen rdinit=/init"
accel=${E2E_QEMU_ACCEL:-tcg,thread=single}
cpu=${E2E_QEMU_CPU:-qemu64,+svm,+npt}
{
	timeout -k 10 "$timeout" qemu-system-x86_64 \
		-accel "$accel" -cpu "$cpu" \
		-smp 2 -m 2048 -nographic -no-reboot -nodefaults -serial mon:stdio \
		-kernel "$work/xen" -append "$xen_args" \
		-initrd "$work/kernel/vmlinux $dom0_args,$run/dom0.cpio" \
		</dev/null 2>&1
	echo $? >"$run/qemu.status"
} | tee "$log" | if [ $verbose = 1 ]; then cat; else
	# Only the markers, as they come (the console ends lines with CR LF).
	grep --line-buffered -a -o "E2E-[A-Z]*:[^$(printf '\r')]*"
fi

# No status file: the shell that waited for QEMU was killed with it (timeout
# signals its whole process group when QEMU ignores SIGTERM for 10 s).
qemu_status=$(cat "$run/qemu.status" 2>/dev/null || echo killed)
[ $keep = 1 ] || rm -f "$run/dom0.cpio" "$run/guest.cpio"
e2e_say "QEMU ran $(($(date +%s) - started)) s in total (including setup), exit status $qemu_status"
case $qemu_status in
124 | 137 | killed) e2e_say "the overall deadline of $timeout s passed: QEMU was killed" ;;
esac

if sh "$e2e/lib/judge.sh" "$log" "$guests" "$live_update"; then
	exit 0
fi
e2e_say "serial log kept in $log"
if grep -a -q 'E2E-GUEST-OOPS: .* outside xenstore code' "$log"; then
	e2e_say "a guest kernel crashed outside xenstore code: $(grep -a -o 'E2E-GUEST-OOPS:.*' "$log" | head -n 1 | tr -d '\r')"
	exit 3
fi
exit 1
