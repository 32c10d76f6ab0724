"""Moving keys: DUMP / RESTORE (every type, TTL, REPLACE, ABSTTL, errors),
MIGRATE between two servers (single key and KEYS forms, COPY, REPLACE, AUTH,
AUTH2, errors), and in a 3-primary cluster `redis-cli --cluster reshard` of
1000 slots while a client keeps writing, `add-node` + `rebalance
--cluster-use-empty-masters`, reshard back and `del-node`: no key lost,
values right, `--cluster check` OK, COUNTKEYSINSLOT / GETKEYSINSLOT right
(slot-indexed keys). Also: a data dir of one layout refused in the other."""

import sys
import threading
import time
import unittest

import redis
from redis.cluster import RedisCluster

from lsmdb_harness import LsmdbServer, ServerTestCase
from test_cluster import NODE_TIMEOUT, cluster_info, cluster_ports, run_cli, wait_until


NOT_INTEGER = "value is not an integer or out of range"


def fill_every_type(r, prefix=""):
    """One key of each type; returns {key: (type, value)}."""
    r.set(prefix + "s", b"hello\x00\r\nworld")
    r.hset(prefix + "h", mapping={"f1": "v1", "f2": "", "\x00bin": "x" * 3000})
    r.rpush(prefix + "l", "a", "b", "c", "a", "")
    r.sadd(prefix + "st", "x", "y", "z", "")
    r.zadd(prefix + "z", {"a": 1.5, "b": -2, "c": float("inf"), "d": 0})
    return {prefix + "s": "string", prefix + "h": "hash", prefix + "l": "list",
            prefix + "st": "set", prefix + "z": "zset"}


def read_value(r, key):
    t = r.type(key)
    t = t.decode() if isinstance(t, bytes) else t
    if t == "string":
        return t, r.get(key)
    if t == "hash":
        return t, sorted(r.hgetall(key).items())
    if t == "list":
        return t, r.lrange(key, 0, -1)
    if t == "set":
        return t, sorted(r.smembers(key))
    if t == "zset":
        return t, r.zrange(key, 0, -1, withscores=True)
    return t, None


