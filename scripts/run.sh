#!/bin/sh
# scripts/run.sh [DAEMON_ARGS...]
#
# Installs missing Debian packages, builds cxxenstored (RelWithDebInfo, in
# build/) and runs it in the foreground serving ./run/socket: point any
# xenstore client at it with
#   XENSTORED_PATH=$PWD/run/socket xenstore-ls /
# Extra arguments go to the daemon (see `cxxenstored --help`). Ctrl-C or
# SIGTERM stops it. CXXENSTORED_BUILD_DIR overrides the build folder.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${CXXENSTORED_BUILD_DIR:-$repo/build}
"$repo/scripts/deps.sh" --no-e2e
"$repo/scripts/build.sh" --build-dir "$build_dir" --target cxxenstored >&2

daemon=$("$repo/scripts/daemon-path.sh" "$build_dir")
rundir=$repo/run
mkdir -p "$rundir"
echo "run.sh: starting $daemon; socket $rundir/socket" >&2
echo "run.sh: try: XENSTORED_PATH=$rundir/socket xenstore-ls /" >&2
XENSTORED_RUNDIR=$rundir exec "$daemon" -N --pid-file "$rundir/xenstored.pid" "$@"
