"""Blocking pops over real sockets: BLPOP/BRPOP/BLMOVE/BRPOPLPUSH/BZPOPMIN/
BZPOPMAX/BLMPOP/BZMPOP woken by other clients, FIFO service, timeouts, errors,
pipelined commands held while blocked, and MULTI's non-blocking behaviour."""

import threading
import time
import unittest

import redis

from lsmdb_harness import LsmdbServer, encode, read_until


def later(delay, fn, *args):
    t = threading.Timer(delay, fn, args)
    t.start()
    return t


class Blocking(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer()

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def setUp(self):
        self.r = self.srv.client()
        self.r.flushall()

    def test_blpop_serves_existing_data_at_once(self):
        self.r.rpush("l1", "a", "b")
        self.assertEqual(self.r.blpop(["nol", "l1"], timeout=1), (b"l1", b"a"))
        self.assertEqual(self.r.brpop(["l1"], timeout=1), (b"l1", b"b"))
        self.assertEqual(self.r.exists("l1"), 0)

    def test_blpop_woken_by_push_from_other_client(self):
        t = later(0.2, self.srv.client().rpush, "wl", "v")
        start = time.time()
        self.assertEqual(self.r.blpop(["x", "wl"], timeout=0), (b"wl", b"v"))
        self.assertGreater(time.time() - start, 0.15)
        t.join()
        self.assertEqual(self.r.exists("wl"), 0)

    def test_blpop_times_out_with_null(self):
        start = time.time()
        self.assertIsNone(self.r.blpop(["none"], timeout=0.3))
        elapsed = time.time() - start
        self.assertGreater(elapsed, 0.25)
        self.assertLess(elapsed, 2)
        s = self.srv.raw()
        s.sendall(encode("BRPOP", "none", "0.1"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"\r\n")), b"*-1\r\n")
        s.sendall(encode("HELLO", "3"))
        read_until(s, lambda d: d.endswith(b"*0\r\n"))
        s.sendall(encode("BLPOP", "none", "0.1"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"\r\n")), b"_\r\n")
        s.close()

    def test_timeout_errors(self):
        for bad, msg in (("abc", "timeout is not a float or out of range"),
                         ("-1", "timeout is negative"),
                         ("nan", "timeout is not a float or out of range")):
            with self.assertRaises(redis.ResponseError) as cm:
                self.r.execute_command("BLPOP", "k", bad)
            self.assertEqual(str(cm.exception), msg)

    def test_wrong_type(self):
        self.r.set("s", "x")
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.blpop(["s"], timeout=0.1)
        self.assertIn("WRONGTYPE", str(cm.exception))

    def test_fifo_order_and_one_element_each(self):
        results = {}

        def waiter(name):
            c = self.srv.client()
            results[name] = c.blpop(["fifo"], timeout=5)

        threads = []
        for name in ("first", "second", "third"):
            t = threading.Thread(target=waiter, args=(name,))
            t.start()
            threads.append(t)
            time.sleep(0.15)  # block in this order
        self.r.rpush("fifo", "e1", "e2", "e3")
        for t in threads:
            t.join()
        self.assertEqual(results, {"first": (b"fifo", b"e1"), "second": (b"fifo", b"e2"),
                                   "third": (b"fifo", b"e3")})
        self.assertEqual(self.r.exists("fifo"), 0)

    def test_two_waiters_one_element(self):
        results = []

        def waiter():
            results.append(self.srv.client().blpop(["one"], timeout=1))

        threads = [threading.Thread(target=waiter) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.2)
        self.r.lpush("one", "only")
        for t in threads:
            t.join()
        self.assertEqual(sorted(results, key=lambda x: x is None),
                         [(b"one", b"only"), None])

    def test_blmove_and_brpoplpush(self):
        t = later(0.2, self.srv.client().rpush, "src", "a", "b")
        self.assertEqual(self.r.blmove("src", "dst", 2, "RIGHT", "LEFT"), b"b")
        t.join()
        self.assertEqual(self.r.brpoplpush("src", "dst", 1), b"a")
        self.assertEqual(self.r.lrange("dst", 0, -1), [b"a", b"b"])
        self.assertIsNone(self.r.brpoplpush("src", "dst", 0.1))
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command("BLMOVE", "src", "dst", "UP", "LEFT", "0")
        self.assertEqual(str(cm.exception), "syntax error")

    def test_blmove_wakes_waiter_on_destination(self):
        got = []
        t = threading.Thread(target=lambda: got.append(self.srv.client().blpop(["d2"], 3)))
        t.start()
        time.sleep(0.2)
        self.r.rpush("s2", "m")
        self.assertEqual(self.r.blmove("s2", "d2", 1, "LEFT", "RIGHT"), b"m")
        t.join()
        self.assertEqual(got, [(b"d2", b"m")])

    def test_bzpopmin_bzpopmax(self):
        self.r.zadd("z", {"a": 1, "b": 2, "c": 3})
        self.assertEqual(self.r.bzpopmin(["z"], 1), (b"z", b"a", 1.0))
        self.assertEqual(self.r.bzpopmax(["z"], 1), (b"z", b"c", 3.0))
        t = later(0.2, self.srv.client().zadd, "z2", {"m": 5.5})
        self.assertEqual(self.r.bzpopmax(["z2"], 2), (b"z2", b"m", 5.5))
        t.join()
        self.assertIsNone(self.r.bzpopmin(["z2"], 0.1))

    def test_blmpop_bzmpop(self):
        self.r.rpush("ml", "1", "2", "3")
        self.assertEqual(self.r.execute_command("BLMPOP", "1", "2", "x", "ml", "LEFT",
                                                "COUNT", "2"), [b"ml", [b"1", b"2"]])
        self.assertEqual(self.r.execute_command("LMPOP", "1", "ml", "RIGHT"), [b"ml", [b"3"]])
        self.assertIsNone(self.r.execute_command("BLMPOP", "0.1", "1", "ml", "LEFT"))
        self.r.zadd("mz", {"a": 1, "b": 2})
        self.assertEqual(self.r.execute_command("BZMPOP", "1", "1", "mz", "MAX"),
                         [b"mz", [[b"b", b"2"]]])
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command("BLMPOP", "1", "0", "ml", "LEFT")
        self.assertEqual(str(cm.exception), "numkeys should be greater than 0")
        t = later(0.2, self.srv.client().zadd, "mz2", {"q": 1})
        self.assertEqual(self.r.execute_command("BZMPOP", "2", "1", "mz2", "MIN"),
                         [b"mz2", [[b"q", b"1"]]])
        t.join()

    def test_pipelined_commands_wait_for_the_blocked_one(self):
        s = self.srv.raw()
        s.sendall(encode("BLPOP", "pl", "0") + encode("PING"))
        self.assertEqual(read_until(s, lambda d: len(d) > 0, timeout=0.3), b"")
        self.r.rpush("pl", "v")
        self.assertEqual(read_until(s, lambda d: d.endswith(b"+PONG\r\n")),
                         b"*2\r\n$2\r\npl\r\n$1\r\nv\r\n+PONG\r\n")
        s.close()

    def test_blocking_in_multi_does_not_block(self):
        p = self.r.pipeline(transaction=True)
        p.blpop(["empty"], timeout=0).brpoplpush("empty", "d", 0).bzpopmin(["empty"], 0)
        self.assertEqual(p.execute(), [None, None, None])

    def test_disconnected_waiter_passes_the_element_on(self):
        s = self.srv.raw()
        s.sendall(encode("BLPOP", "dc", "0"))
        time.sleep(0.1)
        s.close()
        time.sleep(0.1)
        got = []
        t = threading.Thread(target=lambda: got.append(self.srv.client().blpop(["dc"], 3)))
        t.start()
        time.sleep(0.2)
        self.r.rpush("dc", "x")
        t.join()
        self.assertEqual(got, [(b"dc", b"x")])

    def test_push_in_multi_wakes_waiter(self):
        got = []
        t = threading.Thread(target=lambda: got.append(self.srv.client().brpop(["mw"], 3)))
        t.start()
        time.sleep(0.2)
        p = self.r.pipeline(transaction=True)
        p.rpush("mw", "a").rpush("mw", "b")
        p.execute()
        t.join()
        self.assertEqual(got, [(b"mw", b"b")])
        self.assertEqual(self.r.lrange("mw", 0, -1), [b"a"])


if __name__ == "__main__":
    unittest.main()