class DumpRestoreTest(ServerTestCase):
    def test_round_trip_every_type_with_ttl(self):
        r = self.r
        keys = fill_every_type(r)
        r.expire("h", 100)
        for key, typ in keys.items():
            payload = r.dump(key)
            self.assertIsInstance(payload, bytes)
            want = read_value(r, key)
            self.assertEqual(want[0], typ)
            self.assertTrue(r.restore(key + ":copy", 5000, payload))
            self.assertEqual(read_value(r, key + ":copy"), want)
            self.assertTrue(4000 < r.pttl(key + ":copy") <= 5000)
            # ABSTTL: the time is absolute unix ms.
            at = int(time.time() * 1000) + 60000
            self.assertTrue(r.restore(key + ":abs", at, payload, absttl=True))
            self.assertTrue(abs(r.pexpiretime(key + ":abs") - at) <= 1)
            # ttl 0: no TTL; REPLACE over an existing key of another type.
            r.set(key + ":busy", "old")
            self.assertError("BUSYKEY Target key name already exists.",
                             r.restore, key + ":busy", 0, payload)
            self.assertTrue(r.restore(key + ":busy", 0, payload, replace=True))
            self.assertEqual(read_value(r, key + ":busy"), want)
            self.assertEqual(r.ttl(key + ":busy"), -1)
        # IDLETIME / FREQ are accepted.
        p = r.dump("s")
        self.assertEqual(r.execute_command("RESTORE", "s2", 0, p, "IDLETIME", 10), b"OK")
        self.assertEqual(r.execute_command("RESTORE", "s3", 0, p, "FREQ", 5, "REPLACE"), b"OK")
        self.assertEqual(r.get("s3"), b"hello\x00\r\nworld")

    def test_errors(self):
        r = self.r
        r.set("k", "v")
        payload = r.dump("k")
        self.assertIsNone(r.dump("missing"))
        bad = bytearray(payload)
        bad[1] ^= 0xff
        self.assertError("DUMP payload version or checksum are wrong",
                         r.restore, "n", 0, bytes(bad))
        self.assertError("DUMP payload version or checksum are wrong",
                         r.restore, "n", 0, b"xyz")
        self.assertError("DUMP payload version or checksum are wrong",
                         r.restore, "n", 0, payload[:-3])
        self.assertError("Invalid TTL value, must be >= 0", r.restore, "n", -1, payload)
        self.assertError("Invalid FREQ value, must be >= 0 and <= 255",
                         r.execute_command, "RESTORE", "n", 0, payload, "FREQ", 300)
        self.assertError("Invalid IDLETIME value, must be >= 0",
                         r.execute_command, "RESTORE", "n", 0, payload, "IDLETIME", -1)
        self.assertError("syntax error", r.execute_command, "RESTORE", "n", 0, payload, "XX")
        self.assertError("value is not an integer or out of range",
                         r.restore, "n", "abc", payload)
        # BUSYKEY is checked before the TTL and the payload, as in Redis.
        self.assertError("BUSYKEY Target key name already exists.", r.restore, "k", -1, b"")
        # An ABSTTL in the past restores nothing (and REPLACE deletes the old key).
        self.assertTrue(r.restore("gone", 1000, payload, absttl=True))
        self.assertEqual(r.exists("gone"), 0)
        self.assertTrue(r.restore("k", 1000, payload, absttl=True, replace=True))
        self.assertEqual(r.exists("k"), 0)
        self.assertIsNone(self.r.execute_command("DUMP", "k"))

    def test_large_collections(self):
        r = self.r
        r.hset("big", mapping={"f%d" % i: "v%d" % i for i in range(5000)})
        r.zadd("bigz", {"m%d" % i: i / 7 for i in range(5000)})
        r.rpush("bigl", *range(5000))
        for key in ("big", "bigz", "bigl"):
            want = read_value(r, key)
            r.restore(key + "2", 0, r.dump(key))
            self.assertEqual(read_value(r, key + "2"), want)
        self.assertEqual(r.hlen("big2"), 5000)
        self.assertEqual(r.zcard("bigz2"), 5000)
        self.assertEqual(r.zrangebyscore("bigz2", 1, 1.2), [b"m7", b"m8"])


class MigrateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.src = LsmdbServer()
        cls.dst = LsmdbServer()
        cls.locked = LsmdbServer(["--requirepass", "s3cret"])

    @classmethod
    def tearDownClass(cls):
        for s in (cls.src, cls.dst, cls.locked):
            s.close()

    def setUp(self):
        self.rs = self.src.client()
        self.rd = self.dst.client()
        self.rl = self.locked.client(password="s3cret")
        for r in (self.rs, self.rd, self.rl):
            r.flushall()

    def migrate(self, *args):
        return self.rs.execute_command("MIGRATE", *args)

    def test_single_key(self):
        keys = fill_every_type(self.rs)
        self.rs.expire("l", 100)
        want = {k: read_value(self.rs, k) for k in keys}
        for k in keys:
            self.assertEqual(self.migrate("127.0.0.1", self.dst.port, k, 0, 1000), b"OK")
            self.assertEqual(self.rs.exists(k), 0)
            self.assertEqual(read_value(self.rd, k), want[k])
        self.assertTrue(90 < self.rd.ttl("l") <= 100)
        self.assertEqual(self.rd.ttl("s"), -1)
        self.assertEqual(self.migrate("127.0.0.1", self.dst.port, "nokey", 0, 1000), b"NOKEY")
        # A key moved away counts as modified for WATCH, single and KEYS forms.
        for form in (["w1", "0", "1000"], ["", "0", "1000", "KEYS", "w1"]):
            self.rs.set("w1", "v")
            watcher = self.src.client()
            pipe = watcher.pipeline()
            pipe.watch("w1")
            self.assertEqual(self.migrate("127.0.0.1", self.dst.port, *form), b"OK")
            pipe.multi()
            pipe.set("w1", "mine")
            with self.assertRaises(redis.WatchError, msg=" ".join(form)):
                pipe.execute()
            self.assertEqual(self.rs.exists("w1"), 0)
            self.rd.delete("w1")

    def test_keys_copy_replace_db(self):
        keys = fill_every_type(self.rs, "m:")
        want = {k: read_value(self.rs, k) for k in keys}
        ret = self.migrate("127.0.0.1", self.dst.port, "", 3, 1000, "COPY", "KEYS",
                           *keys, "absent")
        self.assertEqual(ret, b"OK")
        d3 = self.dst.client(db=3)
        for k in keys:
            self.assertEqual(read_value(self.rs, k), want[k])  # COPY keeps the source
            self.assertEqual(read_value(d3, k), want[k])
        self.assertEqual(self.rd.dbsize(), 0)
        # The target has the keys now: without REPLACE the target refuses.
        with self.assertRaises(redis.ResponseError) as ctx:
            self.migrate("127.0.0.1", self.dst.port, "", 3, 1000, "KEYS", *keys)
        self.assertEqual(str(ctx.exception), "Target instance replied with error: "
                         "BUSYKEY Target key name already exists.")
        self.assertEqual(self.rs.exists(*keys), len(keys))  # nothing acknowledged: kept
        self.rs.set("m:s", "newer")
        self.assertEqual(self.migrate("127.0.0.1", self.dst.port, "", 3, 1000, "REPLACE",
                                      "KEYS", *keys), b"OK")
        self.assertEqual(self.rs.exists(*keys), 0)
        self.assertEqual(d3.get("m:s"), b"newer")
        self.assertEqual(self.migrate("127.0.0.1", self.dst.port, "", 3, 1000, "KEYS", "x", "y"),
                         b"NOKEY")

    def test_auth(self):
        self.rs.set("a", "1")
        self.rs.set("b", "2")
        port = self.locked.port
        with self.assertRaises(redis.ResponseError) as ctx:
            self.migrate("127.0.0.1", port, "a", 0, 1000)
        self.assertEqual(str(ctx.exception),
                         "Target instance replied with error: NOAUTH Authentication required.")
        with self.assertRaises(redis.ResponseError) as ctx:
            self.migrate("127.0.0.1", port, "a", 0, 1000, "AUTH", "wrong")
        self.assertTrue(str(ctx.exception).startswith(
            "Target instance replied with error: WRONGPASS"), str(ctx.exception))
        self.assertEqual(self.migrate("127.0.0.1", port, "a", 0, 1000, "AUTH", "s3cret"), b"OK")
        self.assertEqual(self.migrate("127.0.0.1", port, "b", 0, 1000,
                                      "AUTH2", "default", "s3cret"), b"OK")
        self.assertEqual(self.rl.mget("a", "b"), [b"1", b"2"])
        self.assertEqual(self.rs.exists("a", "b"), 0)

    def test_errors(self):
        self.rs.set("k", "v")
        for args, err in [
            (("127.0.0.1", self.dst.port, "k", 0, 1000, "KEYS", "k"),
             "When using MIGRATE KEYS option, the key argument must be set to the empty string"),
            (("127.0.0.1", self.dst.port, "k", 0, 1000, "BOGUS"), "syntax error"),
            (("127.0.0.1", self.dst.port, "k", 0, 1000, "AUTH"), "syntax error"),
            (("127.0.0.1", self.dst.port, "k", "x", 1000), NOT_INTEGER),
            (("127.0.0.1", self.dst.port, "k", 0, "x"), NOT_INTEGER),
            (("127.0.0.1", self.dst.port, "k", 99, 1000),
             "Target instance replied with error: ERR DB index is out of range"),
        ]:
            with self.assertRaises(redis.ResponseError) as ctx:
                self.migrate(*args)
            self.assertEqual(str(ctx.exception), err, args)
        # A closed port: the connection fails.
        with self.assertRaises(redis.ResponseError) as ctx:
            self.migrate("127.0.0.1", 1, "k", 0, 500)
        self.assertEqual(str(ctx.exception), "IOERR error or timeout connecting to the client")
        self.assertEqual(self.rs.get("k"), b"v")
        # Wrong arity.
        with self.assertRaises(redis.ResponseError):
            self.migrate("127.0.0.1", self.dst.port, "k", 0)

    def test_many_keys_pipeline_and_cached_connection(self):
        p = self.rs.pipeline(transaction=False)
        for i in range(2000):
            p.set("p%d" % i, "v%d" % i)
        p.execute()
        for start in range(0, 2000, 100):
            keys = ["p%d" % i for i in range(start, start + 100)]
            self.assertEqual(self.migrate("127.0.0.1", self.dst.port, "", 0, 2000, "KEYS", *keys),
                             b"OK")
        self.assertEqual(self.rs.dbsize(), 0)
        self.assertEqual(self.rd.dbsize(), 2000)
        self.assertEqual(self.rd.get("p1999"), b"v1999")


