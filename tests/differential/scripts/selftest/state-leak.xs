# Harness self-test, not a compatibility script: run twice against the SAME
# daemon ("same" in run_differential.sh), the second run sees the node the
# first one wrote, so the comparison must report exactly one difference.
a READ /selftest\0
a WRITE /selftest\0written
a READ /selftest\0
