"""Hostile clients on raw sockets, against a server with its DEFAULT limits.

After every attack the server must still be up, answer PING on a fresh
connection, and keep its resident memory (VmRSS from /proc/<pid>/status)
under RSS_LIMIT_MB. Attacks:
  - malformed RESP (bad and negative lengths, non-numeric counts, wrong type
    bytes, binary garbage, unbalanced quotes): -ERR Protocol error, close;
  - a bulk length of 2^40 and a multibulk of 10 million elements (over the
    limits: rejected at once), and 1 million elements / 512 MB bulks announced
    within the limits and never sent, on many connections at once;
  - partial commands, then silence, on many connections;
  - an inline line of 100 KB without a newline (too big inline request);
  - 10 000 idle connections (the default maxclients), or as many as the fd
    limit allows; the next one is refused with "max number of clients";
  - a client that pipelines GETs of a 1 MB value and never reads: the server
    must stop reading from it or close it (output-buffer limit), not buffer
    gigabytes; both spread over many reads and as one 22 KB write of 1024 GETs.
"""

import os
import resource
import socket
import time
import unittest

from lsmdb_harness import LsmdbServer, encode, read_all_until_close, read_until

RSS_LIMIT_MB = 500


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def raise_fd_limit():
    """Raises this process's soft RLIMIT_NOFILE to the hard limit (the server,
    a child, inherits it); returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        except (ValueError, OSError):
            pass
    return soft


class Hostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fd_limit = raise_fd_limit()
        cls.srv = LsmdbServer()
        cls.peak_rss = 0.0

    @classmethod
    def tearDownClass(cls):
        print("\nhostile: peak server RSS %.1f MB (limit %d MB), fd limit %d"
              % (cls.peak_rss, RSS_LIMIT_MB, cls.fd_limit))
        cls.srv.close()

    def assert_healthy(self, what):
        self.assertIsNone(self.srv.proc.poll(), "server died after: " + what)
        with self.srv.raw(timeout=10) as s:
            s.sendall(encode("PING"))
            self.assertEqual(read_until(s, lambda d: d.endswith(b"\r\n"), timeout=10),
                             b"+PONG\r\n", "no PONG after: " + what)
        rss = rss_mb(self.srv.proc.pid)
        type(self).peak_rss = max(type(self).peak_rss, rss)
        self.assertLess(rss, RSS_LIMIT_MB, "server RSS %.0f MB after: %s" % (rss, what))

    def expect_protocol_error(self, payload, what):
        s = self.srv.raw()
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data, closed = read_all_until_close(s, timeout=10)
        s.close()
        self.assertTrue(closed, "%s: connection not closed (got %r)" % (what, data[:100]))
        self.assertIn(b"-ERR Protocol error", data, what)
        self.assert_healthy(what)

    def test_malformed_resp_gets_a_protocol_error_and_a_close(self):
        cases = {
            "non-numeric bulk length": b"*1\r\n$abc\r\n",
            "negative bulk length": b"*1\r\n$-5\r\nhello\r\n",
            "bulk length with +": b"*1\r\n$+4\r\nPING\r\n",
            "non-numeric multibulk count": b"*x\r\n",
            "multibulk count with spaces": b"* 1\r\n$4\r\nPING\r\n",
            "leading zero length": b"*1\r\n$04\r\nPING\r\n",
            "simple string instead of bulk": b"*1\r\n+PING\r\n",
            "integer instead of bulk": b"*2\r\n$3\r\nGET\r\n:1\r\n",
            "bulk length 2^40": b"*1\r\n$1099511627776\r\n",
            "bulk length 2^63": b"*1\r\n$9223372036854775808\r\n",
            "multibulk of 10 million": b"*10000000\r\n$4\r\nPING\r\n",
            "multibulk count 2^64": b"*18446744073709551616\r\n",
            "unbalanced quotes inline": b"SET k \"abc\r\n",
            "binary garbage then bad multibulk": b"\x00\xff\xfe\r\n*\x01\x02\r\n",
        }
        for what, payload in cases.items():
            with self.subTest(what):
                self.expect_protocol_error(payload, what)

    def test_huge_inline_line_without_newline(self):
        self.expect_protocol_error(b"GET " + b"a" * 100000, "100 KB inline line")

    def test_many_connections_announce_the_largest_allowed_bulk_and_stop(self):
        # 512 MB is proto-max-bulk-len: accepted, so the server waits for it.
        socks = []
        for i in range(40):
            s = self.srv.raw()
            s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n" + b"x" * 1000)
            socks.append(s)
        for i in range(40):
            s = self.srv.raw()
            s.sendall(b"*1000000\r\n$3\r\nSET\r\n")  # 1M elements: the limit
            socks.append(s)
        time.sleep(0.5)
        self.assert_healthy("80 connections announcing 512 MB bulks / 1M-element commands")
        for s in socks:
            s.close()
        self.assert_healthy("closing them")

    def test_partial_commands_then_silence(self):
        partials = [b"*3\r\n$3\r\nSET\r\n$1", b"*2\r\n", b"*2\r\n$3\r\nGET\r", b"GET k",
                    b"*1\r\n$4\r\nPI", b"$"]
        socks = []
        for i in range(300):
            s = self.srv.raw()
            s.sendall(partials[i % len(partials)])
            socks.append(s)
        time.sleep(0.3)
        self.assert_healthy("300 half-sent commands")
        # The partial connections are still open and usable once they go on.
        s = socks[0]
        s.sendall(b"\r\nk\r\n$1\r\nv\r\n" + encode("GET", "k"))
        self.assertEqual(read_until(s, lambda d: d.count(b"\r\n") >= 3), b"+OK\r\n$1\r\nv\r\n")
        for s in socks:
            s.close()
        self.assert_healthy("closing them")

    def test_ten_thousand_idle_connections(self):
        # srv.command() disconnects explicitly (redis-py's Redis.close() leaves
        # the socket open until garbage collection, holding a client slot).
        maxclients = int(self.srv.command("CONFIG", "GET", "maxclients")[1])
        info = self.srv.command("INFO", "clients").decode()
        connected = int(info.split("connected_clients:")[1].split()[0])
        others = connected - 1  # left by earlier tests (the INFO connection is one)
        # This process needs one fd per connection, the server one more each.
        target = min(maxclients - others, self.fd_limit - 200)
        if target < maxclients - others:
            print("\nhostile: fd limit %d allows only %d of %d idle connections"
                  % (self.fd_limit, target, maxclients))
        socks = []
        try:
            # In batches of 500, each answering a PING before the next opens
            # (a burst of 10 000 SYNs could overflow the accept queue, which is
            # the kernel's business, not the server's).
            slow = []
            self.srv_log_mark = len(self.srv.read_log())
            while len(socks) < target:
                batch = [socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
                         for _ in range(min(500, target - len(socks)))]
                socks += batch
                for s in batch:
                    s.sendall(b"*1\r\n$4\r\nPING\r\n")
                for s in batch:
                    if read_until(s, lambda d: d.endswith(b"\r\n"), timeout=10) != b"+PONG\r\n":
                        slow.append((len(socks) - len(batch) + batch.index(s), s))
            lost = []
            for i, s in slow:
                t0 = time.time()
                got = read_until(s, lambda d: d.endswith(b"\r\n"), timeout=30)
                if got != b"+PONG\r\n":
                    lost.append((i, got, round(time.time() - t0, 1)))
            if slow:
                print("\nhostile: %d connections slow (> 10 s), %d of them lost: %r"
                      % (len(slow), len(lost), lost[:3]))
            self.assertEqual(len(lost), 0, "%d of %d idle connections did not answer"
                             % (len(lost), target))
            # A sample of them again, now that all of them are open.
            for s in socks[::97]:
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                self.assertEqual(read_until(s, lambda d: d.endswith(b"\r\n")), b"+PONG\r\n")
            rss = rss_mb(self.srv.proc.pid)
            print("\nhostile: %d idle connections, server RSS %.1f MB" % (target, rss))
            if target == maxclients - others:
                extra = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
                data, _ = read_all_until_close(extra, timeout=10)
                extra.close()
                self.assertIn(b"max number of clients reached", data)
            self.assertLess(rss, RSS_LIMIT_MB)
        finally:
            for s in socks:
                s.close()
        time.sleep(0.5)
        self.assert_healthy("%d idle connections" % target)

    def non_reader(self, srv, chunk, total, pause):
        """Sends `total` GETs of the 1 MB value `big`, `chunk` per write with
        `pause` seconds between writes, never reading. Returns (GETs sent,
        closed by the server, peak server RSS in MB)."""
        s = srv.raw()
        s.settimeout(2)
        req = encode("GET", "big") * chunk
        sent, closed, peak = 0, False, 0.0
        try:
            while sent < total:
                try:
                    s.sendall(req)
                    sent += chunk
                except socket.timeout:
                    break  # the server stopped reading and the kernel buffers are full
                except (BrokenPipeError, ConnectionResetError):
                    closed = True  # the server closed us (output-buffer limit)
                    break
                peak = max(peak, rss_mb(srv.proc.pid))
                if pause:
                    time.sleep(pause)
            for _ in range(10):  # let the server run what it has read
                time.sleep(0.1)
                peak = max(peak, rss_mb(srv.proc.pid))
            if not closed:
                # Still open: the replies are intact and arrive in order.
                one = b"$1048576\r\n"
                data = read_until(s, lambda d: len(d) >= 3 << 20, timeout=10)
                if data:
                    self.assertTrue(data.startswith(one + b"v" * 1000), data[:40])
        finally:
            s.close()
        type(self).peak_rss = max(type(self).peak_rss, peak)
        return sent, closed, peak

    def test_client_that_never_reads_large_replies(self):
        """GETs arriving one per write (1 GB of replies in all): the soft output
        limit (64 MB by default) makes the server stop reading from the client."""
        r = self.srv.client()
        r.set("big", b"v" * (1 << 20))
        sent, closed, peak = self.non_reader(self.srv, chunk=1, total=1024, pause=0.002)
        print("\nhostile: streaming non-reader sent %d GETs of 1 MB (%s); peak server RSS "
              "%.1f MB" % (sent, "closed" if closed else "open", peak))
        self.assertLess(peak, RSS_LIMIT_MB)
        self.assertTrue(r.ping())
        self.assert_healthy("a client that never reads")

    # The output limits are checked once per read: all commands of one read
    # run before the check, so 1024 GETs of 1 MB in one packet buffer ~1 GB
    # (measured: RSS ~850 MB). Reported to the lead; set False once fixed.
    KNOWN_ISSUE_ONE_READ_UNBOUNDED = False

    def test_client_that_pipelines_a_gigabyte_of_replies_in_one_write(self):
        # A server of its own: the other tests must not inherit its memory.
        with LsmdbServer() as srv:
            r = srv.client()
            r.set("big", b"v" * (1 << 20))
            sent, closed, peak = self.non_reader(srv, chunk=1024, total=1024, pause=0)
            self.assertTrue(r.ping())
            self.assertIsNone(srv.proc.poll())
        print("\nhostile: one write of %d GETs of 1 MB (%s); peak server RSS %.1f MB"
              % (sent, "closed" if closed else "open", peak))
        if peak >= RSS_LIMIT_MB and self.KNOWN_ISSUE_ONE_READ_UNBOUNDED:
            self.skipTest("KNOWN ISSUE: 1024 pipelined GETs of 1 MB in one write made the "
                          "server buffer their replies: RSS %.0f MB" % peak)
        self.assertLess(peak, RSS_LIMIT_MB)


if __name__ == "__main__":
    unittest.main()
