#!/usr/bin/env python3
"""Writes the seed corpora in corpus/<target>/ (run from this folder).

The seeds only give libFuzzer a start: well-formed streams and request
sequences in the input formats fuzz_framing.cc and fuzz_engine.cc decode.
"""
import os
import struct

KWORDS = [
    "/", "/tool", "/tool/xenstored", "/local", "/local/domain", "/local/domain/5",
    "/local/domain/5/a", "/local/domain/5/a/b", "/local/domain/6", "/local/domain/6/x",
    "/local/domain/7", "a", "a/b", "a/b/c", "x", "@introduceDomain", "@releaseDomain", "@other",
    "", "..", "/a//b", "/a/", "n5", "r6", "b7", "w0", "n0", "b5", "r0", "T", "F", "0", "5", "6",
    "7", "9", "4096", "1", "-1", "nodes", "watches", "transactions", "node-size", "permissions",
    "transaction-nodes", "quota", "check", "help", "tok", "t2"]
TYPES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 24, 25,
         26, 99]


def msg(t, payload, req=1, tx=0, length=None):
    return struct.pack("<IIII", t, req, tx, len(payload) if length is None else length) + payload


def write(target, name, data):
    os.makedirs(f"corpus/{target}", exist_ok=True)
    with open(f"corpus/{target}/{name}", "wb") as f:
        f.write(data)


# fuzz_framing: mode byte (even: decoder, odd: ring), then the input.
stream = msg(2, b"/tool\0") + msg(11, b"/a\0value") + msg(4, b"/\0tok\0")
write("fuzz_framing", "three-messages", b"\x00" + stream)
write("fuzz_framing", "split-1-3-7", b"\x00\x03\x00\x02\x06" + stream)
write("fuzz_framing", "len-4096", b"\x00" + msg(11, b"/a\0" + b"v" * 4093))
write("fuzz_framing", "len-4097", b"\x00" + msg(11, b"/a\0", length=4097) + stream)
write("fuzz_framing", "partial-header", b"\x00\x01\x04" + stream[:9])
write("fuzz_framing", "ring-sane", b"\x01" + struct.pack("<IIII", 0, 32, 0, 0) + stream)
write("fuzz_framing", "ring-wrapped", b"\x01" + struct.pack("<IIII", 0xFFFFFFF0, 0x10, 5, 5) + stream)
write("fuzz_framing", "ring-bogus", b"\x01" + struct.pack("<IIII", 0, 1025, 0, 2000))


# fuzz_engine: per request: who, type index, tx pick, shape, fields...
def word(w):
    if w in KWORDS:
        return bytes([KWORDS.index(w)])
    raw = w.encode()
    return bytes([200, len(raw)]) + raw  # a raw field: marker >= 200, length, bytes


def req(who, t, fields, tx=0, terminated=True):
    shape = len(fields) | (0 if terminated else 0x80)
    return bytes([who, TYPES.index(t), tx, shape]) + b"".join(word(f) for f in fields)


seqs = {
    "guest-writes": req(2, 11, ["a", "x"]) + req(2, 2, ["a"]) + req(2, 13, ["a"]),
    "tx-commit": req(2, 6, []) + req(2, 11, ["a/b", "x"], tx=128) + req(2, 7, ["T"], tx=128),
    "watch-root": req(3, 4, ["/", "tok"]) + req(0, 11, ["/tool/xenstored", "x"]) +
                  req(2, 11, ["a", "x"]),
    "perms": req(2, 11, ["a", "x"]) + req(2, 14, ["a", "n5", "r6"]) + req(3, 2, ["/local/domain/5/a"]),
    "chown": req(2, 11, ["a", "x"]) + req(2, 14, ["a", "b7"]) + req(0, 14, ["/local/domain/5/a", "n0"]),
    "target": req(0, 19, ["7", "5"]) + req(4, 2, ["/local/domain/5"]) + req(4, 11, ["/local/domain/5/x", "x"]),
    "release": req(2, 11, ["a/b/c", "x"]) + req(0, 9, ["5"]) + req(0, 8, ["5", "4096", "1"]) +
               req(2, 2, ["a/b/c"]),
    "quota": req(0, 26, ["nodes", "5"]) + b"".join(req(2, 11, [w, "x"]) for w in ["a", "a/b", "a/b/c", "x"]),
    "dead-conn": req(2, 6, []) + req(2, 11, ["x", "x"], tx=128) + bytes([250]) + req(2, 7, ["T"], tx=128),
    "unterminated": req(2, 2, ["a"], terminated=False) + req(2, 13, [], terminated=False),
}
for name, data in seqs.items():
    write("fuzz_engine", name, data)
