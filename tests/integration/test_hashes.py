"""Hash commands end to end with redis-py and redis-cli: HSET/HMSET/HSETNX,
HGET/HMGET/HDEL/HEXISTS/HLEN/HSTRLEN, HKEYS/HVALS/HGETALL (RESP2 and RESP3),
HINCRBY/HINCRBYFLOAT, HSCAN, HRANDFIELD, wrong-type errors, deletion of an
emptied hash, TTLs, and state after a restart."""

import unittest

import redis

from lsmdb_harness import LsmdbServer, ServerTestCase, WRONGTYPE, encode, read_until

class HashCommands(ServerTestCase):
    def raw(self, *commands):
        """Sends commands on one raw socket; returns the raw bytes of the
        reply to the last one (after HELLO 3 when asked)."""
        with self.srv.raw() as sock:
            for c in commands[:-1]:
                sock.sendall(encode(*c))
                read_until(sock, lambda d: d.endswith(b"\r\n"), timeout=2)
            sock.sendall(encode(*commands[-1]))
            return read_until(sock, lambda d: d.endswith(b"\r\n"), timeout=2)

    def test_set_get_and_counts(self):
        r = self.r
        self.assertEqual(r.hset("h", mapping={"a": "1", "b": "2"}), 2)
        self.assertEqual(r.execute_command("HSET", "h", "a", "10", "c", "3", "c", "4"), 1)
        self.assertEqual(r.hget("h", "a"), b"10")
        self.assertEqual(r.hget("h", "c"), b"4")
        self.assertIsNone(r.hget("h", "zz"))
        self.assertIsNone(r.hget("nokey", "a"))
        self.assertEqual(r.hmget("h", "a", "zz", "b"), [b"10", None, b"2"])
        self.assertEqual(r.hmget("nokey", "a", "b"), [None, None])
        self.assertEqual(r.hlen("h"), 3)
        self.assertEqual(r.hlen("nokey"), 0)
        self.assertEqual(r.hstrlen("h", "a"), 2)
        self.assertEqual(r.hstrlen("h", "zz"), 0)
        self.assertTrue(r.hexists("h", "a"))
        self.assertFalse(r.hexists("h", "zz"))
        self.assertEqual(r.type("h"), b"hash")
        self.assertTrue(r.hmset("h2", {"x": "1"}))
        self.assertEqual(self.srv.command("HMSET", "h2", "y", "2"), b"OK")
        self.assertEqual(r.hsetnx("h2", "x", "9"), 0)
        self.assertEqual(r.hsetnx("h2", "z", "9"), 1)
        self.assertEqual(r.hgetall("h2"), {b"x": b"1", b"y": b"2", b"z": b"9"})
        self.assertError("wrong number of arguments for 'hset' command",
                         r.execute_command, "HSET", "h", "a", "1", "b")
        self.assertError("wrong number of arguments for 'hmset' command",
                         r.execute_command, "HMSET", "h", "a", "1", "b")
        self.assertError("wrong number of arguments for 'hset' command",
                         r.execute_command, "HSET", "h", "a")

    def test_keys_vals_getall_in_field_order(self):
        r = self.r
        r.hset("h", mapping={"b": "2", "a": "1", "c": "3"})
        self.assertEqual(r.hkeys("h"), [b"a", b"b", b"c"])
        self.assertEqual(r.hvals("h"), [b"1", b"2", b"3"])
        self.assertEqual(r.hgetall("h"), {b"a": b"1", b"b": b"2", b"c": b"3"})
        self.assertEqual(r.hkeys("nokey"), [])
        self.assertEqual(r.hgetall("nokey"), {})
        # RESP2 is a flat array, RESP3 a map.
        self.assertEqual(self.raw(("HGETALL", "h")),
                         b"*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n")
        reply = self.raw(("HELLO", "3"), ("HGETALL", "h"))
        self.assertEqual(reply,
                         b"%3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n")
        self.assertEqual(self.raw(("HELLO", "3"), ("HGETALL", "nokey")), b"%0\r\n")
        code, out = self.srv.cli("hgetall", "h", resp3=True)
        self.assertEqual(code, 0)
        self.assertEqual(out, "a 1\nb 2\nc 3\n")  # redis-cli prints a map as lines

    def test_hdel_deletes_the_emptied_key(self):
        r = self.r
        r.hset("h", mapping={"a": "1", "b": "2"})
        self.assertEqual(r.hdel("h", "a", "a", "zz"), 1)
        self.assertEqual(r.hdel("h", "b"), 1)
        self.assertEqual(r.exists("h"), 0)
        self.assertEqual(r.type("h"), b"none")
        self.assertEqual(r.hdel("h", "b"), 0)
        r.hset("h", "new", "1")
        self.assertEqual(r.hgetall("h"), {b"new": b"1"})

    def test_wrong_type(self):
        r = self.r
        r.set("s", "v")
        for args in (("HSET", "s", "a", "1"), ("HSETNX", "s", "a", "1"), ("HGET", "s", "a"),
                     ("HMGET", "s", "a"), ("HDEL", "s", "a"), ("HEXISTS", "s", "a"),
                     ("HLEN", "s"), ("HSTRLEN", "s", "a"), ("HKEYS", "s"), ("HVALS", "s"),
                     ("HGETALL", "s"), ("HINCRBY", "s", "a", "1"),
                     ("HINCRBYFLOAT", "s", "a", "1"), ("HSCAN", "s", "0"),
                     ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "2")):
            self.assertError(WRONGTYPE, r.execute_command, *args)
        self.assertEqual(r.get("s"), b"v")
        r.hset("h", "a", "1")
        self.assertError(WRONGTYPE, r.get, "h")
        self.assertError(WRONGTYPE, r.execute_command, "SADD", "h", "x")

    def test_incr(self):
        r = self.r
        self.assertEqual(r.hincrby("h", "n", 5), 5)
        self.assertEqual(r.hincrby("h", "n", -10), -5)
        r.hset("h", "s", "abc")
        r.hset("h", "max", str(2 ** 63 - 1))
        self.assertError("hash value is not an integer", r.hincrby, "h", "s", 1)
        self.assertError("increment or decrement would overflow", r.hincrby, "h", "max", 1)
        self.assertError("value is not an integer or out of range",
                         r.execute_command, "HINCRBY", "h", "n", "1.5")
        self.assertEqual(r.hincrbyfloat("h", "f", 10.5), 10.5)
        self.assertEqual(self.srv.command("HINCRBYFLOAT", "h", "f", "0.1"), b"10.6")
        self.assertEqual(self.srv.command("HINCRBYFLOAT", "h", "n", "5.0e3"), b"4995")
        self.assertError("hash value is not a float", r.hincrbyfloat, "h", "s", 1)
        self.assertError("value is not a valid float",
                         r.execute_command, "HINCRBYFLOAT", "h", "f", "x")
        self.assertError("increment would produce NaN or Infinity",
                         r.execute_command, "HINCRBYFLOAT", "h", "f", "inf")
        self.assertEqual(r.hget("h", "f"), b"10.6")

    def test_hscan(self):
        r = self.r
        self.assertEqual(r.hscan("nokey", 0), (0, {}))
        r.hset("small", mapping={"a1": "1", "a2": "2", "b": "3"})
        self.assertEqual(r.hscan("small", 0, count=1), (0, {b"a1": b"1", b"a2": b"2", b"b": b"3"}))
        self.assertEqual(r.hscan("small", 0, match="a*"), (0, {b"a1": b"1", b"a2": b"2"}))
        big = {"f%04d" % i: str(i) for i in range(1000)}
        r.hset("big", mapping=big)
        seen = {}
        cursor, calls = 0, 0
        while True:
            cursor, page = r.hscan("big", cursor, count=100)
            for k in page:
                self.assertNotIn(k, seen)
            seen.update(page)
            calls += 1
            if cursor == 0:
                break
        self.assertEqual(len(seen), 1000)
        self.assertEqual(seen[b"f0042"], b"42")
        self.assertGreater(calls, 5)
        self.assertEqual(len(dict(r.hscan_iter("big", match="f00*"))), 100)
        self.assertError("invalid cursor", r.execute_command, "HSCAN", "big", "abc")
        self.assertError("syntax error", r.execute_command, "HSCAN", "big", "0", "COUNT", "0")
        self.assertError("syntax error", r.execute_command, "HSCAN", "big", "0", "FOO")
        self.assertError("value is not an integer or out of range",
                         r.execute_command, "HSCAN", "big", "0", "COUNT", "x")

    def test_hrandfield(self):
        r = self.r
        self.assertIsNone(r.hrandfield("nokey"))
        self.assertEqual(r.hrandfield("nokey", 3), [])
        r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
        self.assertIn(r.hrandfield("h"), (b"a", b"b", b"c"))
        self.assertEqual(sorted(r.hrandfield("h", 10)), [b"a", b"b", b"c"])
        two = r.hrandfield("h", 2)
        self.assertEqual(len(set(two)), 2)
        self.assertEqual(len(r.hrandfield("h", -10)), 10)
        self.assertEqual(r.hrandfield("h", 0), [])
        flat = r.hrandfield("h", -5, withvalues=True)
        self.assertEqual(len(flat), 10)
        for i in range(0, 10, 2):
            self.assertEqual(r.hget("h", flat[i]), flat[i + 1])
        self.assertError("syntax error", r.execute_command, "HRANDFIELD", "h", "1", "FOO")
        self.assertError("value is not an integer or out of range",
                         r.execute_command, "HRANDFIELD", "h", "x")
        self.assertError("value is out of range, value must between -9223372036854775807 and "
                         "9223372036854775807",
                         r.execute_command, "HRANDFIELD", "h", "-9223372036854775808")
        self.assertError("value is out of range",
                         r.execute_command, "HRANDFIELD", "h", "-9223372036854775807",
                         "WITHVALUES")
        # RESP3 WITHVALUES: an array of [field, value] pairs.
        reply = self.raw(("HELLO", "3"), ("HRANDFIELD", "h", "-1", "WITHVALUES"))
        self.assertTrue(reply.startswith(b"*1\r\n*2\r\n$1\r\n"), reply)
        big = {"f%d" % i: "v" for i in range(1000)}
        r.hset("big", mapping=big)
        picks = r.hrandfield("big", 100)
        self.assertEqual(len(set(picks)), 100)
        self.assertEqual(len(r.hrandfield("big", -300)), 300)

    def test_ttl_and_restart(self):
        r = self.r
        r.hset("h", mapping={"a": "1", "b": "2"})
        r.hset("gone", "a", "1")
        r.pexpire("gone", 1)
        r.hset("ttl", "a", "1")
        r.expire("ttl", 1000)
        r.hset("ttl", "b", "2")
        self.assertGreater(r.ttl("ttl"), 900)  # HSET keeps the TTL
        self.srv.restart()
        r = self.srv.client()
        self.assertEqual(r.hgetall("h"), {b"a": b"1", b"b": b"2"})
        self.assertEqual(r.hlen("h"), 2)
        self.assertEqual(r.exists("gone"), 0)
        self.assertEqual(r.hgetall("gone"), {})
        self.assertEqual(r.hlen("ttl"), 2)
        self.assertGreater(r.ttl("ttl"), 900)

    def test_del_rename_copy_of_a_hash(self):
        r = self.r
        r.hset("h", mapping={"a": "1", "b": "2"})
        self.assertTrue(r.rename("h", "h2"))
        self.assertEqual(r.hgetall("h2"), {b"a": b"1", b"b": b"2"})
        self.assertTrue(r.copy("h2", "h3"))
        r.hset("h3", "c", "3")
        self.assertEqual(r.hlen("h2"), 2)
        self.assertEqual(r.hlen("h3"), 3)
        self.assertEqual(r.delete("h2", "h3"), 2)
        self.assertEqual(r.hgetall("h2"), {})

    def test_redis_cli(self):
        code, out = self.srv.cli("hset", "h", "f", "v")
        self.assertEqual((code, out.strip()), (0, "1"))
        code, out = self.srv.cli("hget", "h", "f")
        self.assertEqual((code, out.strip()), (0, "v"))


if __name__ == "__main__":
    unittest.main()
