# Malformed arguments: missing NUL terminators, wrong argument counts, empty
# payloads, embedded NULs, unknown message types. After each, the connection
# must still work (the final READ of every block).

a WRITE /test/ok\0fine

# Missing NUL after a single-argument path.
a READ !leftover-errno /test/ok
a DIRECTORY !leftover-errno /test
a GET_PERMS !leftover-errno /test/ok
a MKDIR !leftover-errno /test/nonul
a RM !leftover-errno /test/nonul
a DIRECTORY_PART /test\00
a READ /test/ok\0

# Empty payloads.
a READ !leftover-errno ''
a WRITE ''
a MKDIR !leftover-errno ''
a RM !leftover-errno ''
a DIRECTORY !leftover-errno ''
a DIRECTORY_PART ''
a GET_PERMS !leftover-errno ''
a SET_PERMS ''
a WATCH ''
a UNWATCH ''
a TRANSACTION_START ''
a TRANSACTION_END ''
a GET_DOMAIN_PATH ''
a IS_DOMAIN_INTRODUCED ''
a INTRODUCE ''
a RELEASE ''
a RESUME ''
a SET_TARGET ''
a CONTROL ''
a READ /test/ok\0

# Just a NUL.
a READ \0
a WRITE \0
a MKDIR \0
a RM \0
a GET_PERMS \0
a SET_PERMS \0
a WATCH \0
a UNWATCH \0
a GET_DOMAIN_PATH \0
a IS_DOMAIN_INTRODUCED \0
a RELEASE \0
a CONTROL \0
a READ /test/ok\0

# Embedded NULs / extra arguments.
a READ /test/ok\0extra\0
a READ /test/ok\0\0
a MKDIR /test/m\0extra\0
a RM /test/m\0extra\0
a DIRECTORY /test\0extra\0
a GET_PERMS /test/ok\0extra\0
a WRITE /test/ok\0two\0parts\0
a READ /test/ok\0
a WRITE /test/ok
a READ /test/ok\0

# Wrong argument counts for multi-argument operations.
# (on a connection of their own, closed after: a watch wrongly accepted
# must not show up in later steps)
w WATCH /test/ok\0
w WATCH /test/ok\0tok
w WATCH /test/ok\0tok\0extra\0
w UNWATCH /test/ok\0
w UNWATCH /test/ok\0tok
w close
a DIRECTORY_PART /test\0
a DIRECTORY_PART /test\0x\0
a DIRECTORY_PART /test\0-1\0
a DIRECTORY_PART /test\x000\0extra\0
a SET_PERMS /test/ok\0
a SET_PERMS /test/ok\0x0\0
a SET_PERMS /test/ok\0r\0
a SET_PERMS /test/ok\0rx\0
a SET_PERMS /test/ok\0r0
a SET_PERMS /test/ok\0r0\0\0
a SET_PERMS !unknown-owner-domain /test/ok\0r-1\0
a SET_PERMS !unknown-owner-domain /test/ok\0r99999999999\0
a SET_PERMS /test/ok\0r0\0w0\0
a GET_PERMS /test/ok\0
a SET_TARGET 1\0
a SET_TARGET 1\x002\x003\0
a SET_TARGET x\0y\0
a GET_DOMAIN_PATH x\0
a GET_DOMAIN_PATH -1\0
a GET_DOMAIN_PATH 0x10\0
a GET_DOMAIN_PATH 99999999999\0
a GET_DOMAIN_PATH 5\0extra\0
a IS_DOMAIN_INTRODUCED x\0
a IS_DOMAIN_INTRODUCED 32768\0
a RELEASE 0\0
a RELEASE x\0
a RESUME 7\0
a RESUME x\0
a INTRODUCE 1\0
a INTRODUCE 1\x002\0
a INTRODUCE 1\x002\x003\0
a INTRODUCE x\0y\0z\0
a READ /test/ok\0

# TRANSACTION_START must be empty; TRANSACTION_END takes T or F.
a TRANSACTION_START x\0
a TRANSACTION_START =t1 \0
a TRANSACTION_END @t1 X\0
a TRANSACTION_END @t1 T
a TRANSACTION_END @t1 TT\0
a TRANSACTION_END @t1 \0
a TRANSACTION_END @t1 F\0
a READ /test/ok\0

# Unknown and reply-only message types.
a WATCH_EVENT /test/ok\0tok\0
a ERROR ENOENT\0
a 20 /test/ok\0
a 999 ''
a 4294967295 ''
a READ /test/ok\0