def node_id(r):
    v = r.execute_command("CLUSTER", "MYID")
    return v.decode() if isinstance(v, bytes) else v


class ReshardTest(unittest.TestCase):
    """A 3-primary cluster, keys of every type, reshard under writes."""

    @classmethod
    def setUpClass(cls):
        ports = cluster_ports(3)
        cls.args = ["--cluster-enabled", "yes", "--cluster-node-timeout", str(NODE_TIMEOUT)]
        cls.nodes = [LsmdbServer(args=cls.args, port=p) for p in ports[:3]]
        cls.spare = None
        code, out = run_cli("--cluster", "create", *["127.0.0.1:%d" % p for p in ports[:3]],
                            "--cluster-yes")
        assert code == 0, out

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes + ([cls.spare] if cls.spare else []):
            n.close()

    def wait_ok(self, nodes):
        for n in nodes:
            wait_until(lambda n=n: cluster_info(n.client(decode_responses=True))
                       ["cluster_state"] == "ok", what="cluster_state:ok")

    def check(self, port):
        deadline = time.time() + 20
        while True:
            code, out = run_cli("--cluster", "check", "127.0.0.1:%d" % port)
            if (code == 0 and "[OK] All nodes agree about slots configuration." in out
                    and "[OK] All 16384 slots covered." in out and "[WARNING]" not in out):
                return
            if time.time() > deadline:
                self.fail(out)
            time.sleep(0.5)

    def slots_of(self, port):
        r = self.nodes[0].client()
        owned = set()
        for first, last, master, *_ in r.execute_command("CLUSTER", "SLOTS"):
            if master[1] == port:
                owned.update(range(first, last + 1))
        return owned

    def test_reshard_rebalance_del_node(self):
        t0 = time.time()
        self.wait_ok(self.nodes)
        rc = RedisCluster(host="127.0.0.1", port=self.nodes[0].port)
        expected = {}
        p = rc.pipeline()
        for i in range(2000):
            p.set("k%d" % i, "v%d" % i)
            expected["k%d" % i] = ("string", b"v%d" % i)
        p.execute()
        for i in range(60):
            for k, t in fill_every_type(rc, "t%d:" % i).items():
                expected[k] = (t, None)
            rc.expire("t%d:h" % i, 1000)
        for k, (t, v) in expected.items():
            if v is None:
                expected[k] = read_value(rc, k)
        ids = [node_id(n.client()) for n in self.nodes]
        src_port = self.nodes[0].port
        moved = sorted(self.slots_of(src_port))[:1000]

        # A writer keeps incrementing counters (in every slot) during the reshard.
        stop = threading.Event()
        acked = {}
        errors = []

        def writer():
            wc = RedisCluster(host="127.0.0.1", port=self.nodes[1].port)
            n = 0
            while not stop.is_set():
                key = "w%d" % (n % 500)
                try:
                    acked[key] = wc.incr(key)
                except Exception as e:  # noqa: BLE001 (retried: TRYAGAIN-like races)
                    errors.append(repr(e))
                    time.sleep(0.01)
                    continue
                n += 1
            wc.close()

        th = threading.Thread(target=writer)
        th.start()
        t_reshard = time.time()
        print("setup: %.1f s" % (t_reshard - t0), file=sys.stderr)
        try:
            code, out = run_cli("--cluster", "reshard", "127.0.0.1:%d" % src_port,
                                "--cluster-from", ids[0], "--cluster-to", ids[1],
                                "--cluster-slots", 1000, "--cluster-yes", timeout=120)
        finally:
            time.sleep(0.3)
            stop.set()
            th.join()
        self.assertEqual(code, 0, out[-2000:])
        print("reshard of 1000 slots: %.1f s" % (time.time() - t_reshard), file=sys.stderr)
        self.assertEqual(len(self.slots_of(src_port)), 5461 - 1000)
        self.assertTrue(set(moved) <= self.slots_of(self.nodes[1].port))
        self.assertGreater(len(acked), 100)
        self.assertLess(len(errors), 50, errors[:5])
        self.check(src_port)

        rc = RedisCluster(host="127.0.0.1", port=self.nodes[2].port)
        for k, want in expected.items():
            self.assertEqual(read_value(rc, k), want, k)
        for k, v in acked.items():
            self.assertGreaterEqual(int(rc.get(k)), v, k)
        self.assertTrue(900 < rc.ttl("t0:h") <= 1000)

        # COUNTKEYSINSLOT / GETKEYSINSLOT on the new owner and the old one.
        r0, r1 = self.nodes[0].client(), self.nodes[1].client()
        by_slot = {}
        for k in list(expected) + list(acked):
            by_slot.setdefault(rc.keyslot(k), set()).add(k.encode())
        sample = [s for s in moved if s in by_slot][:20]
        self.assertTrue(sample)
        for s in sample:
            self.assertEqual(r1.execute_command("CLUSTER", "COUNTKEYSINSLOT", s), len(by_slot[s]))
            self.assertEqual(r0.execute_command("CLUSTER", "COUNTKEYSINSLOT", s), 0)
            got = r1.execute_command("CLUSTER", "GETKEYSINSLOT", s, 1000)
            self.assertEqual(set(got), by_slot[s])
            self.assertEqual(r0.execute_command("CLUSTER", "GETKEYSINSLOT", s, 10), [])
        total = sum(n.client().dbsize() for n in self.nodes)
        self.assertEqual(total, len(expected) + len(acked))

        # A new empty primary: add-node, rebalance onto it (a small weight
        # keeps the test short), then move its slots back and del-node it.
        while True:
            self.spare_port = cluster_ports(1)[0]
            try:
                ReshardTest.spare = LsmdbServer(args=self.args, port=self.spare_port)
                break
            except RuntimeError:  # a bus port taken since the check: another one
                pass
        code, out = run_cli("--cluster", "add-node", "127.0.0.1:%d" % self.spare_port,
                            "127.0.0.1:%d" % src_port)
        self.assertEqual(code, 0, out)
        spare_id = node_id(self.spare.client())
        wait_until(lambda: all(cluster_info(n.client(decode_responses=True))
                               ["cluster_known_nodes"] == "4"
                               for n in self.nodes + [self.spare]),
                   what="4 known nodes")
        self.wait_ok(self.nodes + [self.spare])
        self.check(src_port)
        # Weights = today's slot counts: only the spare's share moves.
        weights = ["%s=%d" % (i, len(self.slots_of(n.port))) for i, n in zip(ids, self.nodes)]
        weights.append("%s=300" % spare_id)
        code, out = run_cli("--cluster", "rebalance", "127.0.0.1:%d" % src_port,
                            "--cluster-use-empty-masters", "--cluster-weight", *weights,
                            timeout=120)
        self.assertEqual(code, 0, out[-2000:])
        spare_slots = self.slots_of(self.spare_port)
        self.assertGreater(len(spare_slots), 100)
        self.check(src_port)
        self.assertGreater(self.spare.client().dbsize(), 0)
        for k, want in list(expected.items())[::10]:  # all of them at the end
            self.assertEqual(read_value(rc, k), want, k)

        code, out = run_cli("--cluster", "reshard", "127.0.0.1:%d" % src_port,
                            "--cluster-from", spare_id, "--cluster-to", ids[0],
                            "--cluster-slots", len(spare_slots), "--cluster-yes", timeout=120)
        self.assertEqual(code, 0, out[-2000:])
        self.assertEqual(self.spare.client().dbsize(), 0)
        code, out = run_cli("--cluster", "del-node", "127.0.0.1:%d" % src_port, spare_id)
        self.assertEqual(code, 0, out)
        wait_until(lambda: all(cluster_info(n.client(decode_responses=True))
                               ["cluster_known_nodes"] == "3" for n in self.nodes),
                   what="3 known nodes")
        self.check(src_port)
        rc = RedisCluster(host="127.0.0.1", port=self.nodes[0].port)
        for k, want in expected.items():
            self.assertEqual(read_value(rc, k), want, k)
        print("whole test: %.1f s" % (time.time() - t0), file=sys.stderr)


