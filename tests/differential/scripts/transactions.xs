# Transactions: commit, abort, events at commit only and in order, reads of
# own writes, conflicts between connections, unknown and foreign ids, limits.

b WATCH /test\0w\0
a WRITE /test/base\00

# Commit: events only at commit, in the order the nodes were changed.
a TRANSACTION_START =t1 \0
a WRITE @t1 /test/one\0v
a WRITE @t1 /test/two\0v
a MKDIR @t1 /test/three/deep\0
a WRITE @t1 /test/one\0again
a SET_PERMS @t1 /test/base\0r0\0
a RM @t1 /test/two\0
a READ @t1 /test/one\0
a DIRECTORY @t1 /test\0
a GET_PERMS @t1 /test/base\0
a DIRECTORY_PART @t1 /test\x000\0
a READ /test/one\0
c READ /test/one\0
a TRANSACTION_END @t1 T\0
a READ /test/one\0
a DIRECTORY /test\0

# Abort: no events, nothing changed.
a TRANSACTION_START =t2 \0
a WRITE @t2 /test/aborted\0v
a RM @t2 /test/one\0
a TRANSACTION_END @t2 F\0
a READ /test/aborted\0
a READ /test/one\0

# Read-only transaction and an empty one.
a TRANSACTION_START =t3 \0
a READ @t3 /test/one\0
a TRANSACTION_END @t3 T\0
a TRANSACTION_START =t4 \0
a TRANSACTION_END @t4 T\0

# The transaction is gone after its end.
a TRANSACTION_END @t4 T\0
a READ @t4 /test/one\0
a WRITE @t1 /test/late\0v

# Unknown ids, another connection's id.
a READ @12345 /test/one\0
a WRITE @12345 /test/x\0v
a TRANSACTION_END @12345 T\0
a TRANSACTION_START =t5 \0
c READ @t5 /test/one\0
c WRITE @t5 /test/foreign\0v
c TRANSACTION_END @t5 T\0
a TRANSACTION_END @t5 T\0

# Every operation but WATCH and UNWATCH looks its tx_id up, even one that
# does not touch the store: an unknown id is ENOENT before anything else.
a GET_DOMAIN_PATH @12345 0\0
a IS_DOMAIN_INTRODUCED @12345 0\0
a INTRODUCE @12345 5\0123\04\0
a RELEASE @12345 7\0
a RESUME @12345 7\0
a SET_TARGET @12345 7\08\0
a WATCH @12345 /test\0tx-ignored\0
a UNWATCH @12345 /test\0tx-ignored\0
a RESET_WATCHES @12345 ''
# A known id is fine, but RESET_WATCHES ends every transaction of the
# connection, that one too: the same request again is ENOENT.
a TRANSACTION_START =t7 \0
a GET_DOMAIN_PATH @t7 0\0
a RESET_WATCHES @t7 ''
a RESET_WATCHES @t7 ''
a READ @t7 /test/one\0

# TRANSACTION_START inside a transaction.
a TRANSACTION_START =t6 \0
a TRANSACTION_START @t6 \0
a TRANSACTION_END @t6 F\0

# Conflict: two connections change the same node inside transactions; the
# second to commit fails with EAGAIN and changes nothing.
a TRANSACTION_START =ca \0
c TRANSACTION_START =cc \0
a READ @ca /test/base\0
c READ @cc /test/base\0
a WRITE @ca /test/base\0from-a
c WRITE @cc /test/base\0from-c
a TRANSACTION_END @ca T\0
c TRANSACTION_END @cc T\0
a READ /test/base\0

# Conflict with a plain write after the transaction read the node.
a TRANSACTION_START =cw \0
a READ @cw /test/base\0
c WRITE /test/base\0plain
a WRITE @cw /test/other\0v
a TRANSACTION_END @cw T\0
a READ /test/other\0

# A transaction that creates a node removed meanwhile, and one whose parent
# is removed meanwhile.
a TRANSACTION_START =cr \0
a WRITE @cr /test/gone/child\0v
c RM /test/gone\0
a TRANSACTION_END @cr T\0
# The C daemon fails the second (EAGAIN: the parent it saw changed);
# cxxenstored commits it as if it ran after the RM, recreating the parent
# (docs/compatibility.md, "transaction-merging").
a WRITE /test/p\0v
a TRANSACTION_START =cp \0
a WRITE @cp /test/p/child\0v
c RM /test/p\0
a TRANSACTION_END @cp !transaction-merging T\0
a READ !transaction-merging /test/p/child\0
# Back to the same state in both daemons, with the same events.
a WRITE /test/p/child\0v
a RM /test/p\0

