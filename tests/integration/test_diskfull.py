"""Disk full: the server's --dir on a 20 MB tmpfs that fills up.

Needs root (mount -t tmpfs); skipped with a message otherwise. Each test
mounts its own tmpfs, creates a 6 MB filler file in it, starts the server
(appendfsync always) with --dir on it and SETs 64 KB values until one fails:
  - the failing write gets an -ERR reply (no crash, no hang); the server
    stays up and every acknowledged value reads back;
  - after the filler is deleted, writes succeed again within seconds (an
    out-of-space WAL failure, on the write path or in the sync thread, is not
    sticky: the WAL continues in a new file);
  - after the filler is deleted, a restart recovers every acknowledged write.
"""

import os
import random
import shutil
import subprocess
import tempfile
import time
import unittest

import redis

from lsmdb_harness import LsmdbServer

TMPFS_SIZE = "20m"
FILLER_BYTES = 6 << 20


def value(key):
    """64 KB of incompressible bytes (LZ4 must not shrink them), fixed per key."""
    return random.Random(key).randbytes(65536)


class TmpfsServer(LsmdbServer):
    """An LsmdbServer whose --dir is on `mount`; its log stays off the tmpfs."""

    def __init__(self, mount, **kw):
        self.mount = mount
        # A small memtable: flushes (and memtable switches) happen while the disk is full.
        super().__init__(args=["--appendfsync", "always", "--memtable-size", "1mb"], **kw)

    def command_line(self):
        cmd = super().command_line()
        cmd[cmd.index("--dir") + 1] = os.path.join(self.mount, "db")
        return cmd


def try_mount():
    """Mounts a fresh tmpfs; returns (path, None) or (None, why not)."""
    if os.geteuid() != 0:
        return None, "needs root to mount a tmpfs"
    path = tempfile.mkdtemp(prefix="lsmdb-diskfull-")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE, "tmpfs", path],
                       capture_output=True, text=True)
    if p.returncode != 0:
        os.rmdir(path)
        return None, "mount -t tmpfs not permitted: " + (p.stderr.strip() or p.stdout.strip())
    return path, None