class ClusterLayoutTest(ServerTestCase):
    """Iteration over slot-prefixed keys: one cluster-enabled node owning
    every slot, so no command is redirected."""

    server_args = ["--cluster-enabled", "yes"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.client().execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
        wait_until(lambda: cluster_info(cls.srv.client(decode_responses=True))
                   ["cluster_state"] == "ok", what="cluster_state:ok")

    def test_keys_scan_randomkey_searchrange(self):
        r = self.r
        names = ["user:%d" % i for i in range(300)] + ["{tag}:%d" % i for i in range(50)] + ["a"]
        for n in names:
            r.set(n, "v")
        r.set("gone", "v", px=1)
        time.sleep(0.01)
        self.assertEqual(sorted(r.keys("*")), sorted(n.encode() for n in names))
        self.assertEqual(len(r.keys("user:*")), 300)
        self.assertEqual(len(r.keys("{tag}:*")), 50)
        self.assertEqual(r.keys("user:7"), [b"user:7"])
        self.assertEqual(r.keys("nothing*"), [])
        seen, cursor = [], 0
        while True:
            cursor, batch = r.scan(cursor, count=17)
            seen += batch
            if cursor == 0:
                break
        self.assertEqual(sorted(seen), sorted(n.encode() for n in names))
        self.assertEqual(sorted(r.scan_iter(match="{tag}:*", count=5)),
                         sorted(b"{tag}:%d" % i for i in range(50)))
        self.assertEqual(r.dbsize(), len(names))
        for _ in range(20):
            self.assertIn(r.randomkey().decode(), names)
        nxt, got = r.execute_command("SEARCHRANGE", "user:1", "user:2", "LIMIT", 5)
        self.assertEqual(got, [b"user:1", b"user:10", b"user:100", b"user:101", b"user:102"])
        self.assertEqual(nxt, b"user:103")
        slot = r.execute_command("CLUSTER", "KEYSLOT", "{tag}")
        self.assertEqual(r.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot), 50)
        self.assertEqual(len(r.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 10)), 10)
        # Writes of every kind go through the slot-prefixed key.
        r.rename("{tag}:1", "{tag}:x")
        r.expire("user:1", 100)
        self.assertEqual(r.ttl("user:1"), 100)
        r.hset("{h}", "f", "v")
        r.copy("{h}", "{h}2")
        self.assertEqual(r.hgetall("{h}2"), {b"f": b"v"})
        r.flushall()
        self.assertEqual(r.dbsize(), 0)
        self.assertEqual(r.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot), 0)


class LayoutTest(unittest.TestCase):
    def test_data_dir_layout_is_kept(self):
        srv = LsmdbServer()
        try:
            srv.client().set("k", "v")
            srv.stop()
            srv.args = ["--cluster-enabled", "yes"]
            srv.start(wait=False)
            self.assertNotEqual(srv.wait_exit(), 0)
            self.assertIn("plain layout", srv.read_log())
            srv.args = []
            srv.start()
            self.assertEqual(srv.client().get("k"), b"v")
        finally:
            srv.close()


if __name__ == "__main__":
    unittest.main()
