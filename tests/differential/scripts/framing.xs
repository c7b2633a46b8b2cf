# Framing: payload size limit, headers and payloads split across writes,
# pipelining, lying lengths. Connection b checks the daemon is unaffected.

b WRITE /test/ok\0fine

# The largest payload allowed (4096 bytes) works.
a WRITE /test/max\0\{4086*m}
a READ /test/max\0
a WRITE /test/max2\0\{4085*m}
a READ /test/max2\0

# A header claiming more than 4096 bytes drops the connection.
a send WRITE len=4097 /test/over\0v
a wait
b READ /test/ok\0
a READ /test/ok\0
a send READ len=65536 /test/ok\0
a wait
a send READ len=4294967295 /test/ok\0
a wait
a bytes replies=1 \x02\0\0\0\x01\0\0\0\0\0\0\0\x01\x10\0\0/test/ok\0
a wait
b READ /test/ok\0

# The real payload longer than 4096.
a WRITE /test/max\0\{4087*m}
a READ /test/ok\0
b READ /test/max\0

# Header split across writes at every interesting offset.
a READ split=1 /test/ok\0
a READ split=4 /test/ok\0
a READ split=8 /test/ok\0
a READ split=15 /test/ok\0
a READ split=16 /test/ok\0
a READ split=20 /test/ok\0
a WRITE split=3 /test/split\0value

# A partial message gets no reply until it is complete; others go on.
a bytes \x02\0\0\0\x07\0\0\0\0\0
a idle
b READ /test/ok\0
a bytes replies=1 \0\0\x09\0\0\0/test/ok\0
a wait
a send READ len=20 /test/ok\0
a idle
a bytes replies=1 \{11*.}
a wait !leftover-errno

# Pipelining: requests sent back to back are answered in order.
a send READ req=101 /test/ok\0
a send WRITE req=102 /test/pipe\0v
a send READ req=103 /test/pipe\0
a send DIRECTORY req=104 /test\0
a send READ req=105 /nosuch\0
a wait
a wait
a wait
a wait
a wait
a bytes replies=2 \x02\0\0\0\x01\0\0\0\0\0\0\0\x09\0\0\0/test/ok\0\x02\0\0\0\x02\0\0\0\0\0\0\0\x09\0\0\0/test/ok\0
a wait
a wait

# Zero-length payloads and a message that is only a header.
a send READ ''
a wait !leftover-errno

# A client that goes away mid-message, or with requests unanswered.
c send WRITE len=100 /test/gone\0v
c close
# (d reads the first reply, so the write is known to be done, and leaves the
# read's reply unread.)
d send WRITE /test/d1\0v
d send READ /test/d1\0
d wait
d close
b READ /test/gone\0
b READ /test/d1\0
b DIRECTORY /test\0
