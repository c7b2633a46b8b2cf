#!/bin/sh
# run_differential.sh XSDIFF WORKDIR REF TEST SCRIPT...
#
# For each SCRIPT (a file, or "random:SEED:OPERATIONS"), starts a fresh
# reference daemon and a fresh tested daemon, runs `xsdiff compare` on them and
# stops both. REF and TEST each name a daemon:
#   cxenstored    Debian's C xenstored from $XS_PEERS (default /tmp/xs-peers,
#                 prepared by shared/reference-daemons/fetch-peers.sh), run
#                 without a hypervisor under the LD_PRELOAD shim found there
#   exe:PATH      a daemon binary run as "PATH -N" with XENSTORED_RUNDIR set
#                 (cxxenstored)
#   same          (TEST only) the REF daemon again, same instance: the
#                 harness's self-test, where state left by the first run must
#                 show up as a difference
# Exits 0 if every script matched (intentional differences aside), 1 if any
# differed, 77 (ctest's skip code) if the reference daemon is not available.
# XSDIFF_EXPECT=differ inverts the result (for the self-test).
# XSDIFF_SEED, XSDIFF_OPS: see below.
set -u

[ $# -ge 5 ] || { echo "usage: $0 XSDIFF WORKDIR REF TEST SCRIPT..." >&2; exit 2; }
xsdiff=$1 work=$2 ref=$3 test=$4
shift 4

peers=${XS_PEERS:-/tmp/xs-peers}
peer_bin=$peers/root/usr/lib/xen-4.17/bin/xenstored
peer_shim=$peers/xs-peer-shim.so
case "$ref $test" in
*cxenstored*)
	if [ ! -x "$peer_bin" ] || [ ! -f "$peer_shim" ]; then
		echo "SKIP: reference C xenstored not found in XS_PEERS=$peers" \
			"(run shared/reference-daemons/fetch-peers.sh $peers)" >&2
		exit 77
	fi ;;
esac

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

# start_daemon KIND DIR: starts it serving DIR/socket, pid in DIR/pid.
start_daemon() {
	mkdir -p "$2"
	case $1 in
	cxenstored)
		XENSTORED_RUNDIR=$2 LD_PRELOAD=$peer_shim \
		LD_LIBRARY_PATH=$peers/root/usr/lib/x86_64-linux-gnu:$peers/root/usr/lib/xen-4.17/lib \
			"$peer_bin" -N --pid-file "$2/xenstored.pid" \
			</dev/null >"$2/daemon.log" 2>&1 &
		;;
	exe:*)
		XENSTORED_RUNDIR=$2 "${1#exe:}" -N --pid-file "$2/xenstored.pid" \
			</dev/null >"$2/daemon.log" 2>&1 &
		;;
	*) echo "$0: unknown daemon $1" >&2; return 1 ;;
	esac
	echo $! >"$2/pid"
	if ! "$xsdiff" wait-ready "$2/socket" 20; then
		echo "$0: $1 did not start; log:" >&2
		cat "$2/daemon.log" >&2
		return 1
	fi
}

# stop_daemon DIR: false if the daemon had died before it was told to stop.
stop_daemon() {
	[ -f "$1/pid" ] || return 0
	pid=$(cat "$1/pid")
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null
		status=$?
		rm -f "$1/pid"
		echo "DAEMON DIED during the script (wait status $status; >128 is a signal); log $1/daemon.log:"
		tail -n 20 "$1/daemon.log"
		return 1
	fi
	kill -TERM "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$1/pid"
}

# XSDIFF_SEED=N adds one more random script (e.g. XSDIFF_SEED=$(date +%s)
# for a new one each run; the seed is printed so a failure can be replayed).
if [ -n "${XSDIFF_SEED:-}" ]; then
	set -- "$@" "random:$XSDIFF_SEED:${XSDIFF_OPS:-300}"
fi

# Never leave a daemon behind, even when ctest's timeout kills us.
compare_pid=
cleanup() {
	[ -n "$compare_pid" ] && kill -KILL "$compare_pid" 2>/dev/null
	for pidfile in "$work"/*/pid; do
		[ -f "$pidfile" ] && kill -KILL "$(cat "$pidfile")" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 1' INT TERM

failed=0
n=0
for script in "$@"; do
	n=$((n + 1))
	case $script in
	random:*)
		spec=${script#random:}
		seed=${spec%%:*} ops=${spec#*:}
		file=$work/random-$seed.xs
		echo "random script: seed $seed, $ops operations -> $file"
		"$xsdiff" generate "$seed" "$ops" >"$file" || { failed=1; continue; }
		;;
	*) file=$script ;;
	esac
	test_dir=$work/$n-test
	[ "$test" = same ] && test_dir=$work/$n-ref
	if start_daemon "$ref" "$work/$n-ref" &&
		{ [ "$test" = same ] || start_daemon "$test" "$test_dir"; }; then
		# In the background so that a signal interrupts the wait at once.
		"$xsdiff" compare "$work/$n-ref/socket" "$test_dir/socket" "$file" &
		compare_pid=$!
		wait "$compare_pid" || failed=1
		compare_pid=
	else
		failed=1
	fi
	stop_daemon "$work/$n-ref" || failed=1
	stop_daemon "$work/$n-test" || failed=1
done
if [ $failed -eq 0 ]; then
	echo "all scripts match"
else
	echo "DIFFERENCES FOUND (see above)"
fi
if [ "${XSDIFF_EXPECT:-match}" = differ ]; then
	[ $failed -eq 1 ] && { echo "(expected: the harness detects differences)"; exit 0; }
	echo "FAIL: the harness did not detect the expected difference"
	exit 1
fi
exit $failed
