# Shared helpers for the end-to-end scripts (sourced, not executed).
# Every host-side message starts with "e2e:" so it stands out from the
# serial console log that run.sh shows.

e2e_say() { printf 'e2e: %s\n' "$*" >&2; }
e2e_die() { printf 'e2e: error: %s\n' "$*" >&2; exit 2; }

# The default cache folder: big downloads and unpacked packages live here and
# are reused by later runs.
e2e_default_workdir() {
	printf '%s/cxxenstored-e2e\n' "${XDG_CACHE_HOME:-/tmp}"
}

# The Xen version whose hypervisor, tools and libraries the test boots.
E2E_XEN_VERSION=4.17
