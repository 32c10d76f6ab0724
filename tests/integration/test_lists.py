"""List commands end to end with redis-py and redis-cli: LPUSH/RPUSH/LPUSHX/
RPUSHX, LPOP/RPOP with and without count (RESP2 and RESP3 nil rules),
LLEN/LRANGE/LINDEX/LSET/LINSERT/LREM/LTRIM/LPOS, LMOVE/RPOPLPUSH, wrong-type
errors, deletion of an emptied list, TTLs, and state after a restart.
Expected replies were checked against redis-server 7.0."""

import time
import unittest

import redis

from lsmdb_harness import LsmdbServer, encode, read_until

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class ListCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer()

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def setUp(self):
        self.r = self.srv.client()
        self.r.flushall()

    def assertError(self, text, fn, *args):
        with self.assertRaises(redis.ResponseError) as ctx:
            fn(*args)
        # redis-py drops the "ERR " prefix from error messages.
        self.assertEqual(str(ctx.exception), text[4:] if text.startswith("ERR ") else text)

    def raw(self, *commands, resp3=False):
        """Sends commands on one raw socket (after HELLO 3 when asked); returns
        the raw bytes of the reply to the last one."""
        with self.srv.raw() as sock:
            if resp3:
                sock.sendall(encode("HELLO", "3"))
                read_until(sock, lambda d: b"proto" in d and d.endswith(b"\r\n"), timeout=2)
            for c in commands[:-1]:
                sock.sendall(encode(*c))
                read_until(sock, lambda d: d.endswith(b"\r\n"), timeout=2)
            sock.sendall(encode(*commands[-1]))
            return read_until(sock, lambda d: d.endswith(b"\r\n"), timeout=2)

    def test_push_pop_and_length(self):
        r = self.r
        self.assertEqual(r.rpush("l", "a", "b", "c"), 3)
        self.assertEqual(r.lpush("l", "x", "y"), 5)
        self.assertEqual(r.lrange("l", 0, -1), [b"y", b"x", b"a", b"b", b"c"])
        self.assertEqual(r.llen("l"), 5)
        self.assertEqual(r.lpop("l"), b"y")
        self.assertEqual(r.rpop("l"), b"c")
        self.assertEqual(r.lpop("l", 2), [b"x", b"a"])
        self.assertEqual(r.rpop("l", 5), [b"b"])
        self.assertEqual(r.exists("l"), 0)  # emptied: the key is gone
        self.assertIsNone(r.lpop("l"))
        self.assertIsNone(r.lpop("l", 2))
        self.assertEqual(r.lpushx("l", "a"), 0)
        self.assertEqual(r.rpushx("l", "a"), 0)
        self.assertEqual(r.exists("l"), 0)
        r.rpush("l", "a")
        self.assertEqual(r.execute_command("RPUSHX", "l", "b", "c"), 3)
        self.assertEqual(r.lpushx("l", "z"), 4)
        self.assertEqual(r.lrange("l", 0, -1), [b"z", b"a", b"b", b"c"])
        self.assertEqual(r.type("l"), b"list")
        self.assertEqual(r.llen("nokey"), 0)

    def test_pop_count_nil_rules(self):
        r = self.r
        r.rpush("l", "a")
        # RESP2: nil bulk without count, nil array with count, [] for count 0.
        self.assertEqual(self.raw(("LPOP", "nokey")), b"$-1\r\n")
        self.assertEqual(self.raw(("LPOP", "nokey", "1")), b"*-1\r\n")
        self.assertEqual(self.raw(("LPOP", "nokey", "0")), b"*-1\r\n")
        self.assertEqual(self.raw(("LPOP", "l", "0")), b"*0\r\n")
        # RESP3: null for both.
        self.assertEqual(self.raw(("LPOP", "nokey"), resp3=True), b"_\r\n")
        self.assertEqual(self.raw(("RPOP", "nokey", "3"), resp3=True), b"_\r\n")
        self.assertError("ERR value is out of range, must be positive", r.lpop, "l", -1)
        self.assertError("ERR value is out of range, must be positive",
                         r.execute_command, "LPOP", "l", "x")
        self.assertError("ERR wrong number of arguments for 'lpop' command",
                         r.execute_command, "LPOP", "l", "1", "2")

    def test_range_index_set(self):
        r = self.r
        r.rpush("l", *"01234")
        self.assertEqual(r.lrange("l", 1, 3), [b"1", b"2", b"3"])
        self.assertEqual(r.lrange("l", -2, 100), [b"3", b"4"])
        self.assertEqual(r.lrange("l", 3, 1), [])
        self.assertEqual(r.lrange("nokey", 0, -1), [])
        self.assertError("ERR value is not an integer or out of range", r.lrange, "l", "a", 1)
        self.assertEqual(r.lindex("l", 0), b"0")
        self.assertEqual(r.lindex("l", -1), b"4")
        self.assertIsNone(r.lindex("l", 5))
        self.assertIsNone(r.lindex("nokey", "abc"))  # key looked up before the index
        self.assertError("ERR value is not an integer or out of range", r.lindex, "l", "abc")
        self.assertTrue(r.lset("l", -1, "four"))
        self.assertEqual(r.lindex("l", 4), b"four")
        self.assertError("ERR index out of range", r.lset, "l", 5, "x")
        self.assertError("ERR no such key", r.lset, "nokey", 0, "x")
        self.assertError("ERR no such key", r.lset, "nokey", "abc", "x")

    def test_insert_rem_trim(self):
        r = self.r
        r.rpush("l", *"abcdef")
        self.assertEqual(r.linsert("l", "BEFORE", "b", "X"), 7)
        self.assertEqual(r.linsert("l", "AFTER", "e", "Y"), 8)
        self.assertEqual(r.linsert("l", "AFTER", "zz", "Y"), -1)
        self.assertEqual(r.linsert("nokey", "AFTER", "a", "Y"), 0)
        self.assertError("ERR syntax error", r.execute_command, "LINSERT", "l", "MIDDLE", "a", "b")
        self.assertEqual(r.lrange("l", 0, -1), [b"a", b"X", b"b", b"c", b"d", b"e", b"Y", b"f"])
        r.rpush("r", *"xaxbxcx")
        self.assertEqual(r.lrem("r", 2, "x"), 2)
        self.assertEqual(r.lrange("r", 0, -1), [b"a", b"b", b"x", b"c", b"x"])
        self.assertEqual(r.lrem("r", -1, "x"), 1)
        self.assertEqual(r.lrem("r", 0, "x"), 1)
        self.assertEqual(r.lrange("r", 0, -1), [b"a", b"b", b"c"])
        self.assertEqual(r.lrem("nokey", 0, "x"), 0)
        r.rpush("q", "q", "q")
        self.assertEqual(r.lrem("q", 0, "q"), 2)
        self.assertEqual(r.exists("q"), 0)
        self.assertTrue(r.ltrim("l", 1, -2))
        self.assertEqual(r.lrange("l", 0, -1), [b"X", b"b", b"c", b"d", b"e", b"Y"])
        self.assertTrue(r.ltrim("l", 10, 20))
        self.assertEqual(r.exists("l"), 0)
        self.assertTrue(r.ltrim("nokey", 0, 1))

    def test_lpos(self):
        r = self.r
        r.rpush("p", *"abcbab")
        self.assertEqual(r.lpos("p", "b"), 1)
        self.assertEqual(r.lpos("p", "b", rank=-1), 5)
        self.assertEqual(r.lpos("p", "b", rank=2, count=0), [3, 5])
        self.assertEqual(r.lpos("p", "b", count=2, maxlen=2), [1])
        self.assertIsNone(r.lpos("p", "zz"))
        self.assertEqual(r.lpos("p", "zz", count=0), [])
        self.assertIsNone(r.lpos("nokey", "a"))
        self.assertEqual(r.lpos("nokey", "a", count=1), [])
        self.assertError("ERR RANK can't be zero: use 1 to start from the first match, 2 from "
                         "the second ... or use negative to start from the end of the list",
                         r.lpos, "p", "b", 0)
        self.assertError("ERR COUNT can't be negative", r.lpos, "p", "b", None, -1)
        self.assertError("ERR MAXLEN can't be negative", r.lpos, "p", "b", None, None, -1)
        self.assertError("ERR syntax error", r.execute_command, "LPOS", "p", "b", "FOO")

    def test_lmove_and_rpoplpush(self):
        r = self.r
        r.rpush("src", "a", "b", "c")
        self.assertEqual(r.lmove("src", "dst", "LEFT", "RIGHT"), b"a")
        self.assertEqual(r.lmove("src", "dst", "RIGHT", "LEFT"), b"c")
        self.assertEqual(r.lmove("src", "src", "LEFT", "RIGHT"), b"b")
        self.assertIsNone(r.lmove("nokey", "dst", "LEFT", "LEFT"))
        self.assertError("ERR syntax error", r.execute_command, "LMOVE", "src", "dst", "UP", "LEFT")
        self.assertEqual(r.rpoplpush("src", "dst"), b"b")
        self.assertEqual(r.exists("src"), 0)
        self.assertIsNone(r.rpoplpush("src", "dst"))
        self.assertEqual(r.lrange("dst", 0, -1), [b"b", b"c", b"a"])

    def test_wrong_type(self):
        r = self.r
        r.set("s", "v")
        r.rpush("l", "a")
        for fn, args in [(r.lpush, ("s", "a")), (r.rpushx, ("s", "a")), (r.lpop, ("s",)),
                         (r.llen, ("s",)), (r.lrange, ("s", 0, 1)), (r.lindex, ("s", 0)),
                         (r.lset, ("s", 0, "a")), (r.linsert, ("s", "BEFORE", "a", "b")),
                         (r.lrem, ("s", 0, "a")), (r.ltrim, ("s", 0, 1)), (r.lpos, ("s", "a")),
                         (r.lmove, ("s", "l")), (r.lmove, ("l", "s")), (r.lindex, ("s", "x"))]:
            self.assertError(WRONGTYPE, fn, *args)
        self.assertEqual(r.lrange("l", 0, -1), [b"a"])  # LMOVE l s popped nothing
        self.assertEqual(r.get("s"), b"v")

    def test_ttl_and_overwrite(self):
        r = self.r
        r.rpush("l", "a", "b")
        r.pexpire("l", 100000)
        r.rpush("l", "c")
        self.assertGreater(r.pttl("l"), 0)  # pushes keep the TTL
        r.pexpire("l", 1)
        import time
        time.sleep(0.05)
        self.assertEqual(r.llen("l"), 0)
        self.assertEqual(r.rpush("l", "x"), 1)  # a fresh list, no old elements
        self.assertEqual(r.lrange("l", 0, -1), [b"x"])
        r.set("l", "str")
        self.assertEqual(r.rpush("l2", "y"), 1)
        r.rename("l2", "l")
        self.assertEqual(r.lrange("l", 0, -1), [b"y"])

    def test_redis_cli(self):
        code, out = self.srv.cli("rpush", "c", "1", "2", "3")
        self.assertEqual((code, out.strip()), (0, "3"))
        code, out = self.srv.cli("lrange", "c", "0", "-1")
        self.assertEqual(out.split(), ["1", "2", "3"])
        code, out = self.srv.cli("lpop", "nokey", "2", resp3=True)
        self.assertEqual((code, out.strip()), (0, ""))  # nil, as redis-cli prints it unpiped

    def test_lrange_reply_framing(self):
        # LRANGE writes its reply straight into the output buffer in chunks:
        # elements of every size around the chunk (8 KiB) and its half, many
        # small ones, sub-ranges, and the same bytes under RESP3.
        r = self.r
        sizes = [0, 1, 2, 4095, 4096, 4097, 8190, 8191, 8192, 8193, 20000]
        model = [bytes([65 + i % 26]) * n for i, n in enumerate(sizes)]
        model += [str(i).encode() for i in range(3000)]
        model += [b"z" * 5000, b""]
        for i in range(0, len(model), 500):
            r.rpush("l", *model[i:i + 500])
        self.assertEqual(r.lrange("l", 0, -1), model)
        self.assertEqual(r.lrange("l", 3, 9), model[3:10])
        self.assertEqual(r.lrange("l", -3, -1), model[-3:])
        expected = b"*3\r\n" + b"".join(
            b"$%d\r\n%s\r\n" % (len(e), e) for e in model[:3])
        self.assertEqual(self.raw(("LRANGE", "l", "0", "2")), expected)
        self.assertEqual(self.raw(("LRANGE", "l", "0", "2"), resp3=True), expected)
        self.assertEqual(self.raw(("LRANGE", "nokey", "0", "-1"), resp3=True), b"*0\r\n")
        # An error reply replaces the array entirely; the next reply is intact.
        r.set("s", "v")
        self.assertEqual(
            self.raw(("LRANGE", "s", "0", "-1"), ("LRANGE", "l", "-1", "-1")), b"*1\r\n$0\r\n\r\n")
        self.assertError(WRONGTYPE, r.lrange, "s", 0, -1)

    def test_long_list_and_restart(self):
        r = self.r
        r.rpush("big", *range(1000))
        r.lpush("big", *range(-1, -501, -1))  # -500 .. -1 at the head
        self.assertEqual(r.llen("big"), 1500)
        self.assertEqual(r.lrange("big", 0, 2), [b"-500", b"-499", b"-498"])
        self.assertEqual(r.lindex("big", 750), b"250")
        self.assertEqual(r.linsert("big", "BEFORE", "900", "ins"), 1501)
        self.assertEqual(r.lrem("big", 1, "10"), 1)
        self.srv.restart()
        r = self.srv.client()
        self.assertEqual(r.llen("big"), 1500)
        items = r.lrange("big", 0, -1)
        expected = [str(i).encode() for i in range(-500, 1000) if i != 10]
        expected.insert(expected.index(b"900"), b"ins")
        self.assertEqual(items, expected)


    def stat(self, name):
        return int(self.r.info("stats")[name])

    def test_list_cache_serves_ends_and_follows_every_write(self):
        # The ends of a hot list come from the list cache (INFO stats
        # list_cache_hits grows); every kind of write keeps what it serves
        # right, and turning the cache off (CONFIG SET list-cache-size 0)
        # gives the same answers from the engine.
        r = self.r
        r.rpush("c", *range(3000))
        model = [str(i).encode() for i in range(3000)]
        hits = self.stat("list_cache_hits")
        self.assertEqual(r.lrange("c", 0, 99), model[:100])
        self.assertEqual(r.lrange("c", -100, -1), model[-100:])
        self.assertGreater(self.stat("list_cache_hits"), hits)

        def check():
            self.assertEqual(r.lrange("c", 0, -1), model)
            self.assertEqual(r.lrange("c", 0, 9), model[:10])
            self.assertEqual(r.lrange("c", -10, -1), model[-10:])
            self.assertEqual(r.lindex("c", 0), model[0])
            self.assertEqual(r.lindex("c", -1), model[-1])

        for i in range(300):  # pops past the cached front: read-ahead refills
            self.assertEqual(r.lpop("c"), model.pop(0))
        self.assertEqual(r.rpop("c", 5), [model.pop() for _ in range(5)])
        check()
        r.lset("c", 0, "set0")
        model[0] = b"set0"
        r.lset("c", -1, "setlast")
        model[-1] = b"setlast"
        check()
        r.linsert("c", "AFTER", "set0", "ins")
        model.insert(1, b"ins")
        self.assertEqual(r.lrem("c", 1, "500"), 1)
        model.remove(b"500")
        r.ltrim("c", 2, -3)
        model = model[2:-2]
        check()
        r.lmove("c", "c", "LEFT", "RIGHT")
        model.append(model.pop(0))
        r.rpoplpush("c", "d")
        moved = model.pop()
        self.assertEqual(r.lrange("d", 0, -1), [moved])
        r.lpush("c", "x", "y")
        model[:0] = [b"y", b"x"]
        check()
        # A new list under the same name after DEL, RENAME and expiry.
        r.rename("c", "c2")
        self.assertEqual(r.lrange("c2", 0, 4), model[:5])
        self.assertEqual(r.lrange("c", 0, -1), [])
        r.rpush("c", "fresh")
        self.assertEqual(r.lrange("c", 0, -1), [b"fresh"])
        r.pexpire("c", 1)
        time.sleep(0.05)
        self.assertEqual(r.lrange("c", 0, -1), [])
        r.rpush("c", "again")
        self.assertEqual(r.lrange("c", 0, -1), [b"again"])
        r.delete("c2")
        self.assertEqual(r.lrange("c2", 0, 9), [])
        # Off: the engine answers the same, and INFO shows an empty cache.
        r.rpush("e", *range(100))
        self.assertEqual(r.lrange("e", 0, 4), [b"0", b"1", b"2", b"3", b"4"])
        r.config_set("list-cache-size", "0")
        try:
            self.assertEqual(self.stat("list_cache_entries"), 0)
            self.assertEqual(r.lpop("e", 3), [b"0", b"1", b"2"])
            self.assertEqual(r.lrange("e", 0, 1), [b"3", b"4"])
            self.assertEqual(self.stat("list_cache_entries"), 0)
        finally:
            r.config_set("list-cache-size", "64mb")
        self.assertEqual(r.lrange("e", -2, -1), [b"98", b"99"])

if __name__ == "__main__":
    unittest.main()
