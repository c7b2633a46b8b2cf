# Hostile inputs from Xen's security advisories that a dom0 socket client can
# send (the guest-only ones need a ring: tests elsewhere). Connection z checks
# after each that the daemon still serves others and the store is intact.

z WRITE /test/canary\0alive

# Many permission entries on one node (dom0 is not limited by the quota).
a WRITE /test/perms\0v
a SET_PERMS /test/perms\0n0\0\{300*r1\0}
a GET_PERMS /test/perms\0
a SET_PERMS /test/perms\0n0\0\{1020*r1\0}
a SET_PERMS /test/perms\0n0\0\{1021*r1\0}
a GET_PERMS /test/perms\0
z READ /test/canary\0

# A wide node: many children, listed with DIRECTORY and DIRECTORY_PART.
repeat 300
a WRITE /test/wide/child-number-%i\0%i
end
a DIRECTORY /test/wide\0
a DIRECTORY_PART /test/wide\x000\0
a DIRECTORY_PART /test/wide\x004000\0
a DIRECTORY_PART /test/wide\x006000\0
a DIRECTORY_PART /test/wide\x0010000\0
z READ /test/canary\0

# A deep chain at the path length limit, removed at once while watched.
b WATCH /test/deep\0deep\0
a WRITE /test/deep/\{500*d/}end\0v
a WRITE /test/deep/\{1500*d/}end\0v
a RM /test/deep\0
z READ /test/canary\0

# A subtree of a few hundred nodes removed at once, with watches below it.
repeat 20
b WATCH /test/tree/n%i/leaf\0w%i\0
a WRITE /test/tree/n%i/leaf/a\0v
a WRITE /test/tree/n%i/leaf/b\0v
end
a RM /test/tree\0
z READ /test/canary\0

# Many watches on one connection, then an event to all of them.
repeat 200
c WATCH /test/flood\0t%i\0
end
a WRITE /test/flood\0v
c RESET_WATCHES ''
a WRITE /test/flood\0v

# A huge transaction and many open ones.
a TRANSACTION_START =big \0
repeat 200
a WRITE @big /test/tx/n%i\0v
end
a TRANSACTION_END @big T\0
a DIRECTORY_PART /test/tx\x000\0
repeat 30
d TRANSACTION_START \0
end
d WRITE /test/after\0v
d close
z READ /test/canary\0

# Watch with a very long token and path; event payload near the limit.
c WATCH /test/long\0\{4000*t}\0
a WRITE /test/long\0v
c WATCH /test/\{3000*l}\0\{1000*t}\0
a WRITE /test/\{3000*l}\0v
z READ /test/canary\0
