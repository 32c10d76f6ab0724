"""Set commands end to end with redis-py and redis-cli: SADD/SREM/SMEMBERS/
SISMEMBER/SMISMEMBER/SCARD, SPOP/SRANDMEMBER with counts, SMOVE, SINTER/
SUNION/SDIFF and their STORE forms, SINTERCARD, SSCAN, RESP3 set replies,
wrong-type errors, deletion of an emptied set, and state after a restart."""

import threading
import time
import unittest

import redis

from lsmdb_harness import LsmdbServer, ServerTestCase, WRONGTYPE, encode, read_until

class SetCommands(ServerTestCase):
    def raw3(self, *args):
        """One command after HELLO 3 on a raw socket; the raw reply bytes."""
        with self.srv.raw() as sock:
            sock.sendall(encode("HELLO", "3"))
            read_until(sock, lambda d: d.endswith(b"\r\n"), timeout=2)
            sock.sendall(encode(*args))
            return read_until(sock, lambda d: d.endswith(b"\r\n"), timeout=2)

    def test_add_rem_members(self):
        r = self.r
        self.assertEqual(r.sadd("s", "b", "a", "b", "c"), 3)
        self.assertEqual(r.sadd("s", "a", "d"), 1)
        self.assertEqual(r.scard("s"), 4)
        self.assertEqual(r.smembers("s"), {b"a", b"b", b"c", b"d"})
        self.assertEqual(self.srv.command("SMEMBERS", "s"), [b"a", b"b", b"c", b"d"])
        self.assertEqual(r.sismember("s", "a"), 1)
        self.assertEqual(r.sismember("s", "z"), 0)
        self.assertEqual(r.sismember("nokey", "a"), 0)
        self.assertEqual(r.smismember("s", "a", "z", "d"), [1, 0, 1])
        self.assertEqual(r.smismember("nokey", "a", "b"), [0, 0])
        self.assertEqual(r.srem("s", "a", "a", "z"), 1)
        self.assertEqual(r.srem("s", "b", "c", "d"), 3)
        self.assertEqual(r.exists("s"), 0)
        self.assertEqual(r.scard("s"), 0)
        self.assertEqual(r.smembers("nokey"), set())
        r.sadd("t", "x")
        self.assertEqual(r.type("t"), b"set")

    def test_resp3_set_replies(self):
        self.r.sadd("s", "a", "b")
        self.assertEqual(self.raw3("SMEMBERS", "s"), b"~2\r\n$1\r\na\r\n$1\r\nb\r\n")
        self.assertEqual(self.raw3("SMEMBERS", "nokey"), b"~0\r\n")
        self.assertEqual(self.raw3("SINTER", "s", "s"), b"~2\r\n$1\r\na\r\n$1\r\nb\r\n")
        self.assertEqual(self.raw3("SPOP", "nokey", "2"), b"~0\r\n")
        self.assertEqual(self.raw3("SRANDMEMBER", "nokey", "2"), b"*0\r\n")
        self.assertEqual(self.raw3("SPOP", "nokey"), b"_\r\n")
        code, out = self.srv.cli("smembers", "s", resp3=True)
        self.assertEqual((code, out), (0, "a\nb\n"))

    def test_wrong_type(self):
        r = self.r
        r.set("str", "v")
        r.sadd("s", "a")
        for args in (("SADD", "str", "a"), ("SREM", "str", "a"), ("SMEMBERS", "str"),
                     ("SISMEMBER", "str", "a"), ("SMISMEMBER", "str", "a"), ("SCARD", "str"),
                     ("SPOP", "str"), ("SPOP", "str", "2"), ("SRANDMEMBER", "str"),
                     ("SRANDMEMBER", "str", "2"), ("SMOVE", "str", "s", "a"),
                     ("SMOVE", "s", "str", "a"), ("SINTER", "s", "str"),
                     ("SINTER", "nokey", "str"), ("SUNION", "s", "str"),
                     ("SDIFF", "s", "str"), ("SINTERSTORE", "d", "s", "str"),
                     ("SUNIONSTORE", "d", "str"), ("SDIFFSTORE", "d", "s", "str"),
                     ("SINTERCARD", "2", "s", "str"), ("SSCAN", "str", "0")):
            self.assertError(WRONGTYPE, r.execute_command, *args)
        self.assertEqual(r.get("str"), b"v")
        self.assertEqual(r.exists("d"), 0)
        self.assertEqual(r.smove("nokey", "str", "a"), 0)

    def test_spop(self):
        r = self.r
        self.assertIsNone(r.spop("nokey"))
        self.assertEqual(r.spop("nokey", 3), [])
        r.sadd("s", *range(10))
        m = r.spop("s")
        self.assertEqual(r.sismember("s", m), 0)
        self.assertEqual(r.scard("s"), 9)
        three = r.spop("s", 3)
        self.assertEqual(len(set(three)), 3)
        self.assertEqual(r.scard("s"), 6)
        self.assertEqual(r.spop("s", 0), [])
        rest = r.spop("s", 100)
        self.assertEqual(len(rest), 6)
        self.assertEqual(set(rest) | set(three) | {m}, {str(i).encode() for i in range(10)})
        self.assertEqual(r.exists("s"), 0)
        self.assertError("value is out of range, must be positive",
                         r.execute_command, "SPOP", "s", "-1")
        self.assertError("value is out of range, must be positive",
                         r.execute_command, "SPOP", "s", "x")
        self.assertError("syntax error", r.execute_command, "SPOP", "s", "1", "2")

    def test_spop_1000_members_is_fast(self):
        r = self.r
        members = ["element:%06d" % i for i in range(1000)]
        r.sadd("s", *members)
        start = time.time()
        pipe = r.pipeline(transaction=False)
        for _ in range(1000):
            pipe.spop("s")
        popped = pipe.execute()
        self.assertLess(time.time() - start, 10)
        self.assertEqual(sorted(popped), sorted(m.encode() for m in members))
        self.assertEqual(r.exists("s"), 0)

    def test_spop_half_of_a_large_set_stays_fast(self):
        # SPOP rewrites the survivors into a fresh version as tombstones pile
        # up (set.h): members, TTL and a running SSCAN survive it.
        r = self.r
        n = 20000
        pipe = r.pipeline(transaction=False)
        for i in range(0, n, 1000):
            pipe.sadd("s", *["member:%d" % j for j in range(i, i + 1000)])
        pipe.expire("s", 1000)
        pipe.execute()
        cursor, first_page = r.sscan("s", 0, count=100)
        self.assertNotEqual(cursor, 0)
        popped = []
        start = time.time()
        for _ in range(10):
            pipe = r.pipeline(transaction=False)
            for _ in range(900):
                pipe.spop("s")
            pipe.spop("s", 100)
            for reply in pipe.execute():
                popped.extend(reply if isinstance(reply, list) else [reply])
        elapsed = time.time() - start
        self.assertEqual(len(popped), n // 2)
        self.assertEqual(len(set(popped)), n // 2)
        self.assertEqual(r.scard("s"), n // 2)
        self.assertGreater(r.ttl("s"), 900)
        rest = set(r.smembers("s"))
        self.assertEqual(len(rest), n // 2)
        self.assertFalse(rest & set(popped))
        # Every member present for the whole scan is returned by it.
        seen = set(first_page)
        while cursor != 0:
            cursor, page = r.sscan("s", cursor, count=500)
            seen.update(page)
        self.assertEqual(rest - seen, set())
        self.assertLess(elapsed, 30)

    def test_srandmember(self):
        r = self.r
        self.assertIsNone(r.srandmember("nokey"))
        self.assertEqual(r.srandmember("nokey", 5), [])
        self.assertEqual(r.srandmember("nokey", -5), [])
        r.sadd("s", "a", "b", "c")
        self.assertIn(r.srandmember("s"), (b"a", b"b", b"c"))
        self.assertEqual(sorted(r.srandmember("s", 10)), [b"a", b"b", b"c"])
        self.assertEqual(len(set(r.srandmember("s", 2))), 2)
        many = r.srandmember("s", -20)
        self.assertEqual(len(many), 20)
        self.assertEqual(set(many), {b"a", b"b", b"c"})
        self.assertEqual(r.srandmember("s", 0), [])
        self.assertEqual(r.scard("s"), 3)
        self.assertError("value is out of range, value must between -9223372036854775807 and "
                         "9223372036854775807",
                         r.execute_command, "SRANDMEMBER", "s", "-9223372036854775808")
        self.assertError("value is not an integer or out of range",
                         r.execute_command, "SRANDMEMBER", "s", "x")
        r.sadd("big", *range(1000))
        self.assertEqual(len(set(r.srandmember("big", 200))), 200)
        self.assertEqual(len(r.srandmember("big", -2000)), 2000)
        # Every member is reachable by single picks.
        seen = set(r.srandmember("small", -1) or [])
        r.sadd("small", *range(20))
        for _ in range(400):
            seen.add(r.srandmember("small"))
        self.assertEqual(len(seen), 20)

    def test_smove(self):
        r = self.r
        r.sadd("a", "x", "y")
        r.sadd("b", "y")
        self.assertEqual(r.smove("a", "b", "x"), 1)
        self.assertEqual(r.smembers("a"), {b"y"})
        self.assertEqual(r.smembers("b"), {b"x", b"y"})
        self.assertEqual(r.smove("a", "b", "y"), 1)
        self.assertEqual(r.exists("a"), 0)
        self.assertEqual(r.smove("b", "c", "nope"), 0)
        self.assertEqual(r.smove("b", "c", "x"), 1)
        self.assertEqual(r.smembers("c"), {b"x"})
        self.assertEqual(r.smove("c", "c", "x"), 1)
        self.assertEqual(r.smove("c", "c", "q"), 0)

    def test_algebra(self):
        r = self.r
        r.sadd("a", 1, 2, 3, 4)
        r.sadd("b", 2, 3, 5)
        r.sadd("c", 3, 2, 9)
        self.assertEqual(r.sinter("a", "b", "c"), {b"2", b"3"})
        self.assertEqual(r.sinter("a", "nokey"), set())
        self.assertEqual(r.sunion("a", "b", "nokey"), {b"1", b"2", b"3", b"4", b"5"})
        self.assertEqual(r.sdiff("a", "b"), {b"1", b"4"})
        self.assertEqual(r.sdiff("nokey", "a"), set())
        self.assertEqual(r.sdiff("a", "a"), set())
        self.assertEqual(r.sintercard(3, ["a", "b", "c"]), 2)
        self.assertEqual(r.sintercard(3, ["a", "b", "c"], limit=1), 1)
        self.assertEqual(r.sintercard(2, ["a", "nokey"]), 0)
        self.assertError("numkeys should be greater than 0",
                         r.execute_command, "SINTERCARD", "0", "a")
        self.assertError("numkeys should be greater than 0",
                         r.execute_command, "SINTERCARD", "x", "a")
        self.assertError("Number of keys can't be greater than number of args",
                         r.execute_command, "SINTERCARD", "3", "a", "b")
        self.assertError("LIMIT can't be negative",
                         r.execute_command, "SINTERCARD", "1", "a", "LIMIT", "-1")
        self.assertError("syntax error", r.execute_command, "SINTERCARD", "1", "a", "FOO")
        self.assertError("syntax error", r.execute_command, "SINTERCARD", "1", "a", "LIMIT")

    def test_store_forms(self):
        r = self.r
        r.sadd("a", 1, 2, 3)
        r.sadd("b", 2, 3, 4)
        r.set("dst", "string")
        r.expire("dst", 1000)
        self.assertEqual(r.sinterstore("dst", "a", "b"), 2)
        self.assertEqual(r.type("dst"), b"set")
        self.assertEqual(r.ttl("dst"), -1)
        self.assertEqual(r.smembers("dst"), {b"2", b"3"})
        self.assertEqual(r.sunionstore("dst", "a", "b"), 4)
        self.assertEqual(r.scard("dst"), 4)
        self.assertEqual(r.sdiffstore("a", "a", "b"), 1)
        self.assertEqual(r.smembers("a"), {b"1"})
        self.assertEqual(r.sinterstore("dst", "a", "b"), 0)
        self.assertEqual(r.exists("dst"), 0)
        self.assertEqual(r.sunionstore("dst", "nokey"), 0)
        self.assertEqual(r.exists("dst"), 0)

    def test_sscan(self):
        r = self.r
        self.assertEqual(r.sscan("nokey", 0), (0, []))
        r.sadd("small", "a1", "a2", "b")
        self.assertEqual(r.sscan("small", 0, count=1), (0, [b"a1", b"a2", b"b"]))
        self.assertEqual(r.sscan("small", 0, match="a*"), (0, [b"a1", b"a2"]))
        r.sadd("big", *["m%d" % i for i in range(1000)])
        found = list(r.sscan_iter("big", count=70))
        self.assertEqual(len(found), 1000)
        self.assertEqual(len(set(found)), 1000)
        self.assertEqual(len(list(r.sscan_iter("big", match="m9*", count=50))), 111)
        self.assertError("invalid cursor", r.execute_command, "SSCAN", "big", "987654321")

    def test_restart(self):
        r = self.r
        r.sadd("s", "x", "y", "z")
        r.sadd("gone", "a")
        r.pexpire("gone", 1)
        r.sadd("e", "a")
        r.srem("e", "a")
        self.srv.restart()
        r = self.srv.client()
        self.assertEqual(r.smembers("s"), {b"x", b"y", b"z"})
        self.assertEqual(r.scard("s"), 3)
        self.assertEqual(r.exists("gone"), 0)
        self.assertEqual(r.exists("e"), 0)

    def test_concurrent_sadd_keeps_exact_count(self):
        def worker(n):
            c = self.srv.client()
            for i in range(200):
                c.sadd("s", "m%d" % (i % 150), "w%d-%d" % (n, i))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(self.r.scard("s"), 150 + 4 * 200)
        self.assertEqual(len(self.r.smembers("s")), 150 + 4 * 200)

    def test_redis_cli(self):
        code, out = self.srv.cli("sadd", "s", "a", "b")
        self.assertEqual((code, out.strip()), (0, "2"))
        code, out = self.srv.cli("scard", "s")
        self.assertEqual((code, out.strip()), (0, "2"))


if __name__ == "__main__":
    unittest.main()
