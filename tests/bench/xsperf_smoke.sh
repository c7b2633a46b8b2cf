#!/bin/sh
# xsperf_smoke.sh XSPERF XSPERF_ECHO DAEMON [DAEMON_ARGS...]
#
# Starts DAEMON -N (foreground) serving a private $XENSTORED_RUNDIR/socket,
# runs every xsperf workload once with tiny counts plus the memory workload
# and the echo bounds (blocking, polling, and one thread for every client
# on epoll and on io_uring),
# and fails if any run fails its checks (lost update, missing watch event,
# wrong reply; EAGAIN where none can happen is only counted, not failed:
# that is a performance target, not correctness).
set -eu
[ $# -ge 3 ] || { echo "usage: $0 XSPERF XSPERF_ECHO DAEMON [ARGS...]" >&2; exit 2; }
xsperf=$1 echo_server=$2 daemon=$3
shift 3

dir=$(mktemp -d /tmp/xsperf-smoke.XXXXXX)
daemon_pid="" echo_pids="" uring_echo_pid=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	for pid in $daemon_pid $echo_pids; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

XENSTORED_RUNDIR=$dir XENSTORED_PATH=$dir/socket "$daemon" -N "$@" </dev/null >"$dir/daemon.log" 2>&1 &
daemon_pid=$!
"$echo_server" "$dir/echo.sock" &
echo_pids=$!
"$echo_server" --poll "$dir/echo-poll.sock" &
echo_pids="$echo_pids $!"
"$echo_server" --epoll "$dir/echo-epoll.sock" &
echo_pids="$echo_pids $!"
"$echo_server" --uring "$dir/echo-uring.sock" &
uring_echo_pid=$!
echo_pids="$echo_pids $uring_echo_pid"

i=0
until [ -S "$dir/socket" ] && [ -S "$dir/echo.sock" ] && [ -S "$dir/echo-poll.sock" ] &&
	[ -S "$dir/echo-epoll.sock" ] && [ -S "$dir/echo-uring.sock" ]; do
	if ! kill -0 "$daemon_pid" 2>/dev/null; then
		echo "daemon exited during start:" >&2
		cat "$dir/daemon.log" >&2
		exit 1
	fi
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "no socket after 10 s" >&2; exit 1; }
	sleep 0.1
done

status=0
"$xsperf" all --socket "$dir/socket" --label smoke --max-seconds 30 --ops 300 --threads 4 \
	--watchers 10 --events 20 --vms 8 --dir-size 200 --idle 50 || status=1
"$xsperf" memory --socket "$dir/socket" --label smoke --pid "$daemon_pid" --nodes 2000 \
	--max-seconds 60 || status=1
"$xsperf" echo-seq --socket "$dir/echo.sock" --label echo --ops 300 || status=1
"$xsperf" echo-pipelined --socket "$dir/echo.sock" --label echo --ops 3000 || status=1
"$xsperf" echo-seq --socket "$dir/echo-poll.sock" --label echo-poll --ops 300 || status=1
"$xsperf" echo-tx --socket "$dir/echo-epoll.sock" --label echo-epoll --ops 300 --threads 4 || status=1
# A host may refuse io_uring (old kernel, io_uring_disabled, a container's
# seccomp filter): xsperf-echo then exits 3, and only that is let pass.
if ! "$xsperf" echo-tx --socket "$dir/echo-uring.sock" --label echo-uring --ops 300 --threads 4; then
	uring_status=0
	kill -0 "$uring_echo_pid" 2>/dev/null || wait "$uring_echo_pid" || uring_status=$?
	if [ "$uring_status" -eq 3 ]; then
		echo "io_uring is not available here: echo-uring not measured" >&2
	else
		status=1
	fi
fi

if ! kill -0 "$daemon_pid" 2>/dev/null; then
	echo "the daemon died under load:" >&2
	cat "$dir/daemon.log" >&2
	status=1
fi
exit $status
