"""Redis Cluster failover end to end: six lsmdb-server processes joined by
`redis-cli --cluster create ... --cluster-replicas 1` (3 masters + 3
replicas, node timeout 2000 ms). Checks that replicas replicate (READONLY
reads), a manual CLUSTER FAILOVER (roles swap, no data lost), the automatic
failover of a master killed with kill -9 under a write load where every
write is followed by WAIT 1 (every acknowledged write survives; the old
master rejoins as a replica), and a partition: a master cut off from the bus
(CLUSTER TEST-BUS-DROP, enabled by LSMDB_CLUSTER_TEST_FAULTS=1) refuses
writes after the node timeout while the majority fails it over."""

import os
import random
import re
import socket
import subprocess
import threading
import time
import unittest

import redis
from redis.crc import key_slot

from lsmdb_harness import LsmdbServer

NODE_TIMEOUT = 2000
os.environ["LSMDB_CLUSTER_TEST_FAULTS"] = "1"


def port_pair_free(port):
    for p in (port, port + 10000):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                return False
    return True


def cluster_ports(n):
    ports = []
    while len(ports) < n:
        p = random.randint(20000, 29999)
        if p not in ports and port_pair_free(p):
            ports.append(p)
    return ports


def wait_until(predicate, timeout=30, interval=0.1, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return
        except (redis.ConnectionError, redis.TimeoutError):
            pass
        time.sleep(interval)
    raise AssertionError("timed out waiting for " + what)


def run_cli(*args, timeout=60):
    p = subprocess.run(["redis-cli"] + [str(a) for a in args], capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")


def cluster_info(r):
    text = r.execute_command("CLUSTER", "INFO")
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def nodes_view(r):
    """id -> {port, flags, master, slots} from CLUSTER NODES."""
    out = {}
    for line in r.execute_command("CLUSTER", "NODES").split("\n"):
        f = line.split()
        if len(f) < 8:
            continue
        slots = []
        for s in f[8:]:
            if s.startswith("["):
                continue
            a, _, b = s.partition("-")
            slots.append((int(a), int(b or a)))
        out[f[0]] = {"port": int(f[1].split("@")[0].split(":")[1]),
                     "flags": set(f[2].split(",")), "master": f[3], "slots": slots}
    return out


class FailoverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ports = cluster_ports(6)
        cls.args = ["--cluster-enabled", "yes", "--cluster-node-timeout", str(NODE_TIMEOUT)]
        cls.nodes = [LsmdbServer(args=cls.args, port=p) for p in ports]
        code, out = run_cli("--cluster", "create", *["127.0.0.1:%d" % p for p in ports],
                            "--cluster-replicas", "1", "--cluster-yes")
        cls.create_output = (code, out)

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes:
            n.close()

    # ---- helpers ----

    def client(self, i):
        return self.nodes[i].client(decode_responses=True)

    def index_of_port(self, port):
        return [n.port for n in self.nodes].index(port)

    def live(self):
        return [i for i, n in enumerate(self.nodes) if n.proc is not None]

    def view(self, i):
        return nodes_view(self.client(i))

    def pairs(self, i=None):
        """[(master index, replica index, master slots)] as node i sees them."""
        i = self.live()[0] if i is None else i
        v = self.view(i)
        out = []
        for nid, n in v.items():
            if "master" in n["flags"] and n["slots"] and "fail" not in n["flags"]:
                reps = [self.index_of_port(r["port"]) for r in v.values()
                        if r["master"] == nid and "fail" not in r["flags"]]
                out.append((self.index_of_port(n["port"]), reps, n["slots"]))
        return out

    def wait_ok(self, timeout=30):
        for i in self.live():
            wait_until(lambda i=i: cluster_info(self.client(i))["cluster_state"] == "ok",
                       timeout=timeout, what="cluster_state:ok on node %d" % i)

    def wait_converged(self, timeout=30):
        """Every live node sees 3 live masters, each with one live replica."""
        def converged():
            views = []
            for i in self.live():
                p = sorted((m, tuple(sorted(r)), tuple(s)) for m, r, s in self.pairs(i))
                if len(p) != 3 or any(len(r) != 1 for _, r, _ in p):
                    return False
                views.append(p)
            return all(v == views[0] for v in views)
        wait_until(converged, timeout=timeout, what="a converged 3+3 topology")
        self.wait_ok(timeout)

    def tag_for(self, slots):
        """A hash tag whose slot is in `slots` ([(first, last)])."""
        for i in range(100000):
            tag = "t%d" % i
            s = key_slot(tag.encode())
            if any(a <= s <= b for a, b in slots):
                return tag
        raise AssertionError("no tag")

    def readonly_get(self, i, key):
        """GET on node i after READONLY (a replica serves its master's slots)."""
        conn = redis.Connection(host="127.0.0.1", port=self.nodes[i].port, socket_timeout=5,
                                decode_responses=True)
        try:
            conn.send_command("READONLY")
            conn.read_response()
            conn.send_command("GET", key)
            return conn.read_response()
        finally:
            conn.disconnect()

    # ---- tests, in name order ----

    def test_a_create_with_replicas(self):
        code, out = self.create_output
        self.assertEqual(code, 0, out)
        self.assertIn("[OK] All 16384 slots covered.", out)
        self.wait_converged()
        for i in range(6):
            role = self.client(i).execute_command("ROLE")[0]
            self.assertIn(role, ("master", "slave"))
        code, out = run_cli("--cluster", "check", "127.0.0.1:%d" % self.nodes[0].port)
        self.assertEqual(code, 0, out)
        self.assertIn("[OK] All nodes agree about slots configuration.", out)
        # Writes on each master show up on its replica (READONLY reads).
        for m, reps, slots in self.pairs():
            tag = self.tag_for(slots)
            self.assertTrue(self.client(m).set("{%s}k" % tag, "v%d" % m))
            self.assertEqual(self.client(m).execute_command("WAIT", 1, 5000), 1)
            wait_until(lambda: self.readonly_get(reps[0], "{%s}k" % tag) == "v%d" % m,
                       timeout=10, what="replicated read")
            with self.assertRaises(redis.ResponseError) as ctx:
                self.client(reps[0]).get("{%s}k" % tag)
            self.assertTrue(str(ctx.exception).startswith("MOVED"), str(ctx.exception))

    def test_b_failover_errors(self):
        self.wait_converged()
        m, reps, _ = self.pairs()[0]
        with self.assertRaises(redis.ResponseError) as ctx:
            self.client(m).execute_command("CLUSTER", "FAILOVER")
        self.assertEqual(str(ctx.exception), "You should send CLUSTER FAILOVER to a replica")
        with self.assertRaises(redis.ResponseError) as ctx:
            self.client(reps[0]).execute_command("CLUSTER", "FAILOVER", "SOON")
        self.assertEqual(str(ctx.exception), "syntax error")

    def test_c_manual_failover(self):
        self.wait_converged()
        m, reps, slots = self.pairs()[0]
        r = reps[0]
        tag = self.tag_for(slots)
        mc = self.client(m)
        for i in range(200):
            mc.set("{%s}manual:%d" % (tag, i), i)
        # A writer without WAIT runs through the failover: the master pauses
        # it, the replica catches up, then it gets MOVED. No acknowledged
        # write may be missing on the new master.
        acked, moved = [], []

        def writer():
            c = redis.Redis(host="127.0.0.1", port=self.nodes[m].port, socket_timeout=15)
            i = 0
            while len(acked) < 1000000:
                key = "{%s}during:%d" % (tag, i)
                try:
                    c.set(key, i)
                except redis.ResponseError as e:
                    moved.append(str(e))
                    return
                acked.append(key)
                i += 1
        t = threading.Thread(target=writer)
        t.start()
        time.sleep(0.5)
        self.assertEqual(self.client(r).execute_command("CLUSTER", "FAILOVER"), "OK")
        t.join(timeout=20)
        self.assertFalse(t.is_alive())
        self.assertTrue(moved and moved[0].startswith("MOVED"), moved)
        self.assertGreater(len(acked), 100)
        r_id = self.client(r).execute_command("CLUSTER", "MYID")

        def swapped():
            v = self.view(m)
            return "master" in v[r_id]["flags"] and "slave" in self.view(m)[
                self.client(m).execute_command("CLUSTER", "MYID")]["flags"]
        wait_until(swapped, timeout=15, what="roles swapped")
        self.assertEqual(self.client(r).execute_command("ROLE")[0], "master")
        rc = self.client(r)
        for i in range(200):
            self.assertEqual(rc.get("{%s}manual:%d" % (tag, i)), str(i))
        missing = [k for k in acked if rc.get(k) is None]
        self.assertEqual(missing, [], "%d of %d acknowledged writes lost" % (len(missing),
                                                                            len(acked)))
        with self.assertRaises(redis.ResponseError) as ctx:
            mc.set("{%s}after" % tag, "x")
        self.assertTrue(str(ctx.exception).startswith("MOVED"), str(ctx.exception))
        self.assertTrue(rc.set("{%s}after" % tag, "x"))
        wait_until(lambda: self.client(m).execute_command("ROLE")[0] == "slave", timeout=10,
                   what="old master replicates")
        wait_until(lambda: self.readonly_get(m, "{%s}after" % tag) == "x", timeout=15,
                   what="old master replicates the new one")
        self.wait_converged()

    def test_d_kill_master_under_load(self):
        self.wait_converged()
        m, reps, slots = self.pairs()[1]
        r = reps[0]
        tag = self.tag_for(slots)
        acked = []
        stop = threading.Event()

        def load():
            c = redis.Redis(host="127.0.0.1", port=self.nodes[m].port, socket_timeout=2)
            i = 0
            while not stop.is_set():
                key = "{%s}load:%d" % (tag, i)
                try:
                    c.set(key, i)
                    if c.execute_command("WAIT", 1, 1000) >= 1:
                        acked.append(key)
                except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
                    return
                i += 1
        t = threading.Thread(target=load)
        t.start()
        time.sleep(1.5)
        old_id = self.client(m).execute_command("CLUSTER", "MYID")
        self.nodes[m].stop(sig=9)
        killed = time.time()
        stop.set()
        t.join()
        self.assertGreater(len(acked), 10)

        def promoted():
            return self.client(r).execute_command("ROLE")[0] == "master"
        wait_until(promoted, timeout=NODE_TIMEOUT / 1000 + 8, interval=0.05,
                   what="replica promoted")
        took = time.time() - killed
        self.wait_ok(timeout=10)
        print("\nfailover: replica promoted %.2f s after kill -9 (node timeout %d ms), "
              "%d WAIT-acked writes" % (took, NODE_TIMEOUT, len(acked)))
        rc = self.client(r)
        missing = [k for k in acked if rc.get(k) is None]
        self.assertEqual(missing, [], "%d of %d WAIT-acked writes lost" % (len(missing),
                                                                          len(acked)))
        self.assertTrue(rc.set("{%s}after-failover" % tag, "1"))
        # It won an election: its config epoch is the epoch the other masters
        # voted in, kept as lastVoteEpoch in their nodes files.
        my_epoch = int(cluster_info(rc)["cluster_my_epoch"])
        votes = 0
        for i in self.live():
            if i != r and self.client(i).execute_command("ROLE")[0] == "master":
                with open(os.path.join(self.nodes[i].dir, "data", "nodes.conf")) as f:
                    last_vote = int(re.search(r"lastVoteEpoch (\d+)", f.read()).group(1))
                votes += last_vote == my_epoch
        self.assertEqual(votes, 2)
        # The old master comes back as a replica of the new one.
        self.nodes[m].start()
        wait_until(lambda: self.client(m).execute_command("ROLE")[0] == "slave", timeout=15,
                   what="old master rejoins as a replica")
        new_id = rc.execute_command("CLUSTER", "MYID")
        wait_until(lambda: self.view(r)[old_id]["master"] == new_id, timeout=10,
                   what="the new master lists the old one as its replica")
        wait_until(lambda: self.readonly_get(m, "{%s}after-failover" % tag) == "1",
                   timeout=15, what="old master resynced")
        self.wait_converged()
        code, out = run_cli("--cluster", "check", "127.0.0.1:%d" % self.nodes[r].port)
        self.assertEqual(code, 0, out)
        self.assertIn("[OK] All 16384 slots covered.", out)

    def test_e_partitioned_master(self):
        self.wait_converged()
        m, reps, slots = self.pairs()[2]
        r = reps[0]
        tag = self.tag_for(slots)
        mc = self.client(m)
        self.assertTrue(mc.set("{%s}before" % tag, "1"))
        others = [nid for nid in self.view(m) if nid != mc.execute_command("CLUSTER", "MYID")]
        self.assertEqual(mc.execute_command("CLUSTER", "TEST-BUS-DROP", *others), "OK")
        cut = time.time()
        try:
            def refuses():
                try:
                    mc.set("{%s}during" % tag, "x")
                    return False
                except redis.ResponseError as e:
                    return str(e) == "CLUSTERDOWN The cluster is down"
            wait_until(refuses, timeout=NODE_TIMEOUT / 1000 + 5, what="minority master refuses")
            self.assertGreaterEqual(time.time() - cut, NODE_TIMEOUT / 1000 * 0.9)
            with self.assertRaises(redis.ResponseError) as ctx:
                mc.get("{%s}before" % tag)
            self.assertEqual(str(ctx.exception), "CLUSTERDOWN The cluster is down")
            wait_until(lambda: self.client(r).execute_command("ROLE")[0] == "master",
                       timeout=NODE_TIMEOUT / 1000 + 8, what="majority promotes the replica")
            self.assertEqual(self.client(r).get("{%s}before" % tag), "1")
        finally:
            mc.execute_command("CLUSTER", "TEST-BUS-DROP", "NONE")
        wait_until(lambda: self.client(m).execute_command("ROLE")[0] == "slave", timeout=15,
                   what="healed master becomes a replica")
        self.wait_converged()


if __name__ == "__main__":
    unittest.main()