class DiskFull(unittest.TestCase):
    def setUp(self):
        self.mount, why = try_mount()
        if self.mount is None:
            self.skipTest(why)
        self.filler = os.path.join(self.mount, "filler")
        with open(self.filler, "wb") as f:
            f.write(b"\0" * FILLER_BYTES)
        self.srv = TmpfsServer(self.mount)
        self.r = self.srv.client(socket_timeout=15)

    def tearDown(self):
        if self.mount is None:
            return
        self.srv.close()
        if subprocess.run(["umount", self.mount]).returncode != 0:
            subprocess.run(["umount", "-l", self.mount])
        shutil.rmtree(self.mount, ignore_errors=True)

    def fill(self):
        """SETs 64 KB values until one fails; returns (acknowledged keys, error)."""
        acked = []
        for i in range(2000):  # 128 MB: far more than the tmpfs holds
            key = "k%d" % i
            try:
                self.r.set(key, value(key))
            except redis.ResponseError as e:
                return acked, e
            acked.append(key)
        self.fail("2000 SETs of 64 KB fitted on a %s tmpfs" % TMPFS_SIZE)

    def assert_reads(self, keys):
        missing = [k for k in keys if self.r.get(k) != value(k)]
        self.assertEqual(missing[:5], [], "%d of %d acknowledged keys unreadable"
                         % (len(missing), len(keys)))

    def test_a_write_on_a_full_disk_gets_an_error_and_reads_keep_working(self):
        start = time.time()
        acked, err = self.fill()
        print("\ndiskfull: %d acknowledged SETs, then: %s (%.1f s)"
              % (len(acked), err, time.time() - start))
        self.assertGreater(len(acked), 0)
        self.assertIsNone(self.srv.proc.poll(), "server died on a full disk")
        # A later write is answered promptly: an error while the disk is still
        # full, or OK (out-of-space errors are not sticky: the WAL continues in
        # a new file, and a flush may have freed a little space) and then it
        # reads back. Either way the server keeps serving.
        try:
            if self.r.set("more", value("more")):
                acked.append("more")
        except (redis.ResponseError, redis.ConnectionError):
            pass
        self.assertTrue(self.r.ping())
        self.assert_reads(acked)
        self.assertEqual(self.r.get("missing"), None)
        self.assertIsNone(self.srv.proc.poll())

    def test_writes_succeed_again_once_space_is_freed(self):
        acked, _ = self.fill()
        # Clients keep trying for a while, and the background flush of the
        # memtable meets the full disk too.
        for i in range(5):
            try:
                if self.r.set("retry%d" % i, value("retry%d" % i)):
                    acked.append("retry%d" % i)
            except redis.ResponseError:
                pass
            time.sleep(0.2)
        os.remove(self.filler)
        ok = False
        last = None
        deadline = time.time() + 10
        while time.time() < deadline and not ok:
            try:
                ok = self.r.set("after", b"x" * 1000)
            except redis.ResponseError as e:
                last = e
                time.sleep(0.5)
        self.assertIsNone(self.srv.proc.poll())
        self.assert_reads(acked)
        self.assertTrue(ok, "writes still fail 10 s after space was freed: %s" % last)
        self.assertEqual(self.r.get("after"), b"x" * 1000)
        # More writes: each may still fail now and then while a compaction
        # briefly needs the space (old and new tables coexist on a nearly full
        # disk), but every one gets through within a few retries.
        transient = 0
        for i in range(20):
            key = "after%d" % i
            deadline = time.time() + 10
            while True:
                try:
                    self.assertTrue(self.r.set(key, value(key)))
                    break
                except redis.ResponseError as e:
                    transient += 1
                    if time.time() > deadline:
                        self.fail("%s still fails after 10 s: %s" % (key, e))
                    time.sleep(0.2)
        self.assert_reads(acked + ["after%d" % i for i in range(20)])
        if transient:
            print("\ndiskfull: %d transient write errors after space was freed" % transient)

    def test_a_pipeline_on_a_full_disk_gets_one_reply_per_command_in_order(self):
        # appendfsync always runs a whole pipeline before its fsync: when the
        # disk is full, each SET's reply is OK or an error of its own, each
        # GET's reply is untouched (or the connection is closed, when the
        # WAL write itself failed), and every SET answered OK reads back.
        acked, _ = self.fill()
        r = self.srv.client(socket_timeout=15)
        pipe = r.pipeline(transaction=False)
        for i in range(30):
            pipe.set("p%d" % i, value("p%d" % i))
            pipe.get(acked[0])
        try:
            replies = pipe.execute(raise_on_error=False)
        except redis.ConnectionError:
            replies = None
        self.assertIsNone(self.srv.proc.poll(), "server died on a full disk")
        if replies is not None:
            self.assertEqual(len(replies), 60)
            for i in range(30):
                self.assertEqual(replies[2 * i + 1], value(acked[0]), "GET reply %d" % i)
                if replies[2 * i] is True:
                    acked.append("p%d" % i)
                else:
                    self.assertIsInstance(replies[2 * i], redis.ResponseError)
            print("\ndiskfull pipeline: %d of 30 SETs acknowledged"
                  % sum(1 for x in replies[0::2] if x is True))
        self.assert_reads(acked)

    def test_restart_after_disk_full_recovers_every_acknowledged_write(self):
        acked, _ = self.fill()
        os.remove(self.filler)
        self.srv.restart()
        self.r = self.srv.client(socket_timeout=15)
        self.assert_reads(acked)
        self.assertTrue(self.r.set("after-restart", b"ok"))
        self.assertEqual(self.r.get("after-restart"), b"ok")


if __name__ == "__main__":
    unittest.main()
