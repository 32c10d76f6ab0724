"""Replication end to end, with real lsmdb-server processes on loopback ports:
a primary and two replicas under 20 000 mixed writes (WAIT, then every key
equal on all three), kill -9 of a replica during writes (partial resync),
a replica behind a tiny backlog (full sync), a TCP proxy cut and restored
between replica and primary, manual failover (promote, then the old primary
follows the new one, live and after a restart), a chained replica, WAIT
timeouts, min-replicas-to-write, READONLY, ROLE and INFO replication."""

import random
import signal
import socket
import threading
import time
import unittest

import redis

from lsmdb_harness import LsmdbServer


def replica_args(primary_port, *extra):
    return ["--replicaof", "127.0.0.1 %d" % primary_port] + list(extra)


def wait_until(predicate, timeout=30, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return
        except (redis.ConnectionError, redis.TimeoutError):
            pass
        time.sleep(interval)
    raise AssertionError("timed out waiting for " + what)


def info(r, section):
    return r.info(section)


def link_up(r):
    return info(r, "replication").get("master_link_status") == "up"


class Proxy:
    """A TCP proxy on a free loopback port to 127.0.0.1:target. cut() closes
    every proxied connection and refuses new ones until restore()."""

    def __init__(self, target):
        self.target = target
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.enabled = True
        self.lock = threading.Lock()
        self.socks = []
        self.accepted = 0
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.enabled:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.socks += [client, upstream]
                self.accepted += 1
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(1 << 16)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        self.enabled = False
        with self.lock:
            socks, self.socks = self.socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def restore(self):
        self.enabled = True

    def close(self):
        self.running = False
        self.cut()
        self.listener.close()


class Replication(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        probe = LsmdbServer()
        try:
            names = set()
            for name in ("hset", "rpush", "sadd", "zadd", "multi", "pexpiretime"):
                try:
                    if probe.command("COMMAND", "INFO", name)[0]:
                        names.add(name)
                except redis.ResponseError:
                    pass
            cls.available = names
        finally:
            probe.close()

    def setUp(self):
        self.servers = []
        self.proxies = []

    def tearDown(self):
        for p in self.proxies:
            p.close()
        for s in self.servers:
            s.close()

    def start(self, *args):
        srv = LsmdbServer(args=list(args))
        self.servers.append(srv)
        return srv

    # ---- data comparison ----

    def snapshot(self, r):
        """{key: (type, value, has_ttl, expiretime-or-None)} of db 0."""
        keys = sorted(r.scan_iter(count=1000))
        pipe = r.pipeline(transaction=False)
        for k in keys:
            pipe.type(k)
        types = pipe.execute()
        pipe = r.pipeline(transaction=False)
        for k, t in zip(keys, types):
            if t == b"string":
                pipe.get(k)
            elif t == b"hash":
                pipe.hgetall(k)
            elif t == b"list":
                pipe.lrange(k, 0, -1)
            elif t == b"set":
                pipe.smembers(k)
            elif t == b"zset":
                pipe.zrange(k, 0, -1, withscores=True)
            else:
                pipe.exists(k)
            if "pexpiretime" in self.available:
                pipe.execute_command("PEXPIRETIME", k)
            else:
                pipe.pttl(k)
        flat = pipe.execute()
        out = {}
        for i, (k, t) in enumerate(zip(keys, types)):
            value, ttl = flat[2 * i], flat[2 * i + 1]
            if "pexpiretime" not in self.available and ttl > 0:
                ttl = "ttl"  # a relative TTL differs by the time between reads
            out[k] = (t, value, ttl)
        return out

    def assertSameData(self, primary, *replicas):
        # Keys with a short TTL may expire between reads: leave them out.
        expected = self.snapshot(primary)
        self.assertGreater(len(expected), 0)
        for rep in replicas:
            got = self.snapshot(rep)
            if got != expected:
                missing = [k for k in expected if k not in got][:5]
                extra = [k for k in got if k not in expected][:5]
                differ = [k for k in expected if k in got and got[k] != expected[k]][:5]
                self.fail("replica differs: %d vs %d keys; missing %s extra %s differ %s" %
                          (len(got), len(expected), missing, extra,
                           [(k, expected[k], got[k]) for k in differ]))

    def mixed_writes(self, r, n, seed, prefix="k"):
        rnd = random.Random(seed)
        pipe = r.pipeline(transaction=False)
        for i in range(n):
            op = rnd.randrange(100)
            key = "%s:%d" % (prefix, rnd.randrange(n // 4 + 1))
            if op < 40:
                pipe.set("s" + key, "v%d-" % i + "x" * rnd.randrange(60))
            elif op < 48:
                pipe.set("s" + key, "e%d" % i, ex=1000 + rnd.randrange(1000))
            elif op < 53:
                pipe.expire("s" + key, 2000 + rnd.randrange(1000))
            elif op < 60:
                pipe.delete("s" + key)
            elif op < 65:
                pipe.incrby("c" + key, rnd.randrange(10))
            elif op < 72 and "hset" in self.available:
                pipe.hset("h" + key, "f%d" % rnd.randrange(20), i)
            elif op < 79 and "rpush" in self.available:
                pipe.rpush("l" + key, i)
            elif op < 86 and "sadd" in self.available:
                pipe.sadd("t" + key, rnd.randrange(50))
            elif op < 93 and "zadd" in self.available:
                pipe.zadd("z" + key, {"m%d" % rnd.randrange(30): rnd.random()})
            else:
                pipe.append("s" + key, "+")
            if i % 500 == 499:
                pipe.execute()
        pipe.execute()
        if "multi" in self.available:
            tx = r.pipeline(transaction=True)
            tx.set("%s:tx1" % prefix, "a")
            tx.incr("%s:tx2" % prefix)
            tx.delete("%s:tx3" % prefix)
            tx.execute()

    def sync_stats(self, r):
        s = info(r, "stats")
        return s["sync_full"], s["sync_partial_ok"], s["sync_partial_err"]

    # ---- tests ----

    def test_primary_two_replicas_mixed_writes(self):
        p = self.start()
        pr = p.client()
        pr.set("before", "sync")  # some data goes by full sync, the rest streams
        r1 = self.start(*replica_args(p.port))
        r2 = self.start(*replica_args(p.port))
        wait_until(lambda: info(pr, "replication")["connected_slaves"] == 2, what="2 replicas")
        self.mixed_writes(pr, 20000, seed=1)
        self.assertEqual(pr.wait(2, 20000), 2)
        self.assertSameData(pr, r1.client(), r2.client())
        # FLUSHALL replicates (the replica reloads its epochs) and so do later writes.
        pr.flushall()
        pr.set("after-flush", "1")
        self.assertEqual(pr.wait(2, 10000), 2)
        for rep in (r1, r2):
            self.assertEqual(rep.client().dbsize(), 1)
            self.assertEqual(rep.client().get("after-flush"), b"1")

    def test_readonly_role_and_info(self):
        p = self.start()
        pr = p.client()
        rep = self.start(*replica_args(p.port))
        rr = rep.client()
        wait_until(lambda: link_up(rr), what="link up")
        pr.set("k", "v")
        self.assertEqual(pr.wait(1, 10000), 1)
        self.assertEqual(rr.get("k"), b"v")
        with self.assertRaises(redis.ResponseError) as ctx:
            rr.set("k", "w")
        self.assertEqual(str(ctx.exception), "You can't write against a read only replica.")
        raw = rep.raw()
        raw.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nw\r\n")
        self.assertEqual(raw.recv(100),
                         b"-READONLY You can't write against a read only replica.\r\n")
        raw.close()
        self.assertEqual(rr.get("k"), b"v")

        role = p.command("ROLE")
        self.assertEqual(role[0], b"master")
        self.assertIsInstance(role[1], int)
        self.assertEqual(len(role[2]), 1)
        self.assertEqual(role[2][0][0], b"127.0.0.1")
        self.assertEqual(role[2][0][1], str(rep.port).encode())
        self.assertEqual(int(role[2][0][2]), role[1])
        role = rep.command("ROLE")
        self.assertEqual(role[:4], [b"slave", b"127.0.0.1", p.port, b"connected"])
        self.assertIsInstance(role[4], int)

        pi = info(pr, "replication")
        self.assertEqual(pi["role"], "master")
        self.assertEqual(pi["connected_slaves"], 1)
        self.assertEqual(pi["slave0"]["port"], rep.port)
        self.assertEqual(pi["slave0"]["state"], "online")
        self.assertEqual(pi["slave0"]["offset"], pi["master_repl_offset"])
        self.assertEqual(len(pi["master_replid"]), 40)
        for field in ("master_failover_state", "master_replid2", "second_repl_offset",
                      "repl_backlog_active", "repl_backlog_size",
                      "repl_backlog_first_byte_offset", "repl_backlog_histlen"):
            self.assertIn(field, pi)
        ri = info(rr, "replication")
        self.assertEqual(ri["role"], "slave")
        self.assertEqual(ri["master_port"], p.port)
        self.assertEqual(ri["master_link_status"], "up")
        self.assertEqual(ri["master_sync_in_progress"], 0)
        self.assertEqual(ri["slave_repl_offset"], pi["master_repl_offset"])
        self.assertEqual(ri["slave_read_only"], 1)
        self.assertEqual(ri["slave_priority"], 100)
        self.assertEqual(self.sync_stats(pr), (1, 0, 0))
        # WAIT on a replica is an error; on the primary it times out with what it has.
        with self.assertRaises(redis.ResponseError):
            rr.wait(1, 10)
        start = time.time()
        pr.set("k2", "v")
        self.assertEqual(pr.wait(2, 300), 1)
        self.assertGreaterEqual(time.time() - start, 0.25)

    def test_kill9_replica_partial_resync(self):
        p = self.start()
        pr = p.client()
        rep = self.start(*replica_args(p.port))
        wait_until(lambda: link_up(rep.client()), what="link up")
        stop = threading.Event()
        errors = []

        def writer():
            w = p.client()
            i = 0
            try:
                while not stop.is_set():
                    pipe = w.pipeline(transaction=False)
                    for _ in range(50):
                        pipe.set("w%d" % (i % 3000), i)
                        i += 1
                    pipe.execute()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        t = threading.Thread(target=writer)
        t.start()
        try:
            time.sleep(0.5)
            rep.stop(sig=signal.SIGKILL)
            time.sleep(0.5)
            rep.start()
            time.sleep(0.5)
        finally:
            stop.set()
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(pr.wait(1, 20000), 1)
        full, partial_ok, _ = self.sync_stats(pr)
        self.assertEqual(full, 1)
        self.assertEqual(partial_ok, 1)
        self.assertSameData(pr, rep.client())

    def test_tiny_backlog_forces_full_sync(self):
        p = self.start("--repl-backlog-size", "64kb")
        pr = p.client()
        rep = self.start(*replica_args(p.port))
        wait_until(lambda: link_up(rep.client()), what="link up")
        pr.set("a", "1")
        self.assertEqual(pr.wait(1, 10000), 1)
        rep.stop()
        # Far more than 64 KiB of records while the replica is away.
        self.mixed_writes(pr, 6000, seed=2, prefix="far")
        rep.start()
        wait_until(lambda: link_up(rep.client()), what="link up again")
        self.assertEqual(pr.wait(1, 20000), 1)
        full, partial_ok, partial_err = self.sync_stats(pr)
        self.assertEqual((full, partial_ok, partial_err), (2, 0, 1))
        self.assertSameData(pr, rep.client())
        # A replica that stays up streams more than the backlog without resync.
        self.mixed_writes(pr, 6000, seed=3, prefix="stream")
        self.assertEqual(pr.wait(1, 20000), 1)
        self.assertSameData(pr, rep.client())

    def test_proxy_cut_and_restore(self):
        p = self.start()
        pr = p.client()
        proxy = Proxy(p.port)
        self.proxies.append(proxy)
        rep = self.start(*replica_args(proxy.port))
        rr = rep.client()
        wait_until(lambda: link_up(rr), what="link up")
        pr.set("x", "1")
        self.assertEqual(pr.wait(1, 10000), 1)
        proxy.cut()
        wait_until(lambda: not link_up(rr), what="link down")
        self.mixed_writes(pr, 3000, seed=4, prefix="cut")
        self.assertEqual(rr.get("cut:tx1"), None)
        self.assertEqual(info(rr, "replication")["master_link_status"], "down")
        proxy.restore()
        wait_until(lambda: link_up(rr), what="link up after restore")
        self.assertEqual(pr.wait(1, 20000), 1)
        self.assertGreaterEqual(proxy.accepted, 2)
        self.assertEqual(self.sync_stats(pr)[1], 1)  # resumed with a partial resync
        self.assertSameData(pr, rr)

    def test_failover_by_hand(self):
        a = self.start()
        ar = a.client()
        b = self.start(*replica_args(a.port))
        br = b.client()
        wait_until(lambda: link_up(br), what="link up")
        self.mixed_writes(ar, 3000, seed=5, prefix="old")
        self.assertEqual(ar.wait(1, 10000), 1)
        old_id = info(br, "replication")["master_replid"]
        # Promote b; it takes writes, a follows it.
        self.assertTrue(br.execute_command("REPLICAOF", "NO", "ONE"))
        bi = info(br, "replication")
        self.assertEqual(bi["role"], "master")
        self.assertNotEqual(bi["master_replid"], old_id)
        self.assertEqual(bi["master_replid2"], old_id)
        br.set("new-primary", "b")
        self.mixed_writes(br, 2000, seed=6, prefix="new")
        ar.execute_command("REPLICAOF", "127.0.0.1", b.port)
        wait_until(lambda: link_up(ar), what="old primary follows")
        self.assertEqual(br.wait(1, 20000), 1)
        self.assertEqual(ar.get("new-primary"), b"b")
        with self.assertRaises(redis.ResponseError):
            ar.set("x", "y")
        self.assertSameData(br, ar)
        # Swap back by restarting: b restarted as a replica of a (after promoting a).
        ar.execute_command("REPLICAOF", "NO", "ONE")
        ar.set("third", "3")
        b.restart(args=replica_args(a.port))
        wait_until(lambda: link_up(b.client()), what="b follows a")
        self.assertEqual(ar.wait(1, 20000), 1)
        self.assertEqual(b.client().get("third"), b"3")
        self.assertSameData(ar, b.client())

    def test_chained_replica(self):
        a = self.start()
        ar = a.client()
        b = self.start(*replica_args(a.port))
        c = self.start(*replica_args(b.port))
        wait_until(lambda: link_up(b.client()) and link_up(c.client()), what="chain up")
        self.mixed_writes(ar, 4000, seed=7, prefix="chain")
        self.assertEqual(ar.wait(1, 20000), 1)
        # c follows b's own history (WAIT is refused on b, a replica): poll.
        wait_until(lambda: self.snapshot(c.client()) == self.snapshot(ar), timeout=30,
                   interval=0.3, what="c converges")
        self.assertEqual(info(b.client(), "replication")["connected_slaves"], 1)

    def test_min_replicas_to_write(self):
        p = self.start("--min-replicas-to-write", "1", "--min-replicas-max-lag", "10")
        pr = p.client()
        with self.assertRaises(redis.ResponseError) as ctx:
            pr.set("k", "v")
        self.assertEqual(str(ctx.exception), "NOREPLICAS Not enough good replicas to write.")
        self.assertIsNone(pr.get("k"))
        self.start(*replica_args(p.port))
        wait_until(lambda: info(pr, "replication")["connected_slaves"] == 1
                   and info(pr, "replication")["slave0"]["state"] == "online",
                   what="replica online")
        self.assertTrue(pr.set("k", "v"))
        pr.config_set("min-replicas-to-write", "2")
        with self.assertRaises(redis.ResponseError):
            pr.set("k", "w")
        pr.config_set("min-replicas-to-write", "0")
        self.assertTrue(pr.set("k", "w"))

    def test_masterauth_and_masteruser(self):
        p = self.start("--requirepass", "s3cret")
        pr = p.client(password="s3cret")
        pr.set("k", "v")
        # No masterauth: the primary refuses (NOAUTH); the replica logs it and retries.
        rep = self.start(*replica_args(p.port))
        rr = rep.client()
        wait_until(lambda: "NOAUTH" in rep.read_log(), what="NOAUTH logged")
        self.assertFalse(link_up(rr))
        self.assertEqual(info(pr, "replication")["connected_slaves"], 0)
        # Wrong password: "Unable to AUTH to MASTER", still down.
        rr.config_set("masterauth", "wrong")
        wait_until(lambda: "Unable to AUTH to MASTER" in rep.read_log(), what="AUTH failure")
        self.assertFalse(link_up(rr))
        # The right one at run time: the next retry syncs.
        rr.config_set("masterauth", "s3cret")
        self.assertEqual(rr.config_get("masterauth"), {"masterauth": "s3cret"})
        wait_until(lambda: link_up(rr), what="link up with masterauth")
        pr.set("k2", "v2")
        self.assertEqual(pr.wait(1, 10000), 1)
        self.assertEqual(rr.get("k"), b"v")
        self.assertEqual(rr.get("k2"), b"v2")
        # An ACL user with just what replication needs (--masteruser).
        pr.execute_command("ACL", "SETUSER", "replicator", "on", ">rpw",
                           "+psync", "+replconf", "+ping")
        rep2 = self.start(*replica_args(p.port, "--masteruser", "replicator",
                                        "--masterauth", "rpw"))
        wait_until(lambda: link_up(rep2.client()), what="link up as ACL user")
        pr.set("k3", "v3")
        self.assertEqual(pr.wait(2, 10000), 2)
        self.assertEqual(rep2.client().get("k3"), b"v3")

    def test_replicated_writes_touch_watched_keys(self):
        p = self.start()
        pr = p.client()
        pr.set("w", "1")
        pr.hset("h", mapping={"f": "1", "g": "1"})
        pr.set("untouched", "1")
        rep = self.start(*replica_args(p.port))
        rr = rep.client()
        wait_until(lambda: link_up(rr), what="link up")
        self.assertEqual(pr.wait(1, 10000), 1)

        def exec_after(watch, write):
            tx = rep.client()
            tx.execute_command("WATCH", *watch)
            tx.execute_command("MULTI")
            tx.execute_command("GET", "untouched")
            write()
            self.assertEqual(pr.wait(1, 10000), 1)
            return tx.execute_command("EXEC")

        # A string overwrite, a hash field update (element record only), a
        # key created after WATCH, a DEL, FLUSHALL: EXEC aborts (nil).
        self.assertIsNone(exec_after(["w"], lambda: pr.set("w", "2")))
        self.assertIsNone(exec_after(["h"], lambda: pr.hset("h", "f", "2")))
        self.assertIsNone(exec_after(["new"], lambda: pr.set("new", "1")))
        self.assertIsNone(exec_after(["w"], lambda: pr.delete("w")))
        self.assertIsNone(exec_after(["h"], lambda: pr.flushall()))
        # A write to another key does not.
        pr.set("untouched", "1")
        self.assertEqual(pr.wait(1, 10000), 1)  # replicated before the WATCH
        self.assertEqual(exec_after(["untouched"], lambda: pr.set("other", "1")), [b"1"])

    def test_replica_list_cache_sees_replicated_changes(self):
        # A replica's LRANGE fills its list cache; the primary's LSET (which
        # keeps the list's head, tail and version) and LINSERT/LPOP must still
        # show on the replica: the applied batch drops the cached list.
        p = self.start()
        pr = p.client()
        pr.rpush("q", *["e%d" % i for i in range(50)])
        rep = self.start(*replica_args(p.port))
        rr = rep.client()
        wait_until(lambda: link_up(rr), what="link up")
        self.assertEqual(pr.wait(1, 10000), 1)
        hits = lambda: int(info(rr, "stats")["list_cache_hits"])
        self.assertEqual(rr.lrange("q", 0, 9), [b"e%d" % i for i in range(10)])
        before = hits()
        self.assertEqual(rr.lrange("q", 0, 9), [b"e%d" % i for i in range(10)])
        self.assertGreater(hits(), before)  # the second read came from the cache
        pr.lset("q", 3, "changed")
        self.assertEqual(pr.wait(1, 10000), 1)
        self.assertEqual(rr.lindex("q", 3), b"changed")
        self.assertEqual(rr.lrange("q", 0, 4), [b"e0", b"e1", b"e2", b"changed", b"e4"])
        pr.lpop("q")
        pr.linsert("q", "BEFORE", "e2", "ins")
        self.assertEqual(pr.wait(1, 10000), 1)
        self.assertEqual(rr.lrange("q", 0, -1), pr.lrange("q", 0, -1))
        self.assertEqual(rr.lrange("q", -3, -1), [b"e47", b"e48", b"e49"])

    def test_replicated_push_wakes_blocked_client(self):
        p = self.start()
        pr = p.client()
        a = self.start()
        result = {}

        def blpop():
            c = a.client(socket_timeout=30)
            try:
                result["reply"] = c.blpop("q", 20)
            except redis.ResponseError as e:
                result["error"] = str(e)
            result["at"] = time.time()

        t = threading.Thread(target=blpop)
        t.start()
        wait_until(lambda: any(c.get("cmd") == "blpop" for c in a.client().client_list()),
                   what="client blocked")
        time.sleep(0.2)
        # a turns into a replica with its client still blocked; the replicated
        # push wakes it (and, a replica, a retried pop is refused: READONLY).
        a.client().execute_command("REPLICAOF", "127.0.0.1", p.port)
        wait_until(lambda: link_up(a.client()), what="link up")
        pushed = time.time()
        pr.rpush("q", "x")
        t.join(25)
        self.assertFalse(t.is_alive())
        self.assertLess(result["at"] - pushed, 5)
        self.assertIn("read only replica", result.get("error", ""))
        self.assertEqual(a.client().lrange("q", 0, -1), [b"x"])

    def test_kill9_chained_replica_resumes_partially(self):
        a = self.start()
        ar = a.client()
        b = self.start(*replica_args(a.port))
        c = self.start(*replica_args(b.port))
        wait_until(lambda: link_up(b.client()) and link_up(c.client()), what="chain up")
        self.mixed_writes(ar, 2000, seed=8, prefix="k9")
        self.assertEqual(ar.wait(1, 20000), 1)
        wait_until(lambda: self.snapshot(c.client()) == self.snapshot(ar), timeout=30,
                   interval=0.3, what="c converges")
        b_id = info(b.client(), "replication")["master_replid"]
        # kill -9 of the middle node: no clean shutdown, no final replid save.
        b.stop(sig=signal.SIGKILL)
        b.start()
        br = b.client()
        wait_until(lambda: link_up(br) and link_up(c.client()), what="chain up again")
        bi = info(br, "replication")
        self.assertNotEqual(bi["master_replid"], b_id)
        self.assertEqual(bi["master_replid2"], b_id)
        # b resumed from a, and c from b, both by partial resync.
        self.assertEqual(self.sync_stats(ar), (2 - 1, 1, 0))
        self.assertEqual(self.sync_stats(br), (0, 1, 0))
        self.mixed_writes(ar, 1000, seed=9, prefix="after")
        self.assertEqual(ar.wait(1, 20000), 1)
        wait_until(lambda: self.snapshot(c.client()) == self.snapshot(ar), timeout=30,
                   interval=0.3, what="c converges again")
        # A clean restart keeps the id itself.
        b_id = info(br, "replication")["master_replid"]
        b.restart()
        wait_until(lambda: link_up(c.client()), what="c up after b's clean restart")
        self.assertEqual(info(b.client(), "replication")["master_replid"], b_id)


if __name__ == "__main__":
    unittest.main()
