"""Sorted set commands end to end with redis-py and redis-cli: ZADD options and
errors, ZINCRBY, ZREM/ZCARD/ZSCORE/ZMSCORE/ZRANK/ZREVRANK, ZRANGE in all its
Redis 7 forms and the older range commands, ZCOUNT/ZLEXCOUNT, ZPOPMIN/ZPOPMAX,
ZREMRANGEBY*, ZUNIONSTORE/ZINTERSTORE, ZSCAN, ZRANDMEMBER, score formatting
in RESP2 and RESP3, wrong-type errors, deletion of an emptied zset, and state
after a restart. Expected replies were checked against redis-server 7.0."""

import unittest

import redis

from lsmdb_harness import LsmdbServer, encode, read_until

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class ZSetCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer()

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def setUp(self):
        self.r = self.srv.client()
        self.r.flushall()

    def assertError(self, text, *args):
        with self.assertRaises(redis.ResponseError) as ctx:
            self.r.execute_command(*args)
        # redis-py drops the "ERR " prefix from error messages.
        self.assertEqual(str(ctx.exception), text[4:] if text.startswith("ERR ") else text)

    def cmd(self, *args):
        """The raw parsed reply (no redis-py callbacks), RESP2."""
        return self.srv.command(*args)

    def raw(self, *commands, resp3=False):
        with self.srv.raw() as sock:
            if resp3:
                sock.sendall(encode("HELLO", "3"))
                read_until(sock, lambda d: b"proto" in d and d.endswith(b"\r\n"), timeout=2)
            for c in commands[:-1]:
                sock.sendall(encode(*c))
                read_until(sock, lambda d: d.endswith(b"\r\n"), timeout=2)
            sock.sendall(encode(*commands[-1]))
            return read_until(sock, lambda d: d.endswith(b"\r\n"), timeout=2)

    def test_zadd_options(self):
        c = self.cmd
        self.assertEqual(c("ZADD", "z", "1", "a", "2", "b", "3", "c"), 3)
        self.assertEqual(c("ZADD", "z", "NX", "10", "a", "4", "d"), 1)
        self.assertEqual(c("ZADD", "z", "XX", "CH", "5", "a", "5", "zz"), 1)
        self.assertEqual(c("ZADD", "z", "GT", "CH", "1", "b", "9", "c"), 1)
        self.assertEqual(c("ZADD", "z", "LT", "8", "c"), 0)
        self.assertEqual(c("ZADD", "z", "INCR", "1.5", "a"), b"6.5")
        self.assertIsNone(c("ZADD", "z", "INCR", "LT", "1", "a"))
        self.assertIsNone(c("ZADD", "nokey", "XX", "INCR", "1", "a"))
        self.assertEqual(c("ZADD", "nokey", "XX", "1", "a"), 0)
        self.assertEqual(c("EXISTS", "nokey"), 0)
        self.assertEqual(c("ZRANGE", "z", "0", "-1", "WITHSCORES"),
                         [b"b", b"2", b"d", b"4", b"a", b"6.5", b"c", b"8"])
        self.assertError("ERR XX and NX options at the same time are not compatible",
                         "ZADD", "z", "NX", "XX", "1", "a")
        self.assertError("ERR GT, LT, and/or NX options at the same time are not compatible",
                         "ZADD", "z", "GT", "LT", "1", "a")
        self.assertError("ERR GT, LT, and/or NX options at the same time are not compatible",
                         "ZADD", "z", "NX", "GT", "1", "a")
        self.assertError("ERR INCR option supports a single increment-element pair",
                         "ZADD", "z", "INCR", "1", "a", "2", "b")
        self.assertError("ERR syntax error", "ZADD", "z", "NX", "1")
        self.assertError("ERR wrong number of arguments for 'zadd' command", "ZADD", "z", "1")
        self.assertError("ERR value is not a valid float", "ZADD", "z", "abc", "a")
        self.assertError("ERR value is not a valid float", "ZADD", "z", "nan", "a")
        c("ZADD", "z", "inf", "i")
        self.assertError("ERR resulting score is not a number (NaN)",
                         "ZADD", "z", "INCR", "-inf", "i")
        self.assertError("ERR resulting score is not a number (NaN)", "ZINCRBY", "z", "-inf", "i")
        self.assertEqual(c("ZINCRBY", "z", "2", "a"), b"8.5")
        self.assertEqual(c("ZINCRBY", "z", "1", "new"), b"1")
        self.assertError("ERR value is not a valid float", "ZINCRBY", "z", "x", "a")

    def test_score_formatting(self):
        c = self.cmd
        c("ZADD", "z", "0.1", "p", "1e300", "q", "-0", "nz", "3.0", "three", "inf", "i",
          "-inf", "ni", "1e17", "big")
        self.assertEqual(c("ZSCORE", "z", "p"), b"0.10000000000000001")
        self.assertEqual(c("ZSCORE", "z", "q"), b"1.0000000000000001e+300")
        self.assertEqual(c("ZSCORE", "z", "nz"), b"0")
        self.assertEqual(c("ZSCORE", "z", "three"), b"3")
        self.assertEqual(c("ZSCORE", "z", "i"), b"inf")
        self.assertEqual(c("ZSCORE", "z", "ni"), b"-inf")
        self.assertEqual(c("ZSCORE", "z", "big"), b"1e+17")
        self.assertEqual(self.raw(("ZSCORE", "z", "p"), resp3=True), b",0.10000000000000001\r\n")
        self.assertEqual(self.raw(("ZSCORE", "z", "i"), resp3=True), b",inf\r\n")
        self.assertEqual(self.raw(("ZSCORE", "z", "three"), resp3=True), b",3\r\n")
        c("ZADD", "two", "1", "a", "2.5", "b")
        self.assertEqual(self.raw(("ZRANGE", "two", "0", "-1", "WITHSCORES"), resp3=True),
                         b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n")
        self.assertEqual(self.raw(("ZRANGE", "two", "0", "-1", "WITHSCORES")),
                         b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n")
        self.assertEqual(self.raw(("ZPOPMIN", "two"), resp3=True), b"*2\r\n$1\r\na\r\n,1\r\n")
        self.assertEqual(self.raw(("ZPOPMAX", "two", "1"), resp3=True),
                         b"*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n")
        self.assertEqual(self.raw(("ZMSCORE", "nokey", "a"), resp3=True), b"*1\r\n_\r\n")

    def test_member_reads(self):
        r = self.r
        r.zadd("z", {"a": 1, "b": 2, "c": 2, "d": 3, "e": -1})
        self.assertEqual(r.zcard("z"), 5)
        self.assertEqual(r.zcard("nokey"), 0)
        self.assertEqual(r.zscore("z", "b"), 2.0)
        self.assertIsNone(r.zscore("z", "zz"))
        self.assertEqual(r.zmscore("z", ["a", "zz", "d"]), [1.0, None, 3.0])
        self.assertEqual([r.zrank("z", m) for m in "eabcd"], [0, 1, 2, 3, 4])
        self.assertEqual([r.zrevrank("z", m) for m in "eabcd"], [4, 3, 2, 1, 0])
        self.assertIsNone(r.zrank("z", "zz"))
        self.assertIsNone(r.zrank("nokey", "a"))
        self.assertEqual(r.zrem("z", "a", "a", "zz"), 1)
        self.assertEqual(r.zrem("nokey", "a"), 0)
        r.zadd("one", {"a": 1})
        self.assertEqual(r.zrem("one", "a"), 1)
        self.assertEqual(r.exists("one"), 0)

    def test_zrange_forms(self):
        c = self.cmd
        c("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
        self.assertEqual(c("ZRANGE", "z", "0", "1"), [b"a", b"b"])
        self.assertEqual(c("ZRANGE", "z", "0", "1", "REV"), [b"e", b"d"])
        self.assertEqual(c("ZRANGE", "z", "(1", "3", "BYSCORE"), [b"b", b"c"])
        self.assertEqual(c("ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "WITHSCORES"),
                         [b"c", b"3", b"b", b"2"])
        self.assertEqual(c("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"),
                         [b"b", b"c"])
        self.assertEqual(c("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2"), [])
        self.assertEqual(c("ZRANGE", "z", "0", "1", "LIMIT", "0", "-1"), [b"a", b"b"])
        self.assertEqual(c("ZRANGE", "nokey", "0", "-1"), [])
        self.assertError("ERR syntax error, LIMIT is only supported in combination with either "
                         "BYSCORE or BYLEX", "ZRANGE", "z", "0", "1", "LIMIT", "0", "1")
        self.assertError("ERR syntax error, WITHSCORES not supported in combination with BYLEX",
                         "ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES")
        self.assertError("ERR syntax error", "ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX")
        self.assertError("ERR syntax error", "ZRANGE", "z", "0", "1", "FOO")
        self.assertError("ERR min or max is not a float", "ZRANGE", "z", "x", "1", "BYSCORE")
        self.assertError("ERR min or max not valid string range item",
                         "ZRANGE", "z", "a", "c", "BYLEX")
        self.assertError("ERR value is not an integer or out of range", "ZRANGE", "z", "a", "1")
        self.assertEqual(c("ZREVRANGE", "z", "0", "1", "WITHSCORES"), [b"e", b"5", b"d", b"4"])
        self.assertEqual(c("ZRANGEBYSCORE", "z", "1", "3", "WITHSCORES", "LIMIT", "1", "1"),
                         [b"b", b"2"])
        self.assertEqual(c("ZREVRANGEBYSCORE", "z", "+inf", "(4"), [b"e"])
        self.assertError("ERR syntax error", "ZRANGEBYSCORE", "z", "1", "3", "REV")
        self.assertEqual(c("ZCOUNT", "z", "(1", "3"), 2)
        self.assertEqual(c("ZCOUNT", "nokey", "0", "1"), 0)
        self.assertError("ERR min or max is not a float", "ZCOUNT", "z", "x", "3")

    def test_lex_ranges(self):
        c = self.cmd
        c("ZADD", "lx", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e")
        self.assertEqual(c("ZRANGEBYLEX", "lx", "[b", "(d"), [b"b", b"c"])
        self.assertEqual(c("ZRANGEBYLEX", "lx", "(b", "+", "LIMIT", "1", "2"), [b"d", b"e"])
        self.assertEqual(c("ZREVRANGEBYLEX", "lx", "[d", "(a", "LIMIT", "0", "2"), [b"d", b"c"])
        self.assertEqual(c("ZRANGE", "lx", "[c", "-", "BYLEX", "REV"), [b"c", b"b", b"a"])
        self.assertEqual(c("ZLEXCOUNT", "lx", "[b", "[c"), 2)
        self.assertError("ERR min or max not valid string range item", "ZLEXCOUNT", "lx", "x", "y")
        self.assertEqual(c("ZREMRANGEBYLEX", "lx", "-", "[b"), 2)
        self.assertEqual(c("ZRANGE", "lx", "0", "-1"), [b"c", b"d", b"e"])

    def test_pops_and_removals(self):
        c = self.cmd
        c("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f")
        self.assertEqual(c("ZPOPMIN", "z"), [b"a", b"1"])
        self.assertEqual(c("ZPOPMAX", "z", "2"), [b"f", b"6", b"e", b"5"])
        self.assertEqual(c("ZPOPMIN", "z", "0"), [])
        self.assertEqual(c("ZPOPMIN", "nokey"), [])
        self.assertError("ERR value is out of range, must be positive", "ZPOPMIN", "z", "-1")
        self.assertError("ERR syntax error", "ZPOPMIN", "z", "1", "2")
        self.assertEqual(c("ZREMRANGEBYRANK", "z", "0", "0"), 1)  # b
        self.assertEqual(c("ZREMRANGEBYSCORE", "z", "(3", "4"), 1)  # d
        self.assertEqual(c("ZRANGE", "z", "0", "-1"), [b"c"])
        self.assertEqual(c("ZPOPMAX", "z", "10"), [b"c", b"3"])
        self.assertEqual(c("EXISTS", "z"), 0)
        self.assertEqual(c("ZREMRANGEBYRANK", "nokey", "0", "1"), 0)

    def test_union_and_inter_store(self):
        c = self.cmd
        c("ZADD", "u1", "1", "a", "2", "b", "inf", "i")
        c("ZADD", "u2", "10", "b", "20", "c", "-inf", "i")
        c("SADD", "st", "a", "b", "c")
        self.assertEqual(c("ZUNIONSTORE", "out", "2", "u1", "u2"), 4)
        self.assertEqual(c("ZRANGE", "out", "0", "-1", "WITHSCORES"),
                         [b"i", b"0", b"a", b"1", b"b", b"12", b"c", b"20"])
        self.assertEqual(c("ZUNIONSTORE", "out", "2", "u1", "u2", "WEIGHTS", "2", "0.5",
                           "AGGREGATE", "MAX"), 4)
        self.assertEqual(c("ZRANGE", "out", "0", "-1", "WITHSCORES"),
                         [b"a", b"2", b"b", b"5", b"c", b"10", b"i", b"inf"])
        self.assertEqual(c("ZUNIONSTORE", "out", "3", "u1", "u2", "st", "AGGREGATE", "MIN"), 4)
        self.assertEqual(c("ZINTERSTORE", "out", "2", "u1", "u2"), 2)
        self.assertEqual(c("ZRANGE", "out", "0", "-1", "WITHSCORES"),
                         [b"i", b"0", b"b", b"12"])
        self.assertEqual(c("ZINTERSTORE", "out", "2", "u1", "nokey"), 0)
        self.assertEqual(c("EXISTS", "out"), 0)
        self.assertError("ERR at least 1 input key is needed for 'zunionstore' command",
                         "ZUNIONSTORE", "out", "0", "u1")
        self.assertError("ERR syntax error", "ZUNIONSTORE", "out", "3", "u1", "u2")
        self.assertError("ERR syntax error", "ZUNIONSTORE", "out", "2", "u1", "u2", "WEIGHTS",
                         "1")
        self.assertError("ERR weight value is not a float", "ZUNIONSTORE", "out", "2", "u1",
                         "u2", "WEIGHTS", "1", "x")
        self.assertError("ERR syntax error", "ZINTERSTORE", "out", "2", "u1", "u2", "AGGREGATE",
                         "AVG")
        c("SET", "s", "v")
        self.assertError(WRONGTYPE, "ZUNIONSTORE", "out", "2", "u1", "s")
        self.assertError(WRONGTYPE, "ZUNIONSTORE", "out", "2", "u1", "s", "FOO")
        self.assertEqual(c("ZUNIONSTORE", "s", "1", "u1"), 3)  # any dst type is replaced
        self.assertEqual(c("TYPE", "s"), b"zset")

    def test_scan_and_randmember(self):
        r = self.r
        members = {"m%d" % i: i for i in range(300)}
        r.zadd("z", members)
        seen = {}
        cursor = 0
        while True:
            cursor, items = r.zscan("z", cursor, count=25)
            for m, s in items:
                self.assertNotIn(m, seen)
                seen[m] = s
            if cursor == 0:
                break
        self.assertEqual(seen, {k.encode(): float(v) for k, v in members.items()})
        _, items = r.zscan("z", 0, match="m29*", count=1000)
        self.assertEqual(len(items), 11)
        self.assertEqual(self.cmd("ZSCAN", "nokey", "0"), [b"0", []])
        self.assertError("ERR invalid cursor", "ZSCAN", "z", "x")
        self.assertError("ERR syntax error", "ZSCAN", "z", "0", "COUNT", "0")
        self.assertEqual(self.cmd("ZSCAN", "z", "0", "MATCH", "m7", "COUNT", "1000"),
                         [b"0", [b"m7", b"7"]])
        self.assertIn(r.zrandmember("z"), [k.encode() for k in members])
        self.assertEqual(len(set(r.zrandmember("z", 50))), 50)
        self.assertEqual(len(r.zrandmember("z", -400)), 400)
        self.assertEqual(len(r.zrandmember("z", 1000)), 300)
        pairs = self.cmd("ZRANDMEMBER", "z", "3", "WITHSCORES")
        self.assertEqual(len(pairs), 6)
        for m, s in zip(pairs[::2], pairs[1::2]):
            self.assertEqual(float(s), members[m.decode()])
        self.assertIsNone(r.zrandmember("nokey"))
        self.assertEqual(r.zrandmember("nokey", 5), [])
        self.assertEqual(self.cmd("ZRANDMEMBER", "z", "0"), [])
        self.assertError("ERR syntax error", "ZRANDMEMBER", "z", "1", "FOO")
        self.assertError("ERR value is out of range", "ZRANDMEMBER", "z",
                         "9223372036854775807", "WITHSCORES")

    def test_wrong_type(self):
        self.r.set("s", "v")
        for args in [("ZADD", "s", "1", "a"), ("ZINCRBY", "s", "1", "a"), ("ZREM", "s", "a"),
                     ("ZCARD", "s"), ("ZSCORE", "s", "a"), ("ZMSCORE", "s", "a"),
                     ("ZRANK", "s", "a"), ("ZRANGE", "s", "0", "1"),
                     ("ZRANGEBYLEX", "s", "-", "+"), ("ZCOUNT", "s", "0", "1"),
                     ("ZPOPMIN", "s"), ("ZREMRANGEBYRANK", "s", "0", "1"), ("ZSCAN", "s", "0"),
                     ("ZRANDMEMBER", "s"), ("ZLEXCOUNT", "s", "-", "+")]:
            self.assertError(WRONGTYPE, *args)
        self.assertEqual(self.r.get("s"), b"v")

    def test_redis_cli_and_restart(self):
        code, out = self.srv.cli("zadd", "c", "1", "a", "2.5", "b")
        self.assertEqual(out.strip(), "2")
        code, out = self.srv.cli("zrange", "c", "0", "-1", "withscores", resp3=True)
        self.assertIn("2.5", out)
        r = self.r
        r.zadd("big", {"m%04d" % i: i % 97 for i in range(2000)})
        r.zrem("big", "m0005")
        self.srv.restart()
        r = self.srv.client()
        self.assertEqual(r.zcard("big"), 1999)
        self.assertEqual(r.zscore("c", "b"), 2.5)
        self.assertEqual(r.zrange("big", 0, 2), [b"m0000", b"m0097", b"m0194"])
        self.assertEqual(r.zrank("big", "m1999"), 1999 - 1 - len(
            [i for i in range(2000) if i != 5 and (i % 97, i) > (1999 % 97, 1999)]))


if __name__ == "__main__":
    unittest.main()
