# Watch semantics: which writes fire which watches, in which order, on which
# connection; nested creates; rm of subtrees with watches below; special
# paths; relative watch paths; duplicates; unwatch and reset.

# Watchers at several levels, on two connections.
b WATCH /test\0top\0
c WATCH /test/a\0mid\0
c WATCH /test/a/b\0low\0
b WATCH /test/a/b/c/d\0deep\0
a WATCH /test/a\0self\0

# A write fires the node's watchers and its ancestors' watchers.
a WRITE /test/a\0v
a WRITE /test/a/b\0v
# Nested create: events name the node written (the created parents do not).
a WRITE /test/a/b/c/d/e\0v
a MKDIR /test/x/y/z\0
a WRITE /test/a/b\0same
a WRITE /test/a/b\0same

# SET_PERMS fires like a write.
a SET_PERMS /test/a/b\0n0\0r0\0
# MKDIR of an existing node fires nothing.
a MKDIR /test/a/b\0

# rm of a subtree fires its watchers and those of every node below.
a RM /test/a\0
a RM /test/a\0
a WRITE /test/a/b/c/d\0back
a RM /test\0

# Watches on nodes that do not exist yet; tokens with odd characters.
b WATCH /test/later/x\0tok\swith\sspace\0
b WATCH /test/later/x\0\0
b WATCH /test/later/x\0tok\x01\0
a WRITE /test/later/x\0v
b UNWATCH /test/later/x\0\0
b UNWATCH /test/later/x\0nosuch\0
a WRITE /test/later/x\0v2

# Duplicate watch: same path and token.
c WATCH /test/dup\0t\0
c WATCH /test/dup\0t\0
c WATCH /test/dup/\0t\0
c WATCH /test/dup\0t2\0
a WRITE /test/dup\0v
c UNWATCH /test/dup\0t\0
c UNWATCH /test/dup\0t\0
a WRITE /test/dup\0v

# Relative watch paths are reported relative.
d WATCH rel\0r\0
d WATCH rel/sub\0rs\0
a WRITE /local/domain/0/rel/sub\0v
a WRITE rel\0v
a RM rel\0
d UNWATCH rel\0r\0
d UNWATCH /local/domain/0/rel/sub\0rs\0
d UNWATCH rel/sub\0rs\0

# Watch on /, watches inside transactions' paths.
d WATCH /\0root\0
a WRITE /test/r\0v
a RM /test/r\0
d RESET_WATCHES ''
a WRITE /test/r\0v

# Special watches.
b WATCH @introduceDomain\0intro\0
b WATCH @releaseDomain\0rel\0
a WRITE /test/special\0v
a RELEASE 0\0
a INTRODUCE 1\x001\x001\0
a RELEASE 1\0

# The same node watched twice from one connection with different tokens, and
# from another connection; write order across connections.
c WATCH /test/order\0c1\0
d WATCH /test/order\0d1\0
c WATCH /test/order\0c2\0
a WRITE /test/order\0v
a WRITE /test/order/kid\0v
a RM /test/order\0

# Unwatch removes only the exact path and token; watches die with the
# connection.
c UNWATCH /test/order\0c1\0
a WRITE /test/order\0v
c close
d close
a WRITE /test/order\0v2
b RESET_WATCHES ''
a WRITE /test/order\0v3
b READ /test/order\0

# Two watches of one connection with the same token that both match a change
# produce one event (identical events are merged), different tokens one each.
a WATCH /test/same\0same\0
a WATCH /test/same/y\0same\0
a WATCH /test/same/y\0other\0
b WRITE /test/same/y/z\0v
b WRITE /test/same/y\0v
b RM /test/same\0
a RESET_WATCHES ''
