# Invalid and edge-case paths, for every path-taking operation.

a WRITE /test/ok\0fine

# Relative paths (dom0: relative to /local/domain/0).
a WRITE rel\0v
a READ rel\0
a READ /local/domain/0/rel\0
a DIRECTORY /local/domain/0\0
a MKDIR reldir\0
a GET_PERMS rel\0
a SET_PERMS rel\0n0\0
a WATCH rel\0tok\0
a WRITE rel\0again
a UNWATCH rel\0tok\0
a RM rel\0
a RM /local\0

# Trailing slash, double slash, bad characters, dots.
a READ /test/ok/\0
a WRITE /test/ok/\0v
a MKDIR /test//ok\0
a RM /test//ok\0
a WRITE //test\0v
a READ /test/o\x01k\0
a WRITE /test/sp\sace\0v
a WRITE /test/tab\tx\0v
a WRITE /test/a+b\0v
a WRITE /test/a!b\0v
a WRITE /test/a@b\0v
a WRITE /test/a_b-c.d\0v
a WRITE /test/A9\0v
a WRITE /test/.\0v
a WRITE /test/..\0v
a READ /test/../test/ok\0
a WRITE /test/./x\0v
a WRITE /test/\xc3\xa9\0v
a WRITE /test/a:b\0v
a WRITE /test/a,b\0v
a WRITE /test/a~b\0v
a WRITE /test/a*b\0v
a WRITE /test/a=b\0v
a DIRECTORY /test\0

# Special @ paths: valid for watches only.
a READ @introduceDomain\0
a WRITE @introduceDomain\0v
a MKDIR @releaseDomain\0
a RM @releaseDomain\0
a GET_PERMS @introduceDomain\0
a GET_PERMS @releaseDomain\0
a SET_PERMS @releaseDomain\0n0\0
a GET_PERMS @releaseDomain\0
a SET_PERMS @introduceDomain\0r0\0
a GET_PERMS @introduceDomain\0
a WATCH @introduceDomain\0i\0
a WATCH @releaseDomain\0r\0
a WATCH @other\0o\0
a WATCH @\0o\0
a WATCH @introduceDomain/x\0o\0
a UNWATCH @introduceDomain\0i\0
a DIRECTORY @introduceDomain\0

# Length limits: 3072 absolute, 2048 relative (each counted with its prefix).
a WRITE /test/\{3000*p}\0v
a WRITE /test/\{3066*p}\0v
a WRITE /test/\{3067*p}\0v
a WRITE /test/\{3068*p}\0v
a WRITE /\{3071*p}\0v
a WRITE /\{3072*p}\0v
a READ /\{3071*p}\0
a READ /\{4000*p}\0
a WRITE \{2000*r}\0v
a WRITE \{2048*r}\0v
a WRITE \{2049*r}\0v
a WRITE \{3055*r}\0v
a WRITE \{3056*r}\0v
a WATCH /\{3072*w}\0t\0
a WATCH \{3060*w}\0t\0
a DIRECTORY /test\0
a RM /test/\{3000*p}\0
a RM /\{3071*p}\0
a RM \{2000*r}\0
a RM \{2048*r}\0
a RM \{2049*r}\0
a RM \{3055*r}\0

# Deep paths and long components.
a WRITE /test/deep/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z\0v
a READ /test/deep/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z\0
a WRITE /test/\{1000*c}\0v
a WRITE /test/\{1000*c}/\{1000*d}\0v
a DIRECTORY /test\0

# Root and nodes that do not exist.
a RM /\0
a WRITE /\0v
a READ /\0
a MKDIR /\0
a SET_PERMS /\0n0\0
a GET_PERMS /\0
a READ /nosuch\0
a DIRECTORY /nosuch\0
a GET_PERMS /nosuch\0
a SET_PERMS /nosuch\0n0\0
a RM /nosuch\0
a RM /nosuch/deeper\0
a RM /test/ok/nosuch\0
a WATCH /nosuch\0t\0
a READ /test/ok\0
