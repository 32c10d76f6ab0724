"""Server commands end to end: INFO, CONFIG, COMMAND, TIME, SAVE/BGSAVE,
SLOWLOG, DEBUG, LSMDB, SHUTDOWN and restart with the data still there."""

import os
import signal
import time
import unittest

import redis

from lsmdb_harness import LsmdbServer


class ServerCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer()

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def test_info_sections(self):
        r = self.srv.client()
        for i in range(5):
            r.set("info%d" % i, i)
        info = r.info()
        self.assertEqual(info["role"], "master")
        self.assertEqual(info["connected_slaves"], 0)
        self.assertEqual(info["tcp_port"], self.srv.port)
        self.assertGreaterEqual(info["connected_clients"], 1)
        self.assertGreaterEqual(info["total_commands_processed"], 5)
        self.assertIn("master_replid", info)
        self.assertIn("used_cpu_user", info)
        self.assertGreaterEqual(info["db0"]["keys"], 5)
        stats = r.info("commandstats")
        self.assertGreaterEqual(stats["cmdstat_set"]["calls"], 5)
        self.assertIn(b"# Storage", self.srv.command("INFO", "storage"))

    def test_config_get_set(self):
        r = self.srv.client()
        self.assertEqual(r.config_get("maxclients"), {"maxclients": "10000"})
        self.assertEqual(r.config_get("appendfsync"), {"appendfsync": "everysec"})
        self.assertEqual(r.config_get("save"), {"save": ""})
        self.assertEqual(r.config_get("port"), {"port": str(self.srv.port)})
        self.assertEqual(r.config_get("databases"), {"databases": "16"})
        self.assertTrue(r.config_set("slowlog-max-len", 64))
        self.assertEqual(r.config_get("slowlog-max-len"), {"slowlog-max-len": "64"})
        with self.assertRaises(redis.ResponseError) as e:
            r.config_set("port", 1)
        self.assertIn("can't set immutable config", str(e.exception))
        self.assertTrue(r.config_resetstat())

    def test_command_introspection(self):
        r = self.srv.client()
        c = self.srv.command
        self.assertGreater(c("COMMAND", "COUNT"), 20)
        self.assertEqual(r.command_count(), c("COMMAND", "COUNT"))
        docs = c("COMMAND", "DOCS", "get", "set")
        self.assertEqual(len(docs), 4)
        self.assertEqual(docs[0], b"get")
        names = c("COMMAND", "LIST")
        self.assertIn(b"get", names)
        self.assertIn(b"ping", names)
        info = c("COMMAND", "INFO", "get")
        self.assertEqual(info[0][0], b"get")
        self.assertEqual(info[0][1], 2)
        self.assertEqual(c("COMMAND", "GETKEYS", "set", "k", "v"), [b"k"])

    def test_redis_cli_interactive_startup(self):
        # Interactive redis-cli fetches COMMAND DOCS; piped input is
        # non-interactive, so also run it once through a pseudo terminal.
        code, out = self.srv.cli(stdin=b"PING\nCOMMAND COUNT\n")
        self.assertEqual(code, 0)
        self.assertIn("PONG", out)
        import pty
        import select
        import subprocess
        master, slave = pty.openpty()
        p = subprocess.Popen(["redis-cli", "-p", str(self.srv.port)], stdin=slave, stdout=slave,
                             stderr=slave, close_fds=True)
        os.close(slave)
        out = b""

        def pump(seconds):
            nonlocal out
            end = time.time() + seconds
            while time.time() < end:
                ready, _, _ = select.select([master], [], [], 0.05)
                if not ready:
                    continue
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    return
                out += chunk
                if b"\x1b[6n" in chunk:  # linenoise asks for the cursor position
                    os.write(master, b"\x1b[1;1R")

        try:
            pump(1)
            os.write(master, b"PING\r")
            pump(1)
            os.write(master, b"quit\r")
            pump(0.5)
        finally:
            p.kill()
            p.wait(timeout=10)
            os.close(master)
        self.assertIn(b"PONG", out)
        self.assertTrue(self.srv.client().ping())

    def test_time_lastsave_save_bgsave(self):
        r = self.srv.client()
        secs, usecs = r.time()
        self.assertLess(abs(secs - time.time()), 5)
        before = r.lastsave()
        self.assertTrue(r.save())
        self.assertEqual(r.bgsave(), True)
        self.assertGreaterEqual(r.lastsave(), before)
        ck = os.path.join(self.srv.dir, "data", "checkpoints")
        self.assertGreaterEqual(len(os.listdir(ck)), 2)

    def test_slowlog_and_debug_sleep(self):
        r = self.srv.client()
        r.slowlog_reset()
        r.execute_command("DEBUG", "SLEEP", "0.05")
        entries = r.slowlog_get()
        self.assertGreaterEqual(len(entries), 1)
        self.assertEqual(entries[0]["command"], b"DEBUG SLEEP 0.05")
        self.assertGreaterEqual(entries[0]["duration"], 50000)
        self.assertEqual(r.slowlog_len(), len(entries))

    def test_lsmdb_admin(self):
        r = self.srv.client()
        r.set("adm", "1")
        self.assertEqual(r.execute_command("LSMDB", "FLUSH"), b"OK")
        self.assertEqual(r.execute_command("LSMDB", "COMPACT"), b"OK")
        self.assertTrue(len(r.execute_command("LSMDB", "STATS")) > 0)
        self.assertEqual(r.get("adm"), b"1")


class Lifecycle(unittest.TestCase):
    def test_shutdown_command_exits_zero_and_data_survives(self):
        srv = LsmdbServer()
        try:
            r = srv.client()
            for i in range(1000):
                r.set("life%d" % i, "v%d" % i)
            r.shutdown()  # redis-py swallows the expected connection close
            self.assertEqual(srv.wait_exit(), 0)
            srv.start()
            r = srv.client()
            self.assertEqual(r.get("life0"), b"v0")
            self.assertEqual(r.get("life999"), b"v999")
            self.assertEqual(r.dbsize(), 1000)
        finally:
            srv.close()

    def test_sigterm_and_sigint_exit_zero_and_restart(self):
        srv = LsmdbServer()
        try:
            srv.client().set("sig", "1")
            self.assertEqual(srv.stop(signal.SIGTERM), 0)
            srv.start()
            self.assertEqual(srv.client().get("sig"), b"1")
            self.assertEqual(srv.stop(signal.SIGINT), 0)
            srv.start()
            self.assertEqual(srv.client().get("sig"), b"1")
            log = srv.read_log()
            self.assertIn("Ready to accept connections", log)
            self.assertIn("bye bye", log)
        finally:
            srv.close()


if __name__ == "__main__":
    unittest.main()