# Many transactions on one connection (dom0 is not limited).
d TRANSACTION_START \0
d TRANSACTION_START \0
d TRANSACTION_START \0
d TRANSACTION_START \0
d TRANSACTION_START \0
d TRANSACTION_START \0
d TRANSACTION_START \0
d TRANSACTION_START \0
d TRANSACTION_START \0
d TRANSACTION_START \0
d TRANSACTION_START \0
d TRANSACTION_START \0
d TRANSACTION_START =last \0
d WRITE @last /test/many\0v
d TRANSACTION_END @last T\0

# Closing a connection drops its open transactions.
c TRANSACTION_START =dead \0
c WRITE @dead /test/dead\0v
c close
a READ /test/dead\0
c TRANSACTION_END @dead T\0

# Watches fire for transaction rm of a subtree, at commit.
a WRITE /test/sub/a/b\0v
c WATCH /test/sub/a/b\0below\0
a TRANSACTION_START =rmt \0
a RM @rmt /test/sub\0
a TRANSACTION_END @rmt T\0
a DIRECTORY /test\0

# A transaction that writes nodes and then removes them with their parent:
# at commit every node it touched gets an event (an ancestor's watcher sees
# the children too), unlike the same rm outside a transaction.
a WRITE /test/gone2/kid\0v
a TRANSACTION_START =wr \0
a WRITE @wr /test/gone2\0v
a WRITE @wr /test/gone2/kid\0w
a WRITE @wr /test/gone2/new\0w
a RM @wr /test/gone2\0
a TRANSACTION_END @wr !transaction-event-order T\0
a DIRECTORY /test\0

# Event order at commit: the order in which the transaction first touched
# each node, not the order of the operations or of the tree.
a WRITE /test/ord/z/x\0v
c WATCH /test/ord/x\0cx\0
c WATCH /test/ord/z\0cz\0
c WATCH /test/ord/z/x\0below\0
a TRANSACTION_START =ord \0
a READ @ord /test/ord/y\0
a MKDIR @ord /test/ord/x\0
a RM @ord /test/ord/z\0
a SET_PERMS @ord /test/ord/x\0n0\0r0\0
a WRITE @ord /test/ord/a\0v
a TRANSACTION_END @ord T\0

# "First touched" includes reads and no-op operations: a node read (or made
# with MKDIR when it already existed) early but changed late comes first.
a WRITE /test/ord2/late\0v
a WRITE /test/ord2/existing\0v
a TRANSACTION_START =ord2 \0
a READ @ord2 /test/ord2/late\0
a MKDIR @ord2 /test/ord2/existing\0
a WRITE @ord2 /test/ord2/early\0v
a SET_PERMS @ord2 /test/ord2/existing\0n0\0r0\0
a WRITE @ord2 /test/ord2/late\0w
a TRANSACTION_END @ord2 !transaction-event-order T\0

# DIRECTORY_PART generations across a commit. The C daemon gives each node a
# transaction rewrote a new count when the commit makes it live, so a count
# read inside the transaction is never read again. Generations are compared
# per node and transaction id, and ids count per connection, so the first
# transactions of two new connections (g, h) share one: h's count after g's
# commit must differ from g's inside. A node g did not touch keeps its count.
# (Found by random script 7257: the commit kept the count seen inside.)
g MKDIR /test/gen/untouched\0
g DIRECTORY_PART /test/gen\x000\0
g TRANSACTION_START =gen \0
g DIRECTORY_PART @gen /test/gen/untouched\x000\0
g MKDIR @gen /test/gen/child\0
g DIRECTORY_PART @gen /test/gen\x000\0
g DIRECTORY_PART @gen /test/gen\x000\0
g TRANSACTION_END @gen T\0
g DIRECTORY_PART /test/gen\x000\0
h TRANSACTION_START =gen2 \0
h DIRECTORY_PART @gen2 /test/gen\x000\0
h DIRECTORY_PART @gen2 /test/gen/untouched\x000\0
h TRANSACTION_END @gen2 T\0
