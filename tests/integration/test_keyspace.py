"""Keyspace commands end to end: DEL/UNLINK/EXISTS/TOUCH/TYPE, RENAME/RENAMENX,
COPY, the EXPIRE and TTL families, PERSIST, KEYS, SCAN (10 000 keys, each
exactly once), RANDOMKEY, DBSIZE, FLUSHDB/FLUSHALL, SELECT isolation,
SEARCHRANGE, redis-cli --scan, and expiry across a restart."""

import time
import unittest

import redis

from lsmdb_harness import LsmdbServer, ServerTestCase, WRONGTYPE


class KeyspaceCommands(ServerTestCase):
    def test_del_exists_touch_type(self):
        r = self.r
        r.mset({"a": "1", "b": "2", "c": "3"})
        self.assertEqual(r.exists("a", "a", "zz"), 2)
        self.assertEqual(r.touch("a", "b", "zz"), 2)
        self.assertEqual(r.type("a"), b"string")
        self.assertEqual(r.type("zz"), b"none")
        self.assertEqual(r.delete("a", "a", "zz"), 1)
        self.assertEqual(r.unlink("b", "c"), 2)
        self.assertEqual(r.dbsize(), 0)

    def test_rename_and_renamenx(self):
        r = self.r
        self.assertError("no such key", r.rename, "none", "x")
        self.assertError("no such key", r.renamenx, "none", "x")
        r.set("a", "1", ex=100)
        self.assertTrue(r.rename("a", "b"))
        self.assertIsNone(r.get("a"))
        self.assertEqual(r.get("b"), b"1")
        self.assertEqual(r.ttl("b"), 100)
        self.assertTrue(r.rename("b", "b"))
        r.set("c", "3")
        self.assertFalse(r.renamenx("b", "c"))
        self.assertTrue(r.renamenx("b", "d"))
        r.set("e", "5", ex=50)
        self.assertTrue(r.rename("d", "e"))  # overwrites e, keeps d's TTL
        self.assertEqual(r.ttl("e"), 100)

    def test_copy(self):
        r = self.r
        r.set("src", "v", ex=100)
        self.assertTrue(r.copy("src", "dst"))
        self.assertEqual(r.get("dst"), b"v")
        self.assertEqual(r.ttl("dst"), 100)
        r.set("taken", "t")
        self.assertFalse(r.copy("src", "taken"))
        self.assertTrue(r.copy("src", "taken", replace=True))
        self.assertEqual(r.get("taken"), b"v")
        self.assertFalse(r.copy("missing", "x"))
        self.assertTrue(r.copy("src", "src", destination_db=3))
        self.assertError("source and destination objects are the same", r.copy, "src", "src")
        self.assertError("DB index is out of range", r.execute_command, "COPY", "src", "x",
                         "DB", "16")
        r3 = self.srv.client(db=3)
        self.assertEqual(r3.get("src"), b"v")

    def test_expire_family(self):
        r = self.r
        self.assertFalse(r.expire("none", 10))
        self.assertEqual(r.ttl("none"), -2)
        self.assertEqual(r.pttl("none"), -2)
        self.assertEqual(r.expiretime("none"), -2)
        r.set("k", "v")
        self.assertEqual(r.ttl("k"), -1)
        self.assertEqual(r.pttl("k"), -1)
        self.assertEqual(r.execute_command("PEXPIRETIME", "k"), -1)
        self.assertFalse(r.expire("k", 100, xx=True))
        self.assertFalse(r.expire("k", 100, gt=True))
        self.assertTrue(r.expire("k", 100, nx=True))
        self.assertFalse(r.expire("k", 200, nx=True))
        self.assertFalse(r.expire("k", 50, gt=True))
        self.assertTrue(r.expire("k", 200, gt=True))
        self.assertFalse(r.expire("k", 300, lt=True))
        self.assertTrue(r.pexpire("k", 5000, lt=True))
        self.assertEqual(r.ttl("k"), 5)
        self.assertTrue(4000 < r.pttl("k") <= 5000)
        self.assertTrue(r.expireat("k", 4102444800))
        self.assertEqual(r.expiretime("k"), 4102444800)
        self.assertEqual(r.execute_command("PEXPIRETIME", "k"), 4102444800000)
        self.assertTrue(r.pexpireat("k", 4102444800123))
        self.assertEqual(r.execute_command("PEXPIRETIME", "k"), 4102444800123)
        self.assertTrue(r.persist("k"))
        self.assertFalse(r.persist("k"))
        self.assertEqual(r.ttl("k"), -1)
        self.assertError("NX and XX, GT or LT options at the same time are not compatible",
                         r.execute_command, "EXPIRE", "k", "10", "NX", "XX")
        self.assertError("GT and LT options at the same time are not compatible",
                         r.execute_command, "EXPIRE", "k", "10", "GT", "LT")
        self.assertError("Unsupported option foo", r.execute_command, "EXPIRE", "k", "10",
                         "foo")
        self.assertError("invalid expire time in 'expire' command", r.expire, "k",
                         9223372036854775807)
        self.assertError("value is not an integer or out of range", r.execute_command,
                         "EXPIRE", "k", "1.5")
        self.assertTrue(r.expire("k", -1))  # a time in the past deletes
        self.assertEqual(r.exists("k"), 0)
        r.set("k", "v")
        self.assertTrue(r.pexpire("k", 100))
        time.sleep(0.2)
        self.assertIsNone(r.get("k"))

    def test_keys_patterns(self):
        r = self.r
        for k in ["user:1", "user:2", "user:10", "usex", "order:1", "h[llo", "a*b"]:
            r.set(k, "v")
        self.assertEqual(sorted(r.keys("user:*")), [b"user:1", b"user:10", b"user:2"])
        self.assertEqual(sorted(r.keys("user:?")), [b"user:1", b"user:2"])
        self.assertEqual(r.keys("us[a-z]x"), [b"usex"])
        self.assertEqual(sorted(r.keys("user:[^1]")), [b"user:2"])
        self.assertEqual(r.keys("h\\[llo"), [b"h[llo"])
        self.assertEqual(r.keys("a\\*b"), [b"a*b"])
        self.assertEqual(len(r.keys("*")), 7)
        self.assertEqual(r.keys("nothing*"), [])

    def test_scan_ten_thousand_keys_exactly_once(self):
        r = self.r
        keys = ["key:%05d" % i for i in range(10000)]
        pipe = r.pipeline(transaction=False)
        for i in range(0, len(keys), 500):
            pipe.mset({k: "v" for k in keys[i:i + 500]})
        pipe.execute()
        r.set("other", "v")
        self.assertEqual(r.dbsize(), 10001)
        seen = []
        cursor = 0
        while True:
            cursor, batch = r.scan(cursor, match="key:*", count=100)
            seen.extend(batch)
            if cursor == 0:
                break
        self.assertEqual(len(seen), 10000)
        self.assertEqual(sorted(seen), [k.encode() for k in keys])
        # Default COUNT and no pattern, via scan_iter.
        everything = list(r.scan_iter())
        self.assertEqual(len(everything), 10001)
        self.assertEqual(len(set(everything)), 10001)
        # KEYS with a literal prefix.
        self.assertEqual(len(r.keys("key:0999*")), 10)

    def test_scan_options_and_errors(self):
        r = self.r
        r.mset({"a": "1", "b": "2"})
        cursor, keys = r.scan(0, _type="string", count=1000)
        self.assertEqual((cursor, sorted(keys)), (0, [b"a", b"b"]))
        self.assertEqual(r.scan(0, _type="hash", count=1000), (0, []))
        self.assertError("invalid cursor", r.execute_command, "SCAN", "abc")
        self.assertError("invalid cursor", r.execute_command, "SCAN", "123456789")
        self.assertError("syntax error", r.execute_command, "SCAN", "0", "COUNT", "0")
        self.assertError("syntax error", r.execute_command, "SCAN", "0", "FOO", "x")

    def test_randomkey_and_dbsize(self):
        r = self.r
        self.assertIsNone(r.randomkey())
        self.assertEqual(r.dbsize(), 0)
        keys = {("r%d" % i).encode() for i in range(100)}
        r.mset({k: "v" for k in keys})
        picked = {r.randomkey() for _ in range(200)}
        self.assertTrue(picked <= keys)
        self.assertGreater(len(picked), 20)
        self.assertEqual(r.dbsize(), 100)

    def test_select_flushdb_flushall(self):
        r = self.r
        r.set("a", "0")
        r1 = self.srv.client(db=1)
        r1.set("a", "1")
        self.assertEqual(r.get("a"), b"0")
        self.assertEqual(r1.get("a"), b"1")
        self.assertTrue(r1.flushdb())
        self.assertEqual(r1.dbsize(), 0)
        self.assertEqual(r.dbsize(), 1)
        self.assertTrue(r1.flushdb(asynchronous=True))
        r1.set("b", "1")
        self.assertTrue(r.flushall())
        self.assertEqual(r.dbsize(), 0)
        self.assertEqual(r1.dbsize(), 0)
        self.assertError("syntax error", r.execute_command, "FLUSHALL", "FOO")

    def test_searchrange(self):
        r = self.r
        r.mset({"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"})
        nxt, keys = r.execute_command("SEARCHRANGE", "b", "", "LIMIT", "2")
        self.assertEqual((nxt, keys), (b"d", [b"b", b"c"]))
        nxt, keys = r.execute_command("SEARCHRANGE", nxt, "", "LIMIT", "2")
        self.assertEqual((nxt, keys), (b"", [b"d", b"e"]))
        self.assertEqual(r.execute_command("SEARCHRANGE", "a", "c"), [b"", [b"a", b"b"]])
        self.assertError("LIMIT must be positive", r.execute_command, "SEARCHRANGE", "a", "",
                         "LIMIT", "0")

    def test_redis_cli_scan_and_keys(self):
        for i in range(50):
            self.r.set("cli:%d" % i, i)
        self.r.set("zzz", "1")
        code, out = self.srv.cli("--scan", "--pattern", "cli:*")
        self.assertEqual(code, 0)
        self.assertEqual(sorted(out.split()), sorted("cli:%d" % i for i in range(50)))
        self.assertEqual(self.srv.cli("dbsize"), (0, "51\n"))
        self.assertEqual(self.srv.cli("exists", "zzz", "cli:1"), (0, "2\n"))
        self.assertEqual(self.srv.cli("type", "zzz"), (0, "string\n"))
        self.assertEqual(self.srv.cli("ttl", "zzz"), (0, "-1\n"))


class KeyspacePersistence(unittest.TestCase):
    def test_expiry_and_flush_survive_restart(self):
        with LsmdbServer() as srv:
            r = srv.client()
            r.set("keep", "v")
            r.set("ttl", "v", ex=1000)
            r.set("short", "v", px=300)
            r.expireat("at", 4102444800)
            r.set("at", "v", exat=4102444800)
            srv.client(db=2).set("flushed", "v")
            srv.client(db=2).flushdb()
            srv.restart()
            r = srv.client()
            self.assertEqual(r.get("keep"), b"v")
            self.assertTrue(998 <= r.ttl("ttl") <= 1000)
            self.assertEqual(r.expiretime("at"), 4102444800)
            self.assertEqual(srv.client(db=2).dbsize(), 0)
            time.sleep(0.4)
            self.assertIsNone(r.get("short"))
            self.assertEqual(sorted(r.keys("*")), [b"at", b"keep", b"ttl"])


if __name__ == "__main__":
    unittest.main()
