"""Sorted set commands end to end with redis-py and redis-cli: ZADD options and
errors, ZINCRBY, ZREM/ZCARD/ZSCORE/ZMSCORE/ZRANK/ZREVRANK, ZRANGE in all its
Redis 7 forms and the older range commands, ZRANGESTORE, ZCOUNT/ZLEXCOUNT,
ZPOPMIN/ZPOPMAX, ZMPOP/BZMPOP, ZREMRANGEBY*, ZUNION/ZINTER/ZDIFF/ZINTERCARD
and the STORE forms, ZSCAN, ZRANDMEMBER, score formatting in RESP2 and RESP3,
wrong-type errors, deletion of an emptied zset, COMMAND INFO rows, and state
after a restart. Expected replies were checked against redis-server 7.0."""

import threading
import time
import unittest

from lsmdb_harness import ServerTestCase, WRONGTYPE, encode, read_until


class ZSetCommands(ServerTestCase):
    def assertCommandError(self, text, *args):
        """The exact error of one command (redis-py drops the "ERR " prefix)."""
        self.assertError(text.removeprefix("ERR "), self.r.execute_command, *args)

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
        self.assertCommandError("ERR XX and NX options at the same time are not compatible",
                         "ZADD", "z", "NX", "XX", "1", "a")
        self.assertCommandError("ERR GT, LT, and/or NX options at the same time are not compatible",
                         "ZADD", "z", "GT", "LT", "1", "a")
        self.assertCommandError("ERR GT, LT, and/or NX options at the same time are not compatible",
                         "ZADD", "z", "NX", "GT", "1", "a")
        self.assertCommandError("ERR INCR option supports a single increment-element pair",
                         "ZADD", "z", "INCR", "1", "a", "2", "b")
        self.assertCommandError("ERR syntax error", "ZADD", "z", "NX", "1")
        self.assertCommandError("ERR wrong number of arguments for 'zadd' command", "ZADD", "z", "1")
        self.assertCommandError("ERR value is not a valid float", "ZADD", "z", "abc", "a")
        self.assertCommandError("ERR value is not a valid float", "ZADD", "z", "nan", "a")
        c("ZADD", "z", "inf", "i")
        self.assertCommandError("ERR resulting score is not a number (NaN)",
                         "ZADD", "z", "INCR", "-inf", "i")
        self.assertCommandError("ERR resulting score is not a number (NaN)", "ZINCRBY", "z", "-inf", "i")
        self.assertEqual(c("ZINCRBY", "z", "2", "a"), b"8.5")
        self.assertEqual(c("ZINCRBY", "z", "1", "new"), b"1")
        self.assertCommandError("ERR value is not a valid float", "ZINCRBY", "z", "x", "a")

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
        self.assertCommandError("ERR syntax error, LIMIT is only supported in combination with either "
                         "BYSCORE or BYLEX", "ZRANGE", "z", "0", "1", "LIMIT", "0", "1")
        self.assertCommandError("ERR syntax error, WITHSCORES not supported in combination with BYLEX",
                         "ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES")
        self.assertCommandError("ERR syntax error", "ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX")
        self.assertCommandError("ERR syntax error", "ZRANGE", "z", "0", "1", "FOO")
        self.assertCommandError("ERR min or max is not a float", "ZRANGE", "z", "x", "1", "BYSCORE")
        self.assertCommandError("ERR min or max not valid string range item",
                         "ZRANGE", "z", "a", "c", "BYLEX")
        self.assertCommandError("ERR value is not an integer or out of range", "ZRANGE", "z", "a", "1")
        self.assertEqual(c("ZREVRANGE", "z", "0", "1", "WITHSCORES"), [b"e", b"5", b"d", b"4"])
        self.assertEqual(c("ZRANGEBYSCORE", "z", "1", "3", "WITHSCORES", "LIMIT", "1", "1"),
                         [b"b", b"2"])
        self.assertEqual(c("ZREVRANGEBYSCORE", "z", "+inf", "(4"), [b"e"])
        self.assertCommandError("ERR syntax error", "ZRANGEBYSCORE", "z", "1", "3", "REV")
        self.assertEqual(c("ZCOUNT", "z", "(1", "3"), 2)
        self.assertEqual(c("ZCOUNT", "nokey", "0", "1"), 0)
        self.assertCommandError("ERR min or max is not a float", "ZCOUNT", "z", "x", "3")

    def test_lex_ranges(self):
        c = self.cmd
        c("ZADD", "lx", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e")
        self.assertEqual(c("ZRANGEBYLEX", "lx", "[b", "(d"), [b"b", b"c"])
        self.assertEqual(c("ZRANGEBYLEX", "lx", "(b", "+", "LIMIT", "1", "2"), [b"d", b"e"])
        self.assertEqual(c("ZREVRANGEBYLEX", "lx", "[d", "(a", "LIMIT", "0", "2"), [b"d", b"c"])
        self.assertEqual(c("ZRANGE", "lx", "[c", "-", "BYLEX", "REV"), [b"c", b"b", b"a"])
        self.assertEqual(c("ZLEXCOUNT", "lx", "[b", "[c"), 2)
        self.assertCommandError("ERR min or max not valid string range item", "ZLEXCOUNT", "lx", "x", "y")
        self.assertEqual(c("ZREMRANGEBYLEX", "lx", "-", "[b"), 2)
        self.assertEqual(c("ZRANGE", "lx", "0", "-1"), [b"c", b"d", b"e"])

    def test_pops_and_removals(self):
        c = self.cmd
        c("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f")
        self.assertEqual(c("ZPOPMIN", "z"), [b"a", b"1"])
        self.assertEqual(c("ZPOPMAX", "z", "2"), [b"f", b"6", b"e", b"5"])
        self.assertEqual(c("ZPOPMIN", "z", "0"), [])
        self.assertEqual(c("ZPOPMIN", "nokey"), [])
        self.assertCommandError("ERR value is out of range, must be positive", "ZPOPMIN", "z", "-1")
        self.assertCommandError("ERR syntax error", "ZPOPMIN", "z", "1", "2")
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
        self.assertCommandError("ERR at least 1 input key is needed for 'zunionstore' command",
                         "ZUNIONSTORE", "out", "0", "u1")
        self.assertCommandError("ERR syntax error", "ZUNIONSTORE", "out", "3", "u1", "u2")
        self.assertCommandError("ERR syntax error", "ZUNIONSTORE", "out", "2", "u1", "u2", "WEIGHTS",
                         "1")
        self.assertCommandError("ERR weight value is not a float", "ZUNIONSTORE", "out", "2", "u1",
                         "u2", "WEIGHTS", "1", "x")
        self.assertCommandError("ERR syntax error", "ZINTERSTORE", "out", "2", "u1", "u2", "AGGREGATE",
                         "AVG")
        c("SET", "s", "v")
        self.assertCommandError(WRONGTYPE, "ZUNIONSTORE", "out", "2", "u1", "s")
        self.assertCommandError(WRONGTYPE, "ZUNIONSTORE", "out", "2", "u1", "s", "FOO")
        self.assertEqual(c("ZUNIONSTORE", "s", "1", "u1"), 3)  # any dst type is replaced
        self.assertEqual(c("TYPE", "s"), b"zset")

    def test_zunion_zinter_zdiff(self):
        c = self.cmd
        c("ZADD", "z1", "1", "a", "2", "b", "3", "c", "inf", "i")
        c("ZADD", "z2", "10", "b", "-1", "c", "-inf", "i", "5", "d")
        c("SADD", "st", "a", "d", "e")
        self.assertEqual(c("ZUNION", "2", "z1", "z2"), [b"i", b"a", b"c", b"d", b"b"])
        self.assertEqual(c("ZUNION", "2", "z1", "z2", "WITHSCORES"),
                         [b"i", b"0", b"a", b"1", b"c", b"2", b"d", b"5", b"b", b"12"])
        self.assertEqual(c("ZUNION", "3", "z1", "z2", "st", "WEIGHTS", "1", "2", "3",
                           "AGGREGATE", "MAX", "WITHSCORES"),
                         [b"a", b"3", b"c", b"3", b"e", b"3", b"d", b"10", b"b", b"20",
                          b"i", b"inf"])
        self.assertEqual(c("ZINTER", "2", "z1", "z2", "AGGREGATE", "MIN", "WITHSCORES"),
                         [b"i", b"-inf", b"c", b"-1", b"b", b"2"])
        self.assertEqual(c("ZINTER", "2", "z1", "z2", "WEIGHTS", "0", "2", "WITHSCORES"),
                         [b"i", b"-inf", b"c", b"-2", b"b", b"20"])
        self.assertEqual(c("ZINTER", "2", "z1", "st"), [b"a"])
        self.assertEqual(c("ZINTER", "2", "z1", "nokey"), [])
        self.assertEqual(c("ZDIFF", "2", "z1", "z2", "WITHSCORES"), [b"a", b"1"])
        self.assertEqual(c("ZDIFF", "3", "z1", "nokey", "st"), [b"b", b"c", b"i"])
        self.assertEqual(c("ZDIFF", "2", "z1", "z1"), [])
        self.assertEqual(c("ZDIFF", "1", "nokey"), [])
        self.assertEqual(c("ZUNION", "1", "nokey", "WITHSCORES"), [])
        # RESP3: WITHSCORES pairs are nested arrays with double scores.
        self.assertEqual(self.raw(("ZDIFF", "2", "z1", "z2", "WITHSCORES"), resp3=True),
                         b"*1\r\n*2\r\n$1\r\na\r\n,1\r\n")
        self.assertEqual(self.r.zunion(["z1", "st"], aggregate="SUM", withscores=True)[:3],
                         [(b"d", 1.0), (b"e", 1.0), (b"a", 2.0)])
        for name in ("zunion", "zinter", "zdiff"):
            self.assertCommandError("ERR at least 1 input key is needed for '%s' command" % name,
                                    name, "0", "z1")
            self.assertCommandError("ERR syntax error", name, "3", "z1", "z2")
            self.assertCommandError("ERR syntax error", name, "1", "z1", "FOO")
            self.assertCommandError("ERR value is not an integer or out of range", name, "x",
                                    "z1")
            self.assertCommandError("ERR wrong number of arguments for '%s' command" % name,
                                    name, "1")
        self.assertCommandError("ERR syntax error", "ZDIFF", "2", "z1", "z2", "WEIGHTS", "1",
                                "2")
        self.assertCommandError("ERR syntax error", "ZDIFF", "1", "z1", "AGGREGATE", "MAX")
        self.assertCommandError("ERR weight value is not a float", "ZINTER", "2", "z1", "z2",
                                "WEIGHTS", "1", "x")
        self.assertCommandError("ERR syntax error", "ZUNION", "2", "z1", "z2", "AGGREGATE",
                                "AVG")
        c("SET", "str", "v")
        for name in ("ZUNION", "ZINTER", "ZDIFF"):
            self.assertCommandError(WRONGTYPE, name, "2", "z1", "str")
            self.assertCommandError(WRONGTYPE, name, "2", "nokey", "str", "FOO")
            self.assertCommandError(WRONGTYPE, name, "2", "str", "nokey")

    def test_zintercard(self):
        c = self.cmd
        c("ZADD", "z1", "1", "a", "2", "b", "3", "c")
        c("ZADD", "z2", "1", "b", "2", "c", "3", "d")
        c("SADD", "st", "b", "c", "x")
        self.assertEqual(c("ZINTERCARD", "2", "z1", "z2"), 2)
        self.assertEqual(c("ZINTERCARD", "3", "z1", "z2", "st"), 2)
        self.assertEqual(c("ZINTERCARD", "2", "z1", "z2", "LIMIT", "0"), 2)
        self.assertEqual(c("ZINTERCARD", "2", "z1", "z2", "LIMIT", "1"), 1)
        self.assertEqual(c("ZINTERCARD", "2", "z1", "z2", "LIMIT", "10"), 2)
        self.assertEqual(c("ZINTERCARD", "1", "nokey"), 0)
        self.assertEqual(c("ZINTERCARD", "2", "z1", "nokey", "LIMIT", "0"), 0)
        self.assertCommandError("ERR at least 1 input key is needed for 'zintercard' command",
                                "ZINTERCARD", "0", "z1")
        self.assertCommandError("ERR syntax error", "ZINTERCARD", "1", "z1", "z1")
        self.assertCommandError("ERR syntax error", "ZINTERCARD", "1", "z1", "LIMIT")
        self.assertCommandError("ERR syntax error", "ZINTERCARD", "1", "z1", "WITHSCORES")
        self.assertCommandError("ERR syntax error", "ZINTERCARD", "2", "z1", "z2", "WEIGHTS",
                                "1", "1")
        self.assertCommandError("ERR LIMIT can't be negative", "ZINTERCARD", "1", "z1",
                                "LIMIT", "-1")
        self.assertCommandError("ERR LIMIT can't be negative", "ZINTERCARD", "1", "z1",
                                "LIMIT", "a")
        c("SET", "str", "v")
        self.assertCommandError(WRONGTYPE, "ZINTERCARD", "2", "z1", "str")
        self.assertCommandError(WRONGTYPE, "ZINTERCARD", "2", "z1", "str", "LIMIT", "-1")

    def test_store_forms_delete_dst_on_empty_result(self):
        c = self.cmd
        c("ZADD", "z1", "1", "a", "2", "b", "3", "c")
        c("ZADD", "z2", "1", "b")
        self.assertEqual(c("ZDIFFSTORE", "out", "2", "z1", "z2"), 2)
        self.assertEqual(c("ZRANGE", "out", "0", "-1", "WITHSCORES"), [b"a", b"1", b"c", b"3"])
        self.assertEqual(c("ZDIFFSTORE", "out", "1", "nokey"), 0)
        self.assertEqual(c("EXISTS", "out"), 0)
        c("SET", "out", "v")
        self.assertEqual(c("ZDIFFSTORE", "out", "2", "z1", "z1"), 0)
        self.assertEqual(c("EXISTS", "out"), 0)  # any type goes
        c("SET", "out", "v")
        self.assertEqual(c("ZINTERSTORE", "out", "2", "z1", "nokey"), 0)
        self.assertEqual(c("EXISTS", "out"), 0)
        c("SET", "out", "v", "EX", "100")
        self.assertEqual(c("ZUNIONSTORE", "out", "1", "z2"), 1)
        self.assertEqual(c("TTL", "out"), -1)
        self.assertEqual(c("ZDIFFSTORE", "z1", "2", "z1", "z2"), 2)  # dst is a source
        self.assertEqual(c("ZRANGE", "z1", "0", "-1"), [b"a", b"c"])
        self.assertCommandError("ERR at least 1 input key is needed for 'zdiffstore' command",
                                "ZDIFFSTORE", "out", "0", "z1")
        self.assertCommandError("ERR syntax error", "ZDIFFSTORE", "out", "1", "z1", "WITHSCORES")
        self.assertCommandError("ERR syntax error", "ZUNIONSTORE", "out", "1", "z1",
                                "WITHSCORES")
        c("SET", "str", "v")
        self.assertCommandError(WRONGTYPE, "ZDIFFSTORE", "out", "2", "str", "z1")
        self.assertEqual(c("ZRANGE", "out", "0", "-1"), [b"b"])  # untouched

    def test_zrangestore(self):
        c = self.cmd
        c("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
        self.assertEqual(c("ZRANGESTORE", "out", "z", "1", "2"), 2)
        self.assertEqual(c("ZRANGE", "out", "0", "-1", "WITHSCORES"), [b"b", b"2", b"c", b"3"])
        self.assertEqual(c("ZRANGESTORE", "out", "z", "0", "1", "REV"), 2)
        self.assertEqual(c("ZRANGE", "out", "0", "-1"), [b"d", b"e"])
        self.assertEqual(c("ZRANGESTORE", "out", "z", "(1", "+inf", "BYSCORE", "LIMIT", "1",
                           "2"), 2)
        self.assertEqual(c("ZRANGE", "out", "0", "-1"), [b"c", b"d"])
        self.assertEqual(c("ZRANGESTORE", "out", "z", "+inf", "3", "BYSCORE", "REV", "LIMIT",
                           "0", "2"), 2)
        self.assertEqual(c("ZRANGE", "out", "0", "-1"), [b"d", b"e"])
        c("ZADD", "lx", "0", "a", "0", "b", "0", "c", "0", "d")
        self.assertEqual(c("ZRANGESTORE", "out", "lx", "[b", "+", "BYLEX"), 3)
        self.assertEqual(c("ZRANGE", "out", "0", "-1", "WITHSCORES"),
                         [b"b", b"0", b"c", b"0", b"d", b"0"])
        self.assertEqual(c("ZRANGESTORE", "out", "lx", "(c", "-", "BYLEX", "REV"), 2)
        self.assertEqual(c("ZRANGE", "out", "0", "-1"), [b"a", b"b"])
        # Empty ranges and absent sources delete the destination.
        self.assertEqual(c("ZRANGESTORE", "out", "z", "10", "20"), 0)
        self.assertEqual(c("EXISTS", "out"), 0)
        c("SET", "out", "v")
        self.assertEqual(c("ZRANGESTORE", "out", "nokey", "0", "-1"), 0)
        self.assertEqual(c("EXISTS", "out"), 0)
        c("SET", "out", "v")
        self.assertEqual(c("ZRANGESTORE", "out", "z", "0", "0"), 1)
        self.assertEqual(c("TYPE", "out"), b"zset")
        self.assertEqual(c("ZRANGESTORE", "z", "z", "-1", "-1"), 1)
        self.assertEqual(c("ZRANGE", "z", "0", "-1", "WITHSCORES"), [b"e", b"5"])
        self.assertCommandError("ERR syntax error", "ZRANGESTORE", "out", "z", "0", "-1",
                                "WITHSCORES")
        self.assertCommandError("ERR syntax error, LIMIT is only supported in combination with "
                                "either BYSCORE or BYLEX", "ZRANGESTORE", "out", "z", "0",
                                "-1", "LIMIT", "0", "1")
        self.assertCommandError("ERR min or max is not a float", "ZRANGESTORE", "out", "z", "x",
                                "1", "BYSCORE")
        self.assertCommandError("ERR min or max not valid string range item", "ZRANGESTORE",
                                "out", "z", "a", "b", "BYLEX")
        self.assertCommandError("ERR wrong number of arguments for 'zrangestore' command",
                                "ZRANGESTORE", "out", "z", "0")
        c("SET", "str", "v")
        self.assertCommandError(WRONGTYPE, "ZRANGESTORE", "out", "str", "0", "-1")
        self.assertEqual(c("ZRANGE", "out", "0", "-1"), [b"a"])  # untouched

    def test_zmpop_and_bzmpop(self):
        c = self.cmd
        c("ZADD", "z", "1", "a", "2", "b", "3", "c")
        self.assertEqual(c("ZMPOP", "2", "nokey", "z", "MIN", "COUNT", "2"),
                         [b"z", [[b"a", b"1"], [b"b", b"2"]]])
        self.assertEqual(c("ZMPOP", "1", "z", "MAX"), [b"z", [[b"c", b"3"]]])
        self.assertEqual(c("EXISTS", "z"), 0)
        self.assertIsNone(c("ZMPOP", "1", "z", "MIN"))
        self.assertCommandError("ERR numkeys should be greater than 0", "ZMPOP", "0", "z", "MIN")
        self.assertCommandError("ERR count should be greater than 0", "ZMPOP", "1", "z", "MIN",
                                "COUNT", "0")
        self.assertCommandError("ERR syntax error", "ZMPOP", "1", "z", "LEFT")
        c("SET", "str", "v")
        self.assertCommandError(WRONGTYPE, "ZMPOP", "1", "str", "MIN")
        # BZMPOP: served at once, woken by a ZADD from another client, or timed out.
        c("ZADD", "z", "1", "a")
        self.assertEqual(c("BZMPOP", "1", "1", "z", "MIN"), [b"z", [[b"a", b"1"]]])
        result = {}

        def waiter():
            result["reply"] = self.cmd("BZMPOP", "5", "2", "bz1", "bz2", "MAX", "COUNT", "10")

        t = threading.Thread(target=waiter)
        t.start()
        time.sleep(0.3)
        c("ZADD", "bz2", "1", "x", "2", "y")
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertEqual(result["reply"], [b"bz2", [[b"y", b"2"], [b"x", b"1"]]])
        self.assertEqual(c("EXISTS", "bz2"), 0)
        start = time.time()
        self.assertIsNone(c("BZMPOP", "0.2", "1", "bz1", "MIN"))
        self.assertGreaterEqual(time.time() - start, 0.15)
        self.assertCommandError("ERR timeout is negative", "BZMPOP", "-1", "1", "bz1", "MIN")

    def test_command_info_rows(self):
        info = self.cmd("COMMAND", "INFO", "zunion", "zinter", "zdiff", "zintercard",
                        "zdiffstore", "zrangestore")
        self.assertEqual([row[:6] for row in info],
                         [[b"zunion", -3, [b"readonly", b"movablekeys"], 0, 0, 0],
                          [b"zinter", -3, [b"readonly", b"movablekeys"], 0, 0, 0],
                          [b"zdiff", -3, [b"readonly", b"movablekeys"], 0, 0, 0],
                          [b"zintercard", -3, [b"readonly", b"movablekeys"], 0, 0, 0],
                          [b"zdiffstore", -4, [b"write", b"denyoom", b"movablekeys"], 1, 1, 1],
                          [b"zrangestore", -5, [b"write", b"denyoom"], 1, 2, 1]])
        for row in info:
            self.assertIn(b"@sortedset", row[6])
        docs = self.cmd("COMMAND", "DOCS", "zrangestore")
        self.assertEqual(docs[0], b"zrangestore")

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
        self.assertCommandError("ERR invalid cursor", "ZSCAN", "z", "x")
        self.assertCommandError("ERR syntax error", "ZSCAN", "z", "0", "COUNT", "0")
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
        self.assertCommandError("ERR syntax error", "ZRANDMEMBER", "z", "1", "FOO")
        self.assertCommandError("ERR value is out of range", "ZRANDMEMBER", "z",
                         "9223372036854775807", "WITHSCORES")

    def test_wrong_type(self):
        self.r.set("s", "v")
        for args in [("ZADD", "s", "1", "a"), ("ZINCRBY", "s", "1", "a"), ("ZREM", "s", "a"),
                     ("ZCARD", "s"), ("ZSCORE", "s", "a"), ("ZMSCORE", "s", "a"),
                     ("ZRANK", "s", "a"), ("ZRANGE", "s", "0", "1"),
                     ("ZRANGEBYLEX", "s", "-", "+"), ("ZCOUNT", "s", "0", "1"),
                     ("ZPOPMIN", "s"), ("ZREMRANGEBYRANK", "s", "0", "1"), ("ZSCAN", "s", "0"),
                     ("ZRANDMEMBER", "s"), ("ZLEXCOUNT", "s", "-", "+")]:
            self.assertCommandError(WRONGTYPE, *args)
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
