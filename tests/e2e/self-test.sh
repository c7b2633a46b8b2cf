#!/bin/sh
# self-test.sh [run.sh options]
#
# Proves the harness can fail: runs run.sh with silent-xenstored (a daemon
# that daemonizes and listens but never answers) and passes only when run.sh
# fails, by its deadline, at the step "xenstored-answers" with a message
# saying so, and QEMU exited on its own (dom0 powered off: no overall
# deadline needed). Extra options (e.g. --workdir) go to run.sh.
set -eu
e2e=$(cd "$(dirname "$0")" && pwd)
. "$e2e/lib/common.sh"

work=${E2E_WORKDIR:-$(e2e_default_workdir)}
prev=""
for arg in "$@"; do
	[ "$prev" = --workdir ] && work=$arg
	prev=$arg
done
mkdir -p "$work"
silent=$work/silent-xenstored
sh "$e2e/silent-xenstored/build.sh" "$silent" || exit 2

out=$(mktemp)
trap 'rm -f "$out" "$out.rc"' EXIT
started=$(date +%s)
set +e
{
	"$e2e/run.sh" --xenstored "$silent" "$@"
	echo $? >"$out.rc"
} 2>&1 | tee "$out"
rc=$(cat "$out.rc")
status=$(sed -n 's/^e2e: QEMU ran .* exit status \([0-9]*\)$/\1/p' "$out")
judged_fail=$(grep -c '^e2e: FAIL: marker .xenstored-answers. never appeared' "$out")
reason=$(grep -c "E2E-FAIL: xenstored-answers: xenstored answering 'xenstore-read -s /': not within" "$out")
set -e
took=$(($(date +%s) - started))

if [ "$rc" = 1 ] && [ "$judged_fail" -ge 1 ] && [ "$reason" -ge 1 ] && [ "$status" = 0 ]; then
	e2e_say "self-test PASS: a silent daemon fails the test at xenstored-answers, by deadline, in $took s"
	exit 0
fi
e2e_say "self-test FAIL: expected a clean failure at xenstored-answers (run.sh status $rc, qemu status '$status', judged $judged_fail, reason $reason)"
exit 1
