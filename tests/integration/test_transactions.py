"""MULTI/EXEC/DISCARD/WATCH/UNWATCH over real sockets: Redis 7.0 replies,
WATCH conflicts between clients, atomicity against concurrent clients, and
all-or-nothing durability of EXEC across kill -9."""

import signal
import threading
import time
import unittest

import redis

from lsmdb_harness import LsmdbServer, encode, read_until


class Transactions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer()

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def setUp(self):
        self.r = self.srv.client()
        self.r.flushall()

    def test_exec_runs_queue_and_returns_replies(self):
        p = self.r.pipeline(transaction=True)
        p.set("a", 1).incr("a").lpush("l", "x", "y").get("a")
        self.assertEqual(p.execute(), [True, 2, 2, b"2"])

    def test_queued_replies_and_errors_raw(self):
        s = self.srv.raw()
        s.sendall(encode("MULTI") + encode("SET", "k", "v") + encode("EXEC"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"+OK\r\n") and b"*1" in d),
                         b"+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n")
        s.sendall(encode("EXEC"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"\r\n")),
                         b"-ERR EXEC without MULTI\r\n")
        s.sendall(encode("DISCARD"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"\r\n")),
                         b"-ERR DISCARD without MULTI\r\n")
        s.sendall(encode("MULTI") + encode("MULTI") + encode("WATCH", "x") + encode("DISCARD"))
        want = (b"+OK\r\n-ERR MULTI calls can not be nested\r\n"
                b"-ERR WATCH inside MULTI is not allowed\r\n+OK\r\n")
        self.assertEqual(read_until(s, lambda d: len(d) >= len(want)), want)
        s.sendall(encode("MULTI") + encode("EXEC"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"*0\r\n")), b"+OK\r\n*0\r\n")
        s.close()

    def test_queue_error_aborts_with_execabort(self):
        s = self.srv.raw()
        s.sendall(encode("MULTI") + encode("SET", "k", "v") + encode("NOSUCHCMD") +
                  encode("GET") + encode("EXEC") + encode("EXISTS", "k"))
        data = read_until(s, lambda d: d.endswith(b":0\r\n"))
        self.assertIn(b"-ERR unknown command 'NOSUCHCMD'", data)
        self.assertIn(b"-ERR wrong number of arguments for 'get' command", data)
        self.assertIn(b"-EXECABORT Transaction discarded because of previous errors.\r\n", data)
        s.close()
        self.assertEqual(self.r.exists("k"), 0)

    def test_runtime_errors_do_not_roll_back(self):
        self.r.set("str", "x")
        p = self.r.pipeline(transaction=True)
        p.set("a", "1").lpush("str", "e").set("b", "2")
        res = p.execute(raise_on_error=False)
        self.assertEqual(res[0], True)
        self.assertIsInstance(res[1], redis.ResponseError)
        self.assertIn("WRONGTYPE", str(res[1]))
        self.assertEqual(res[2], True)
        self.assertEqual(self.r.mget("a", "b"), [b"1", b"2"])

    def test_discard_drops_queue(self):
        s = self.srv.raw()
        s.sendall(encode("MULTI") + encode("SET", "d", "1") + encode("DISCARD") +
                  encode("EXISTS", "d"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b":0\r\n")),
                         b"+OK\r\n+QUEUED\r\n+OK\r\n:0\r\n")
        s.close()

    def test_watch_conflict_from_other_client(self):
        other = self.srv.client()
        self.r.set("w", "1")
        with self.r.pipeline() as p:
            p.watch("w")
            other.set("w", "2")
            p.multi()
            p.set("w", "3")
            with self.assertRaises(redis.WatchError):
                p.execute()
        self.assertEqual(self.r.get("w"), b"2")

    def test_watch_untouched_executes(self):
        other = self.srv.client()
        self.r.set("w", "1")
        with self.r.pipeline() as p:
            p.watch("w")
            other.set("unrelated", "x")
            p.multi()
            p.incr("w")
            self.assertEqual(p.execute(), [2])

    def test_watch_null_reply_raw_and_unwatch(self):
        other = self.srv.client()
        s = self.srv.raw()
        s.sendall(encode("WATCH", "k1"))
        read_until(s, lambda d: d.endswith(b"+OK\r\n"))
        other.set("k1", "x")
        s.sendall(encode("MULTI") + encode("PING") + encode("EXEC"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"*-1\r\n")),
                         b"+OK\r\n+QUEUED\r\n*-1\r\n")
        # After EXEC nothing is watched any more.
        s.sendall(encode("WATCH", "k1") + encode("UNWATCH"))
        read_until(s, lambda d: d.count(b"+OK") == 2)
        other.set("k1", "y")
        s.sendall(encode("MULTI") + encode("PING") + encode("EXEC"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"+PONG\r\n")),
                         b"+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n")
        s.close()

    def test_watch_stale_and_absent_keys(self):
        other = self.srv.client()
        # Deleting a watched key that does not exist changes nothing.
        with self.r.pipeline() as p:
            p.watch("absent")
            other.delete("absent")
            p.multi()
            p.ping()
            self.assertEqual(p.execute(), [True])
        # Creating it does.
        with self.r.pipeline() as p:
            p.watch("absent")
            other.set("absent", "now")
            p.multi()
            p.ping()
            with self.assertRaises(redis.WatchError):
                p.execute()
        # FLUSHALL touches watched keys that exist...
        self.r.set("fk", "1")
        with self.r.pipeline() as p:
            p.watch("fk")
            other.flushall()
            p.multi()
            p.ping()
            with self.assertRaises(redis.WatchError):
                p.execute()
        # ... and not the ones that do not.
        with self.r.pipeline() as p:
            p.watch("nothere")
            other.flushdb()
            p.multi()
            p.ping()
            self.assertEqual(p.execute(), [True])

    def test_watched_key_expiring_aborts(self):
        self.r.set("exp", "1", px=100)
        with self.r.pipeline() as p:
            p.watch("exp")
            time.sleep(0.25)
            p.multi()
            p.ping()
            with self.assertRaises(redis.WatchError):
                p.execute()

    def test_watch_in_other_db_is_separate(self):
        other = self.srv.client(db=1)
        with self.r.pipeline() as p:
            p.watch("dbk")
            other.set("dbk", "x")
            p.multi()
            p.ping()
            self.assertEqual(p.execute(), [True])

    def test_exec_is_atomic_against_other_clients(self):
        # Another client hammering INCR never sees the two keys differ.
        self.r.mset({"x": 0, "y": 0})
        stop = threading.Event()
        bad = []

        def reader():
            c = self.srv.client()
            while not stop.is_set():
                x, y = c.mget("x", "y")
                if x != y:
                    bad.append((x, y))

        t = threading.Thread(target=reader)
        t.start()
        try:
            for _ in range(200):
                p = self.r.pipeline(transaction=True)
                p.incr("x").incr("y")
                p.execute()
        finally:
            stop.set()
            t.join()
        self.assertEqual(bad, [])
        self.assertEqual(self.r.mget("x", "y"), [b"200", b"200"])

    def test_reset_discards_transaction(self):
        s = self.srv.raw()
        s.sendall(encode("MULTI") + encode("SET", "rk", "1") + encode("RESET") +
                  encode("EXEC"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"MULTI\r\n")),
                         b"+OK\r\n+QUEUED\r\n+RESET\r\n-ERR EXEC without MULTI\r\n")
        s.close()


