# Domain operations without a hypervisor: every socket client is dom0, and
# no guest can be introduced. Also CONTROL (DEBUG) subcommands whose output
# does not depend on memory addresses or timing.

a WATCH @introduceDomain\0intro\0
a WATCH @releaseDomain\0rel\0

a GET_DOMAIN_PATH 0\0
a GET_DOMAIN_PATH 1\0
a GET_DOMAIN_PATH 32767\0
a GET_DOMAIN_PATH 65535\0
a IS_DOMAIN_INTRODUCED 0\0
a IS_DOMAIN_INTRODUCED 1\0
a IS_DOMAIN_INTRODUCED 32752\0

# INTRODUCE: domid, mfn, event channel. No grant/ring can be mapped here.
a INTRODUCE 1\x00123\x004\0
a INTRODUCE 1\x00123\x004\x00extra\0
a INTRODUCE 0\x00123\x004\0
a INTRODUCE 32767\x000\x000\0
a IS_DOMAIN_INTRODUCED 1\0
a RELEASE 1\0
a RELEASE 0\0
a RELEASE 32767\0
a RESUME 1\0
a RESUME 0\0
a SET_TARGET 1\x002\0
a SET_TARGET 0\x001\0
a SET_TARGET 1\x000\0
a SET_TARGET 0\x000\0

# CONTROL subcommands.
a CONTROL nosuchcommand\0
a CONTROL print\0text\swith\sspaces\0
a CONTROL print\0
a CONTROL check\0
a CONTROL check\0extra\0
a CONTROL log\0
a CONTROL log\0bogus\0
a CONTROL quota\0
a CONTROL quota-soft\0
a CONTROL !control-output quota\0nosuch\0
a CONTROL !control-output help\0
a CONTROL lu\0
a CONTROL lu\0-a\0
a CONTROL print
a IS_DOMAIN_INTRODUCED 0\0
