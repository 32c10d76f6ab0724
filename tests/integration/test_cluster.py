"""Redis Cluster end to end: three lsmdb-server processes with
--cluster-enabled yes joined by `redis-cli --cluster create` (3 primaries,
no replicas), `redis-cli --cluster check`, redirections (MOVED, ASK/ASKING,
CROSSSLOT, CLUSTERDOWN), `redis-cli -c`, redis-py's RedisCluster with 2000
keys, a restart keeping the node id and slots (nodes.conf), SETSLOT marks and
owners surviving kill -9 (nodes.conf written, fsynced on an epoch bump), failure
detection (PFAIL -> FAIL -> cluster_state:fail and back), the bus keeping one
connection per peer and not letting a SIGSTOPped node slow the others, and
the errors of a server without cluster support."""

import random
import re
import signal
import socket
import subprocess
import time
import unittest

import redis
from redis.cluster import RedisCluster

from lsmdb_harness import LsmdbServer

NODE_TIMEOUT = 2000


def port_pair_free(port):
    for p in (port, port + 10000):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                return False
    return True


def cluster_ports(n):
    """n base ports in 20000..29999 whose bus ports (+10000) are free too."""
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


def cluster_info(r):
    text = r.execute_command("CLUSTER", "INFO")
    if isinstance(text, bytes):
        text = text.decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def run_cli(*args, timeout=60):
    p = subprocess.run(["redis-cli"] + [str(a) for a in args], capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")


NODE_LINE = re.compile(r"^[0-9a-f]{40} 127\.0\.0\.1:\d+@\d+ (myself,)?master - \d+ \d+ \d+ "
                       r"connected( \d+(-\d+)?)*$")


class ClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ports = cluster_ports(3)
        args = ["--cluster-enabled", "yes", "--cluster-node-timeout", str(NODE_TIMEOUT)]
        cls.nodes = [LsmdbServer(args=args, port=p) for p in ports]
        code, out = run_cli("--cluster", "create",
                            *["127.0.0.1:%d" % p for p in ports], "--cluster-yes")
        cls.create_output = (code, out)

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes:
            n.close()

    def client(self, i):
        return self.nodes[i].client(decode_responses=True)

    def wait_ok(self):
        for i in range(3):
            wait_until(lambda i=i: cluster_info(self.client(i))["cluster_state"] == "ok",
                       what="cluster_state:ok on node %d" % i)

    def node_for_slot(self, slot):
        for i in range(3):
            for first, last, *_ in self.client(i).execute_command("CLUSTER", "SLOTS"):
                if first <= slot <= last:
                    port = _[0][1]
                    return [n.port for n in self.nodes].index(port)
        raise AssertionError("slot %d not served" % slot)

    def test_a_create_and_check(self):
        code, out = self.create_output
        self.assertEqual(code, 0, out)
        self.assertIn("[OK] All 16384 slots covered.", out)
        self.wait_ok()
        code, out = run_cli("--cluster", "check", "127.0.0.1:%d" % self.nodes[0].port)
        self.assertEqual(code, 0, out)
        self.assertIn("[OK] All nodes agree about slots configuration.", out)
        self.assertIn("[OK] All 16384 slots covered.", out)

    def test_info_nodes_slots(self):
        self.wait_ok()
        r = self.client(0)
        info = cluster_info(r)
        self.assertEqual(info["cluster_slots_assigned"], "16384")
        self.assertEqual(info["cluster_slots_ok"], "16384")
        self.assertEqual(info["cluster_known_nodes"], "3")
        self.assertEqual(info["cluster_size"], "3")
        self.assertEqual(info["cluster_current_epoch"], "3")
        lines = r.execute_command("CLUSTER", "NODES")
        lines = [l for l in (lines if isinstance(lines, str) else lines.decode()).split("\n") if l]
        self.assertEqual(len(lines), 3)
        for line in lines:
            self.assertRegex(line, NODE_LINE)
        myself = [l for l in lines if "myself" in l][0]
        self.assertEqual(myself.split()[0], r.execute_command("CLUSTER", "MYID"))
        ranges = sorted((s[0], s[1]) for s in r.execute_command("CLUSTER", "SLOTS"))
        self.assertEqual(ranges, [(0, 5460), (5461, 10922), (10923, 16383)])
        self.assertEqual(self.nodes[0].client().info("cluster")["cluster_enabled"], 1)

    def test_bus_connections_are_kept_open(self):
        """Each node dials each peer once and reuses the connection: over 3 s
        (some 30 pings to every peer) no new bus connection is opened, where a
        connection per message would open some 40 per second per node."""
        self.wait_ok()

        def stats():
            infos = [cluster_info(self.client(i)) for i in range(3)]
            return ([int(x["cluster_stats_connections_opened"]) for x in infos],
                    [int(x["cluster_stats_messages_sent"]) for x in infos])

        opened0, sent0 = stats()
        time.sleep(3)
        opened1, sent1 = stats()
        for i in range(3):
            self.assertGreaterEqual(sent1[i] - sent0[i], 40, "node %d barely talked" % i)
            self.assertLessEqual(opened1[i] - opened0[i], 2,
                                 "node %d opened %d bus connections in 3 s"
                                 % (i, opened1[i] - opened0[i]))

    def test_keyslot(self):
        r = self.client(0)
        self.assertEqual(r.execute_command("CLUSTER", "KEYSLOT", "foo"), 12182)
        self.assertEqual(r.execute_command("CLUSTER", "KEYSLOT", ""), 0)
        self.assertEqual(r.execute_command("CLUSTER", "KEYSLOT", "{user1000}.following"),
                         r.execute_command("CLUSTER", "KEYSLOT", "{user1000}.followers"))

    def test_moved_and_crossslot(self):
        self.wait_ok()
        owner = self.node_for_slot(12182)
        other = (owner + 1) % 3
        with self.assertRaises(redis.ResponseError) as ctx:
            self.client(other).get("foo")
        self.assertEqual(str(ctx.exception),
                         "MOVED 12182 127.0.0.1:%d" % self.nodes[owner].port)
        with self.assertRaises(redis.ResponseError) as ctx:
            self.client(owner).mset({"foo": 1, "bar": 2})
        self.assertEqual(str(ctx.exception),
                         "CROSSSLOT Keys in request don't hash to the same slot")
        # Keys named by a count are keys too (ZUNION numkeys key...).
        with self.assertRaises(redis.ResponseError) as ctx:
            self.client(owner).execute_command("ZUNIONSTORE", "{foo}d", "2", "{foo}a", "bar")
        self.assertEqual(str(ctx.exception),
                         "CROSSSLOT Keys in request don't hash to the same slot")
        with self.assertRaises(redis.ResponseError) as ctx:
            self.client(other).execute_command("ZUNION", "1", "foo")
        self.assertEqual(str(ctx.exception),
                         "MOVED 12182 127.0.0.1:%d" % self.nodes[owner].port)
        self.assertEqual(self.client(owner).command_getkeys(
            "ZUNIONSTORE", "{foo}d", "2", "{foo}a", "{foo}b"), ["{foo}d", "{foo}a", "{foo}b"])
        # Keys with one hash tag go together; keyless commands are not redirected.
        self.assertTrue(self.client(owner).mset({"{foo}a": 1, "{foo}b": 2}))
        self.assertTrue(self.client(other).ping())

    def test_ask_and_asking(self):
        self.wait_ok()
        src = self.node_for_slot(12182)
        dst = (src + 1) % 3
        rs, rd = self.client(src), self.client(dst)
        src_id = rs.execute_command("CLUSTER", "MYID")
        dst_id = rd.execute_command("CLUSTER", "MYID")
        rs.set("{foo}present", "v")
        self.assertEqual(rd.execute_command("CLUSTER", "SETSLOT", 12182, "IMPORTING", src_id),
                         "OK")
        self.assertEqual(rs.execute_command("CLUSTER", "SETSLOT", 12182, "MIGRATING", dst_id),
                         "OK")
        try:
            self.assertEqual(rs.get("{foo}present"), "v")
            with self.assertRaises(redis.ResponseError) as ctx:
                rs.get("{foo}absent")
            self.assertEqual(str(ctx.exception),
                             "ASK 12182 127.0.0.1:%d" % self.nodes[dst].port)
            with self.assertRaises(redis.ResponseError) as ctx:
                rd.get("{foo}absent")
            self.assertTrue(str(ctx.exception).startswith("MOVED 12182"))
            raw = self.nodes[dst].raw()
            raw.sendall(b"ASKING\r\nGET {foo}absent\r\nGET {foo}absent\r\n")
            data = b""
            deadline = time.time() + 5
            while data.count(b"\r\n") < 3 and time.time() < deadline:
                data += raw.recv(4096)
            raw.close()
            self.assertTrue(data.startswith(b"+OK\r\n$-1\r\n-MOVED 12182"), data)
        finally:
            rs.execute_command("CLUSTER", "SETSLOT", 12182, "STABLE")
            rd.execute_command("CLUSTER", "SETSLOT", 12182, "STABLE")

    def test_redis_cli_follows_redirects(self):
        self.wait_ok()
        port = self.nodes[0].port
        for key in ("foo", "bar", "baz", "{user1000}.following"):
            code, out = run_cli("-c", "-p", port, "SET", key, "v-" + key)
            self.assertEqual((code, out.strip()), (0, "OK"))
            code, out = run_cli("-c", "-p", port, "GET", key)
            self.assertEqual((code, out.strip()), (0, "v-" + key))

    def test_redis_py_cluster_2000_keys(self):
        self.wait_ok()
        rc = RedisCluster(host="127.0.0.1", port=self.nodes[1].port, decode_responses=True)
        try:
            for i in range(2000):
                rc.set("key:%d" % i, "value:%d" % i)
            for i in range(2000):
                self.assertEqual(rc.get("key:%d" % i), "value:%d" % i)
        finally:
            rc.close()
        counts = [self.client(i).dbsize() for i in range(3)]
        self.assertGreaterEqual(sum(counts), 2000)
        self.assertTrue(all(c > 400 for c in counts), counts)
        # COUNTKEYSINSLOT / GETKEYSINSLOT agree with KEYSLOT.
        slot = self.client(0).execute_command("CLUSTER", "KEYSLOT", "key:7")
        owner = self.client(self.node_for_slot(slot))
        keys = owner.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 100)
        self.assertIn("key:7", keys)
        self.assertEqual(owner.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot), len(keys))

    def test_restart_keeps_id_and_slots(self):
        self.wait_ok()
        r = self.client(1)
        myid = r.execute_command("CLUSTER", "MYID")
        slots = sorted((s[0], s[1], s[2][2]) for s in r.execute_command("CLUSTER", "SLOTS"))
        self.nodes[1].restart()
        r = self.client(1)
        self.assertEqual(r.execute_command("CLUSTER", "MYID"), myid)
        self.assertEqual(
            sorted((s[0], s[1], s[2][2]) for s in r.execute_command("CLUSTER", "SLOTS")), slots)
        self.wait_ok()
        code, out = run_cli("--cluster", "check", "127.0.0.1:%d" % self.nodes[1].port)
        self.assertEqual(code, 0, out)

    def test_setslot_survives_kill_9(self):
        # SETSLOT rewrites nodes.conf before replying and fsyncs it only when
        # it bumps the config epoch (as Redis does): the marks and the new
        # owner must still be there after kill -9 and a restart.
        self.wait_ok()
        slot = 4321
        src = self.node_for_slot(slot)
        dst = (src + 1) % 3
        rs, rd = self.client(src), self.client(dst)
        src_id = rs.execute_command("CLUSTER", "MYID")
        dst_id = rd.execute_command("CLUSTER", "MYID")
        self.assertEqual(rd.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", src_id), "OK")
        self.assertEqual(rs.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", dst_id), "OK")

        def owned_by_everywhere(slot, owner):
            port = self.nodes[owner].port
            for i in range(3):
                ranges = self.client(i).execute_command("CLUSTER", "SLOTS")
                if not any(r[0] <= slot <= r[1] and r[2][1] == port for r in ranges):
                    return False
            return True

        def myself_line(i):
            for line in self.client(i).execute_command("CLUSTER", "NODES").splitlines():
                if "myself" in line:
                    return line
            raise AssertionError("no myself line")

        for i in (src, dst):
            self.nodes[i].stop(sig=signal.SIGKILL)
            self.nodes[i].start()
        self.assertIn("[%d->-%s]" % (slot, dst_id), myself_line(src))
        self.assertIn("[%d-<-%s]" % (slot, src_id), myself_line(dst))
        # SETSLOT NODE on the importing node bumps its epoch (fsynced).
        epoch = int(myself_line(dst).split()[6])
        self.assertEqual(self.client(dst).execute_command("CLUSTER", "SETSLOT", slot, "NODE",
                                                          dst_id), "OK")
        self.assertEqual(self.client(src).execute_command("CLUSTER", "SETSLOT", slot, "NODE",
                                                          dst_id), "OK")
        bumped = int(myself_line(dst).split()[6])
        self.assertGreater(bumped, epoch)
        for i in (src, dst):
            self.nodes[i].stop(sig=signal.SIGKILL)
            self.nodes[i].start()
        line = myself_line(dst)
        self.assertEqual(int(line.split()[6]), bumped)
        self.assertNotIn("[", line)
        self.assertNotIn("[", myself_line(src))
        wait_until(lambda: owned_by_everywhere(slot, dst), what="slot %d on dst" % slot)
        self.wait_ok()
        # Move it back the same way, so that later tests see the usual layout.
        rs, rd = self.client(src), self.client(dst)
        rs.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", dst_id)
        rd.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", src_id)
        rs.execute_command("CLUSTER", "SETSLOT", slot, "NODE", src_id)
        rd.execute_command("CLUSTER", "SETSLOT", slot, "NODE", src_id)
        wait_until(lambda: owned_by_everywhere(slot, src), what="slot %d back" % slot)
        self.wait_ok()
        code, out = run_cli("--cluster", "check", "127.0.0.1:%d" % self.nodes[0].port)
        self.assertEqual(code, 0, out)

    def test_y_stopped_node_does_not_stall_the_others(self):
        """A SIGSTOPped node still has its connections accepted by the kernel
        but never answers. The others must keep talking to each other at the
        normal rate (a PING and a PONG each way every 100 ms), flag the
        stopped node PFAIL/FAIL within about the node timeout, and take it
        back once it runs again."""
        self.wait_ok()
        victim = self.nodes[2]
        victim_id = self.client(2).execute_command("CLUSTER", "MYID")

        def received(i):
            return int(cluster_info(self.client(i))["cluster_stats_messages_received"])

        def flagged_failing(i):
            nodes = self.client(i).execute_command("CLUSTER", "NODES")
            line = [l for l in nodes.split("\n") if l.startswith(victim_id)][0]
            return bool({"fail", "fail?"} & set(line.split()[2].split(",")))

        victim.proc.send_signal(signal.SIGSTOP)
        stopped_at = time.time()
        try:
            time.sleep(0.5)  # the pings to the victim are now unanswered
            before, t0 = [received(0), received(1)], time.time()
            time.sleep(2)
            after, t1 = [received(0), received(1)], time.time()
            for i in range(2):
                rate = (after[i] - before[i]) / (t1 - t0)
                self.assertGreaterEqual(rate, 8, "node %d received %.1f messages/s from its "
                                        "one live peer" % (i, rate))
            for i in range(2):
                wait_until(lambda i=i: flagged_failing(i),
                           timeout=max(0.1, stopped_at + NODE_TIMEOUT / 1000 + 3 - time.time()),
                           interval=0.05, what="node %d flagging the stopped node" % i)
            print("\nstopped node flagged by both others %.2f s after SIGSTOP (node timeout "
                  "%d ms)" % (time.time() - stopped_at, NODE_TIMEOUT))
        finally:
            victim.proc.send_signal(signal.SIGCONT)
        self.wait_ok()
        for i in range(2):
            wait_until(lambda i=i: not flagged_failing(i), timeout=10,
                       what="node %d clearing the resumed node's flags" % i)

    def test_z_failure_detection(self):
        self.wait_ok()
        victim = self.nodes[2]
        victim_id = self.client(2).execute_command("CLUSTER", "MYID")
        victim.stop()
        try:
            def failed():
                nodes = self.client(0).execute_command("CLUSTER", "NODES")
                line = [l for l in nodes.split("\n") if l.startswith(victim_id)][0]
                return "fail" in line.split()[2].split(",")
            wait_until(failed, timeout=NODE_TIMEOUT / 1000 * 10, what="victim flagged fail")
            self.assertEqual(cluster_info(self.client(0))["cluster_state"], "fail")
            with self.assertRaises(redis.ResponseError) as ctx:
                self.client(0).get("foo")
            self.assertEqual(str(ctx.exception), "CLUSTERDOWN The cluster is down")
        finally:
            victim.start()
        self.wait_ok()


class ReplicaTest(unittest.TestCase):
    """One master with every slot and a replica attached by CLUSTER REPLICATE."""

    def test_replicate_and_readonly(self):
        ports = cluster_ports(2)
        args = ["--cluster-enabled", "yes", "--cluster-node-timeout", str(NODE_TIMEOUT)]
        m_srv, r_srv = [LsmdbServer(args=args, port=p) for p in ports]
        try:
            m = m_srv.client(decode_responses=True)
            r = r_srv.client(decode_responses=True)
            self.assertEqual(m.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383), "OK")
            mid = m.execute_command("CLUSTER", "MYID")
            self.assertEqual(r.execute_command("CLUSTER", "MEET", "127.0.0.1", ports[0]), "OK")
            wait_until(lambda: cluster_info(r)["cluster_known_nodes"] == "2"
                       and cluster_info(m)["cluster_known_nodes"] == "2"
                       and cluster_info(r)["cluster_state"] == "ok", what="meet")
            self.assertEqual(r.execute_command("CLUSTER", "REPLICATE", mid), "OK")
            wait_until(lambda: len(m.execute_command("CLUSTER", "REPLICAS", mid)) == 1,
                       what="master sees its replica")
            line = m.execute_command("CLUSTER", "REPLICAS", mid)[0]
            self.assertEqual(line.split()[2:4], ["slave", mid])
            m.set("foo", "bar")
            with self.assertRaises(redis.ResponseError) as ctx:
                r.get("foo")
            self.assertEqual(str(ctx.exception), "MOVED 12182 127.0.0.1:%d" % ports[0])
            raw = r_srv.raw()
            raw.sendall(b"READONLY\r\n")
            self.assertEqual(raw.recv(100), b"+OK\r\n")

            def replicated():
                raw.sendall(b"GET foo\r\n")
                return raw.recv(100) == b"$3\r\nbar\r\n"
            wait_until(replicated, what="read on the replica after READONLY")
            raw.sendall(b"SET foo baz\r\n")
            self.assertTrue(raw.recv(100).startswith(b"-MOVED 12182"))
            raw.close()
            slots = m.execute_command("CLUSTER", "SLOTS")
            wait_until(lambda: len(m.execute_command("CLUSTER", "SLOTS")[0]) == 4,
                       what="replica listed in CLUSTER SLOTS")
            self.assertEqual(len(slots), 1)
        finally:
            r_srv.close()
            m_srv.close()


class DisabledTest(unittest.TestCase):
    def test_cluster_commands_refused_without_cluster(self):
        with LsmdbServer() as srv:
            r = srv.client()
            for cmd in (("CLUSTER", "INFO"), ("CLUSTER", "KEYSLOT", "foo"), ("READONLY",),
                        ("ASKING",)):
                with self.assertRaises(redis.ResponseError) as ctx:
                    r.execute_command(*cmd)
                # redis-py drops the "ERR " prefix.
                self.assertEqual(str(ctx.exception),
                                 "This instance has cluster support disabled")
            self.assertTrue(r.mset({"foo": 1, "bar": 2}))
            self.assertEqual(r.info("cluster")["cluster_enabled"], 0)


if __name__ == "__main__":
    unittest.main()