class TransactionDurability(unittest.TestCase):
    def test_acknowledged_exec_survives_kill_9(self):
        with LsmdbServer(["--appendfsync", "always"]) as srv:
            r = srv.client()
            p = r.pipeline(transaction=True)
            for i in range(50):
                p.set("t%d" % i, "v%d" % i)
            p.rpush("tl", *range(20))
            p.execute()
            srv.stop(sig=signal.SIGKILL)
            srv.start()
            r = srv.client()
            self.assertEqual(r.mget(["t%d" % i for i in range(50)]),
                             [b"v%d" % i for i in range(50)])
            self.assertEqual(r.llen("tl"), 20)

    def test_transactions_are_all_or_nothing_after_kill_9(self):
        with LsmdbServer() as srv:
            stop = threading.Event()
            done = [0]

            def writer():
                c = srv.client()
                i = 0
                try:
                    while not stop.is_set():
                        p = c.pipeline(transaction=True)
                        p.set("a%d" % i, i).set("b%d" % i, i).rpush("c", i)
                        p.execute()
                        i += 1
                        done[0] = i
                except (redis.ConnectionError, OSError):
                    pass

            threads = [threading.Thread(target=writer)]
            threads[0].start()
            time.sleep(1.0)
            srv.stop(sig=signal.SIGKILL)
            stop.set()
            threads[0].join()
            srv.start()
            r = srv.client()
            n = done[0]
            self.assertGreater(n, 0)
            keys_a = set(r.keys("a*"))
            keys_b = set(r.keys("b*"))
            self.assertEqual({k[1:] for k in keys_a}, {k[1:] for k in keys_b})
            self.assertEqual(len(keys_a), r.llen("c"))
            # Every acknowledged transaction is there.
            self.assertGreaterEqual(len(keys_a), n)


if __name__ == "__main__":
    unittest.main()
