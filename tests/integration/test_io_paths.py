"""The connection's I/O paths under concurrency: the WAL flush shared by the
connections of one event-loop pass (replies held until it ran), reads of
trickled and half-closed input, and the per-read command clock. Each test
fails by a wrong or missing reply (a lost wake-up shows as a timeout)."""

import random
import signal
import socket
import threading
import time
import unittest

from lsmdb_harness import LsmdbServer, encode, read_until


def expect_reply(sock, want, timeout=20):
    data = read_until(sock, lambda d: len(d) >= len(want), timeout=timeout)
    return data


class IoPaths(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer(["--io-threads", "2"])

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def test_request_response_round_trips_do_not_stall(self):
        # One command at a time, the next sent as soon as the reply is in:
        # every write waits for the thread's WAL flush before its reply.
        s = self.srv.raw()
        for i in range(2000):
            if i % 3 == 0:
                s.sendall(encode("SET", "rr", str(i)))
                want = b"+OK\r\n"
            elif i % 3 == 1:
                s.sendall(encode("INCR", "rr"))
                want = b":%d\r\n" % (i,)
            else:
                s.sendall(encode("GET", "rr"))
                want = b"$%d\r\n%d\r\n" % (len(str(i - 1)), i - 1)
            self.assertEqual(expect_reply(s, want, timeout=5), want, "request %d" % i)
        s.close()

    def test_trickled_pipelines_from_many_clients(self):
        # Clients send pipelines of writes and reads cut at random points with
        # pauses, concurrently; each must get exactly its replies in order.
        errors = []

        def run(cid):
            rnd = random.Random(cid)
            try:
                s = self.srv.raw(timeout=30)
                req = []
                want = []
                for i in range(300):
                    key = "tp:%d:%d" % (cid, (i // 2) % 7)
                    if i % 4 == 3:
                        req.append(encode("INCR", "tp:ctr:%d" % cid))
                        want.append(b":%d\r\n" % (i // 4 + 1))
                    elif i % 2 == 0:
                        req.append(encode("SET", key, "v%d" % i))
                        want.append(b"+OK\r\n")
                    else:
                        req.append(encode("GET", key))
                        v = b"v%d" % (i - 1)
                        want.append(b"$%d\r\n%s\r\n" % (len(v), v))
                data = b"".join(req)
                pos = 0
                while pos < len(data):
                    n = rnd.randint(1, 200)
                    s.sendall(data[pos:pos + n])
                    pos += n
                    if rnd.random() < 0.1:
                        time.sleep(0.002)
                expected = b"".join(want)
                got = read_until(s, lambda d: len(d) >= len(expected), timeout=30)
                if got != expected:
                    errors.append("client %d: %d of %d bytes, first diff at %d" % (
                        cid, len(got), len(expected),
                        next((k for k in range(min(len(got), len(expected)))
                              if got[k] != expected[k]), min(len(got), len(expected)))))
                s.close()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append("client %d: %r" % (cid, e))

        threads = [threading.Thread(target=run, args=(c,)) for c in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])

    def test_half_close_after_a_pipeline_gets_every_reply(self):
        # The client shuts down its sending side right after the pipeline:
        # the server reads the commands and the EOF in one go, yet replies
        # to everything before closing.
        s = self.srv.raw()
        n = 200
        s.sendall(b"".join(encode("SET", "hc%d" % i, "x") for i in range(n)))
        s.shutdown(socket.SHUT_WR)
        want = b"+OK\r\n" * n
        got = read_until(s, lambda d: len(d) >= len(want), timeout=10)
        self.assertEqual(got, want)
        # Then the server sees the EOF and closes.
        s.settimeout(5)
        self.assertEqual(s.recv(1), b"")
        s.close()
        self.assertEqual(self.srv.command("EXISTS", "hc0", "hc199"), 2)

    def test_disconnect_of_an_idle_client_is_noticed(self):
        before = int(self.srv.command("INFO", "clients").split(
            b"connected_clients:")[1].split(b"\r\n")[0])
        socks = [self.srv.raw() for _ in range(5)]
        for s in socks:
            s.sendall(encode("PING"))
            self.assertEqual(expect_reply(s, b"+PONG\r\n"), b"+PONG\r\n")
        for s in socks:
            s.close()
        deadline = time.time() + 5
        while time.time() < deadline:
            now = int(self.srv.command("INFO", "clients").split(
                b"connected_clients:")[1].split(b"\r\n")[0])
            if now <= before:
                break
            time.sleep(0.05)
        self.assertLessEqual(now, before)


class AlwaysPipeline(unittest.TestCase):
    """appendfsync always: a pipeline of writes runs on while the first
    fsync is pending and shares the next one (as Redis's one fsync per
    event-loop pass), with every reply in order and no reply early."""

    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer(["--appendfsync", "always"])

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def wal_syncs(self):
        info = self.srv.command("INFO", "storage")
        return int(info.split(b"lsm_wal_syncs:")[1].split(b"\r\n")[0])

    def test_a_pipeline_of_writes_shares_fsyncs_and_keeps_reply_order(self):
        s = self.srv.raw()
        n = 2000
        cmds, want = [], []
        for i in range(n):
            if i % 4 == 3:
                cmds.append(encode("GET", "ap"))  # a read sees the writes before it
                want.append(b"$%d\r\n%d\r\n" % (len(str(i - 1)), i - 1))
            elif i % 4 == 0:
                cmds.append(encode("SET", "ap", str(i)))
                want.append(b"+OK\r\n")
            else:
                cmds.append(encode("INCR", "ap"))
                want.append(b":%d\r\n" % i)
        want = b"".join(want)
        before = self.wal_syncs()
        s.sendall(b"".join(cmds))
        got = read_until(s, lambda d: len(d) >= len(want), timeout=30)
        self.assertEqual(got, want)
        syncs = self.wal_syncs() - before
        # 1500 write commands: parking after each one took one fsync each.
        self.assertLess(syncs, 150, "%d fsyncs for 1500 pipelined writes" % syncs)
        s.close()
        # Durable: the last value survives a kill -9.
        self.srv.stop(signal.SIGKILL)
        self.srv.start()
        self.assertEqual(self.srv.command("GET", "ap"), str(n - 2).encode())


if __name__ == "__main__":
    unittest.main()
