#!/bin/sh
# judge.sh SERIAL_LOG "GUESTS" [LIVE_UPDATE (0|1)]
#
# Decides a run from the serial console log alone. Passes (exit 0) only when
# every expected "E2E-MARK: <step>" line is present, in order, no "E2E-FAIL"
# line is, and dom0 reported "E2E-END: status=0". Otherwise prints what is
# missing or failed and exits 1.
set -eu

log=${1:?SERIAL_LOG} guests=${2:-pv pvh} live_update=${3:-0}

expected="dom0-init modules xenfs xenstored-started xenstored-socket
xenstored-answers xen-init-dom0 dom0-ring xenconsoled xl-list"
for kind in $guests; do
	steps="created guest-wrote console"
	# --live-update: xenstored replaced while the guest runs, then the
	# guest's old watch, a read and a write over its ring.
	[ "$live_update" = 1 ] && steps="$steps live-update guest-after-update"
	for s in $steps shutdown-sent gone release-domain home-removed xenstored-answers; do
		expected="$expected $kind-$s"
	done
done
expected="$expected all-done"

# Serial output has CR LF line ends and may interleave kernel messages, so
# markers are found anywhere on a line.
clean=$(mktemp)
trap 'rm -f "$clean"' EXIT
tr -d '\r' <"$log" >"$clean"

status=0
prev=0
count=0
for m in $expected; do
	count=$((count + 1))
	line=$(grep -n -E "E2E-MARK: $m( |\$)" "$clean" | head -n 1 | cut -d: -f1)
	if [ -z "$line" ]; then
		echo "e2e: FAIL: marker '$m' never appeared (step $count of $(echo $expected | wc -w))"
		status=1
		break
	fi
	if [ "$line" -lt "$prev" ]; then
		echo "e2e: FAIL: marker '$m' appeared out of order"
		status=1
		break
	fi
	prev=$line
done

if grep -q 'E2E-FAIL:' "$clean"; then
	grep -o 'E2E-FAIL:.*' "$clean" | sed 's/^/e2e: dom0 reported: /'
	status=1
fi
if ! grep -q 'E2E-END: status=0' "$clean"; then
	[ $status -ne 0 ] || echo "e2e: FAIL: dom0 never reported E2E-END: status=0"
	status=1
fi
[ $status -eq 0 ] && echo "e2e: PASS: all $count markers in order"
exit $status
