"""String commands end to end with redis-py and redis-cli: GET/SET and their
options, SETNX/SETEX/PSETEX/GETSET/GETDEL/GETEX, MGET/MSET/MSETNX, APPEND,
STRLEN, GETRANGE/SUBSTR/SETRANGE, the INCR family, binary keys, 1 MB values,
expiry across a restart and atomic INCR from many connections."""

import threading
import time
import unittest

import redis

from lsmdb_harness import LsmdbServer, encode, read_until


class StringCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer()

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def setUp(self):
        self.r = self.srv.client()
        self.r.flushall()

    def raw(self, *args):
        """Sends one command on a raw socket and returns the raw reply bytes."""
        with self.srv.raw() as sock:
            sock.sendall(encode(*args))
            return read_until(sock, lambda d: d.endswith(b"\r\n"))

    def assertError(self, text, fn, *args):
        with self.assertRaises(redis.ResponseError) as ctx:
            fn(*args)
        self.assertEqual(str(ctx.exception), text)

    def test_get_set_basics(self):
        r = self.r
        self.assertIsNone(r.get("k"))
        self.assertTrue(r.set("k", "v"))
        self.assertEqual(r.get("k"), b"v")
        self.assertTrue(r.set("k", ""))
        self.assertEqual(r.get("k"), b"")
        self.assertError("wrong number of arguments for 'get' command", r.execute_command,
                         "GET")

    def test_binary_keys_and_values(self):
        r = self.r
        key = b"a\x00b\r\nc"
        value = bytes(range(256)) * 4
        r.set(key, value)
        self.assertEqual(r.get(key), value)
        self.assertEqual(r.strlen(key), 1024)
        self.assertEqual(r.keys("a*"), [key])
        self.assertEqual(r.exists(key), 1)
        self.assertIsNone(r.get(b"a"))

    def test_one_megabyte_value(self):
        r = self.r
        value = b"x" * (1 << 20)
        r.set("big", value)
        self.assertEqual(r.get("big"), value)
        self.assertEqual(r.append("big", b"yz"), (1 << 20) + 2)
        self.assertEqual(r.getrange("big", -2, -1), b"yz")

    def test_set_nx_xx_get(self):
        r = self.r
        self.assertTrue(r.set("k", "1", nx=True))
        self.assertIsNone(r.set("k", "2", nx=True))
        self.assertIsNone(r.set("other", "2", xx=True))
        self.assertEqual(r.set("k", "3", xx=True, get=True), b"1")
        self.assertIsNone(r.set("new", "x", get=True))
        self.assertEqual(r.get("new"), b"x")
        self.assertEqual(self.raw("SET", "k", "4", "NX", "GET"), b"$1\r\n3\r\n")
        self.assertEqual(r.get("k"), b"3")
        self.assertError("syntax error", r.execute_command, "SET", "k", "v", "NX", "XX")
        self.assertError("syntax error", r.execute_command, "SET", "k", "v", "EX")
        self.assertError("syntax error", r.execute_command, "SET", "k", "v", "KEEPTTL", "PX",
                         "1")

    def test_set_expiry_options(self):
        r = self.r
        r.set("k", "v", ex=100)
        self.assertEqual(r.ttl("k"), 100)
        r.set("k", "v", px=50000)
        self.assertTrue(49000 <= r.pttl("k") <= 50000)
        r.set("k", "v", exat=int(time.time()) + 200)
        self.assertTrue(199 <= r.ttl("k") <= 200)
        r.set("k", "v", pxat=int(time.time() * 1000) + 300000)
        self.assertTrue(299 <= r.ttl("k") <= 300)
        r.set("k", "v2", keepttl=True)
        self.assertTrue(299 <= r.ttl("k") <= 300)
        r.set("k", "v3")
        self.assertEqual(r.ttl("k"), -1)
        r.set("k", "v", pxat=1)
        self.assertIsNone(r.get("k"))
        self.assertError("invalid expire time in 'set' command", r.set, "k", "v", 0)
        self.assertError("invalid expire time in 'set' command", r.execute_command, "SET",
                         "k", "v", "PX", "-1")
        self.assertError("value is not an integer or out of range", r.execute_command, "SET",
                         "k", "v", "EX", "1.5")

    def test_expiry_is_lazy_and_exact(self):
        r = self.r
        r.set("k", "v", px=100)
        self.assertEqual(r.get("k"), b"v")
        time.sleep(0.2)
        self.assertIsNone(r.get("k"))
        self.assertEqual(r.ttl("k"), -2)
        self.assertEqual(r.exists("k"), 0)
        self.assertTrue(r.set("k", "again", nx=True))

    def test_setnx_setex_psetex_getset(self):
        r = self.r
        self.assertTrue(r.setnx("k", "1"))
        self.assertFalse(r.setnx("k", "2"))
        self.assertTrue(r.setex("k", 100, "v"))
        self.assertEqual(r.ttl("k"), 100)
        self.assertTrue(r.psetex("k", 100000, "v"))
        self.assertEqual(r.ttl("k"), 100)
        self.assertError("invalid expire time in 'setex' command", r.setex, "k", -1, "v")
        self.assertError("invalid expire time in 'psetex' command", r.psetex, "k", 0, "v")
        self.assertEqual(r.getset("k", "w"), b"v")
        self.assertEqual(r.ttl("k"), -1)
        self.assertIsNone(r.getset("none", "x"))

    def test_getdel_getex(self):
        r = self.r
        r.set("k", "v")
        self.assertEqual(r.getex("k", ex=100), b"v")
        self.assertEqual(r.ttl("k"), 100)
        self.assertEqual(r.getex("k", persist=True), b"v")
        self.assertEqual(r.ttl("k"), -1)
        self.assertEqual(r.getex("k", px=5000), b"v")
        self.assertEqual(r.ttl("k"), 5)
        self.assertEqual(r.getex("k"), b"v")
        self.assertEqual(r.getex("k", exat=1), b"v")
        self.assertEqual(r.exists("k"), 0)
        self.assertIsNone(r.getex("missing", ex=10))
        self.assertError("syntax error", r.execute_command, "GETEX", "k", "PERSIST", "EX", "1")
        r.set("k", "v")
        self.assertEqual(r.getdel("k"), b"v")
        self.assertIsNone(r.getdel("k"))

    def test_mget_mset_msetnx(self):
        r = self.r
        self.assertTrue(r.mset({"a": "1", "b": "2"}))
        self.assertEqual(r.mget("a", "x", "b"), [b"1", None, b"2"])
        self.assertFalse(r.msetnx({"a": "9", "c": "3"}))
        self.assertIsNone(r.get("c"))
        self.assertTrue(r.msetnx({"c": "3", "d": "4"}))
        self.assertEqual(r.mget(["c", "d"]), [b"3", b"4"])
        self.assertError("wrong number of arguments for 'mset' command", r.execute_command,
                         "MSET", "a", "1", "b")
        r.set("t", "v", ex=100)
        r.mset({"t": "w"})
        self.assertEqual(r.ttl("t"), -1)

    def test_append_strlen_ranges(self):
        r = self.r
        self.assertEqual(r.append("k", "Hello"), 5)
        self.assertEqual(r.append("k", " World"), 11)
        self.assertEqual(r.strlen("k"), 11)
        self.assertEqual(r.strlen("none"), 0)
        self.assertEqual(r.getrange("k", 0, 4), b"Hello")
        self.assertEqual(r.getrange("k", -5, -1), b"World")
        self.assertEqual(r.getrange("k", 5, 100), b" World")
        self.assertEqual(r.getrange("k", -1, -5), b"")
        self.assertEqual(r.getrange("none", 0, -1), b"")
        self.assertEqual(r.substr("k", 0, 0), b"H")
        self.assertEqual(r.setrange("k", 6, "Redis"), 11)
        self.assertEqual(r.get("k"), b"Hello Redis")
        self.assertEqual(r.setrange("pad", 3, "x"), 4)
        self.assertEqual(r.get("pad"), b"\x00\x00\x00x")
        self.assertEqual(r.setrange("empty", 5, ""), 0)
        self.assertEqual(r.exists("empty"), 0)
        self.assertError("offset is out of range", r.setrange, "k", -1, "x")
        self.assertError("string exceeds maximum allowed size (proto-max-bulk-len)",
                         r.setrange, "k", 512 * 1024 * 1024, "x")
        r.set("t", "abc", ex=100)
        r.append("t", "d")
        r.setrange("t", 0, "A")
        self.assertEqual(r.get("t"), b"Abcd")
        self.assertEqual(r.ttl("t"), 100)

    def test_incr_family(self):
        r = self.r
        self.assertEqual(r.incr("n"), 1)
        self.assertEqual(r.incrby("n", 10), 11)
        self.assertEqual(r.decr("n"), 10)
        self.assertEqual(r.decrby("n", 20), -10)
        self.assertEqual(r.get("n"), b"-10")
        r.set("n", "9223372036854775807")
        self.assertError("increment or decrement would overflow", r.incr, "n")
        r.set("n", "-9223372036854775808")
        self.assertError("increment or decrement would overflow", r.decr, "n")
        self.assertError("decrement would overflow", r.execute_command, "DECRBY", "n",
                         "-9223372036854775808")
        for bad in [" 1", "1 ", "+1", "01", "abc", "1.0", ""]:
            r.set("bad", bad)
            self.assertError("value is not an integer or out of range", r.incr, "bad")
        self.assertError("value is not an integer or out of range", r.execute_command,
                         "INCRBY", "n", "1x")
        r.set("t", "5", ex=100)
        self.assertEqual(r.incr("t"), 6)
        self.assertEqual(r.ttl("t"), 100)

    def test_incrbyfloat(self):
        r = self.r
        r.set("f", "10.50")
        self.assertEqual(r.incrbyfloat("f", 0.1), 10.6)
        self.assertEqual(self.raw("INCRBYFLOAT", "f", "-5"), b"$3\r\n5.6\r\n")
        self.assertEqual(r.get("f"), b"5.6")
        r.set("g", "5.0e3")
        self.assertEqual(self.raw("INCRBYFLOAT", "g", "2.0e2"), b"$4\r\n5200\r\n")
        self.assertEqual(self.raw("INCRBYFLOAT", "new", "1"), b"$1\r\n1\r\n")
        r.set("g", "17179869184")
        r.incrbyfloat("g", 1.5)
        self.assertEqual(r.get("g"), b"17179869185.5")
        self.assertError("increment would produce NaN or Infinity", r.execute_command,
                         "INCRBYFLOAT", "g", "+inf")
        self.assertError("value is not a valid float", r.execute_command, "INCRBYFLOAT", "g",
                         "abc")
        r.set("s", " 11")
        self.assertError("value is not a valid float", r.incrbyfloat, "s", 1.0)

    def test_wrong_type(self):
        r = self.r
        try:
            r.execute_command("HSET", "h", "f", "v")
        except redis.ResponseError:
            self.skipTest("no collection commands yet")
        msg = "WRONGTYPE Operation against a key holding the wrong kind of value"
        for fn, args in [(r.get, ("h",)), (r.incr, ("h",)), (r.append, ("h", "x")),
                         (r.strlen, ("h",)), (r.getrange, ("h", 0, 1)),
                         (r.setrange, ("h", 0, "x")), (r.getdel, ("h",)),
                         (r.incrbyfloat, ("h", 1.0))]:
            self.assertError(msg, fn, *args)
        self.assertError(msg, r.execute_command, "SET", "h", "v", "GET")
        self.assertEqual(r.mget("h"), [None])
        self.assertTrue(r.set("h", "string now"))

    def test_redis_cli(self):
        code, out = self.srv.cli("set", "cli", "hello world")
        self.assertEqual((code, out), (0, "OK\n"))
        self.assertEqual(self.srv.cli("get", "cli"), (0, "hello world\n"))
        self.assertEqual(self.srv.cli("incr", "cnt"), (0, "1\n"))
        self.assertEqual(self.srv.cli("get", "missing"), (0, "\n"))
        self.assertEqual(self.srv.cli("mget", "cli", "cnt"), (0, "hello world\n1\n"))
        code, out = self.srv.cli("incr", "cli")
        self.assertIn("ERR value is not an integer or out of range", out)

    def test_concurrent_incr_is_atomic(self):
        threads, per_thread = 8, 250

        def work():
            c = self.srv.client()
            for _ in range(per_thread):
                c.incr("counter")
                c.append("log", "x")

        ts = [threading.Thread(target=work) for _ in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(int(self.r.get("counter")), threads * per_thread)
        self.assertEqual(self.r.strlen("log"), threads * per_thread)


class StringPersistence(unittest.TestCase):
    def test_values_and_ttls_survive_restart(self):
        with LsmdbServer() as srv:
            r = srv.client()
            r.set("plain", "v")
            r.set("ttl", "v", ex=1000)
            r.set("short", "v", px=300)
            r.set(b"bin\x00\r\n", b"\x00\xff")
            r.incrbyfloat("f", 1.5)
            srv.restart()
            r = srv.client()
            self.assertEqual(r.get("plain"), b"v")
            self.assertTrue(998 <= r.ttl("ttl") <= 1000)
            self.assertEqual(r.get(b"bin\x00\r\n"), b"\x00\xff")
            self.assertEqual(r.get("f"), b"1.5")
            time.sleep(0.4)
            self.assertIsNone(r.get("short"))
            srv.restart()
            self.assertIsNone(srv.client().get("short"))
            self.assertEqual(srv.client().dbsize(), 4)


if __name__ == "__main__":
    unittest.main()
