# Every operation of xen/io/xs_wire.h used correctly, by dom0 over the socket.
# Format: see README.md in this folder.

# The initial tree.
a READ /\0
a DIRECTORY /\0
a GET_PERMS /\0
a GET_PERMS /tool\0
a DIRECTORY /tool\0

# WRITE creates missing parents; READ returns the value without a NUL.
a WRITE /test/a\0hello
a READ /test/a\0
a READ /test\0
a WRITE /test/a\0
a READ /test/a\0
a WRITE /test/bin\0\x00\x01\x02\xff\x00
a READ /test/bin\0
a WRITE /test/big\0\{2048*v}
a READ /test/big\0
a WRITE /test/toobig\0\{4000*v}
a READ /test/toobig\0

# MKDIR: new node with an empty value; existing node is not an error.
a MKDIR /test/dir\0
a MKDIR /test/dir\0
a MKDIR /test/dir/sub/deeper\0
a READ /test/dir/sub\0
a DIRECTORY /test/dir\0
a MKDIR /test/a\0
a READ /test/a\0

# DIRECTORY lists children in creation order.
a WRITE /test/order/zeta\0
a WRITE /test/order/alpha\0
a WRITE /test/order/mid\0
a DIRECTORY /test/order\0
a RM /test/order/alpha\0
a WRITE /test/order/alpha\0
a DIRECTORY /test/order\0
a DIRECTORY /test/order/zeta\0

# DIRECTORY_PART: generation, then children from the offset.
a DIRECTORY_PART /test/order\0\0
a DIRECTORY_PART /test/order\x000\0
a DIRECTORY_PART /test/order\x005\0
a DIRECTORY_PART /test/order\x0011\0
a DIRECTORY_PART /test/order\x0017\0
a DIRECTORY_PART /test/order\x0018\0
a DIRECTORY_PART /test/order\x00100\0
a DIRECTORY_PART /test/order/zeta\x000\0
a WRITE /test/order/zeta\0changed
a DIRECTORY_PART /test/order\x000\0
a WRITE /test/order/new\0
a DIRECTORY_PART /test/order\x000\0
a DIRECTORY_PART /test/nosuch\x000\0
# When the generation changes: on a change of the node's own value or
# permissions too, even a write of the same value; not on a child's value.
a WRITE /test/order\0own-value
a DIRECTORY_PART /test/order\x000\0
a WRITE /test/order\0own-value
a DIRECTORY_PART /test/order\x000\0
a SET_PERMS /test/order\0n0\0
a DIRECTORY_PART /test/order\x000\0
a WRITE /test/order/zeta\0again
a DIRECTORY_PART /test/order\x000\0
a MKDIR /test/order\0
a DIRECTORY_PART /test/order\x000\0

# SET_PERMS / GET_PERMS.
a SET_PERMS /test/a\0r0\0
a GET_PERMS /test/a\0
a SET_PERMS /test/a\0n0\0r1\0w2\0b3\0
a GET_PERMS /test/a\0
a SET_PERMS /test/a\0b5\0
a GET_PERMS /test/a\0
a WRITE /test/a/child\0x
a GET_PERMS /test/a/child\0
a MKDIR /test/a/child2\0
a GET_PERMS /test/a/child2\0
a SET_PERMS /test/a\0n0\0
a GET_PERMS /test/a\0

# RM removes the whole subtree; RM of a missing node whose parent exists is OK.
a RM /test/dir\0
a READ /test/dir/sub/deeper\0
a RM /test/dir\0
a RM /test/nosuch/deeper\0
a DIRECTORY /test\0

# WATCH / UNWATCH / RESET_WATCHES.
b WATCH /test/w\0tok\0
a WRITE /test/w\01
b UNWATCH /test/w\0tok\0
a WRITE /test/w\02
b WATCH /test/w\0tok1\0
b WATCH /test/w\0tok2\0
a WRITE /test/w\03
b RESET_WATCHES ''
a WRITE /test/w\04

# Transactions.
a TRANSACTION_START =t1 \0
a WRITE @t1 /test/tx\0inside
a READ @t1 /test/tx\0
a READ /test/tx\0
a TRANSACTION_END @t1 T\0
a READ /test/tx\0
a TRANSACTION_START =t2 \0
a WRITE @t2 /test/tx\0aborted
a TRANSACTION_END @t2 F\0
a READ /test/tx\0

# Domains (dom0 only: no hypervisor is present).
a GET_DOMAIN_PATH 0\0
a GET_DOMAIN_PATH 7\0
a IS_DOMAIN_INTRODUCED 0\0
a IS_DOMAIN_INTRODUCED 7\0
a RESUME 0\0
a SET_TARGET 0\x000\0
a RELEASE 7\0

# CONTROL (DEBUG) with deterministic output.
a CONTROL print\0hello\0
a CONTROL check\0
a DEBUG print\0again\0

a RM /test\0
a DIRECTORY /\0
