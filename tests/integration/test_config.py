"""Configuration end to end: the TOML file, flags overriding it, a bare config
path, bad keys and values (exit 1 naming the key), CONFIG REWRITE."""

import os
import subprocess
import tempfile
import unittest

from lsmdb_harness import LsmdbServer, free_port, server_binary


def run_server_expecting_failure(args, timeout=10):
    p = subprocess.run([server_binary()] + args, capture_output=True, timeout=timeout)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


class ConfigFile(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lsmdb-conf-it-")
        self.path = os.path.join(self.tmp, "lsmdb.toml")

    def write(self, text):
        with open(self.path, "w") as f:
            f.write(text)

    def test_file_values_and_flag_overrides(self):
        self.write('[server]\nmaxclients = 123\ntimeout = 0\n\n'
                   '[storage]\nappendfsync = "no"\nmemtable-size = "4mb"\n'
                   '\n[log]\nlevel = "verbose"\n')
        with LsmdbServer(["--config", self.path, "--maxclients", "321"]) as srv:
            r = srv.client()
            self.assertEqual(r.config_get("maxclients"), {"maxclients": "321"})
            self.assertEqual(r.config_get("appendfsync"), {"appendfsync": "no"})
            self.assertEqual(r.config_get("memtable-size"), {"memtable-size": str(4 << 20)})
            self.assertEqual(r.config_get("loglevel"), {"loglevel": "verbose"})

    def test_bare_first_argument_is_the_config_file(self):
        self.write('[server]\nmaxclients = 77\n')
        port = free_port()
        data = os.path.join(self.tmp, "d")
        p = subprocess.Popen([server_binary(), self.path, "--port", str(port), "--dir", data],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            import redis
            import time
            r = redis.Redis(port=port)
            for _ in range(100):
                try:
                    r.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            self.assertEqual(r.config_get("maxclients"), {"maxclients": "77"})
        finally:
            p.terminate()
            self.assertEqual(p.wait(timeout=20), 0)

    def test_config_rewrite(self):
        self.write('[server]\nmaxclients = 50\n')
        with LsmdbServer(["--config", self.path]) as srv:
            r = srv.client()
            r.config_set("maxclients", "60")
            self.assertTrue(r.config_rewrite())
            with open(self.path) as f:
                text = f.read()
            self.assertIn("maxclients = 60", text)
            srv.restart()
            self.assertEqual(srv.client().config_get("maxclients"), {"maxclients": "60"})

    def test_unknown_key_in_file_exits_1_naming_it(self):
        self.write('[server]\nport = 7000\nno-such-key = 1\n')
        code, out = run_server_expecting_failure([self.path])
        self.assertEqual(code, 1)
        self.assertIn("server.no-such-key", out)

    def test_bad_value_in_file_exits_1(self):
        self.write('[storage]\nappendfsync = "sometimes"\n')
        code, out = run_server_expecting_failure(["--config", self.path])
        self.assertEqual(code, 1)
        self.assertIn("storage.appendfsync", out)

    def test_toml_syntax_error_exits_1(self):
        self.write('[server\nport = 1\n')
        code, out = run_server_expecting_failure([self.path])
        self.assertEqual(code, 1)
        self.assertIn("lsmdb.toml:1", out)

    def test_unknown_flag_and_bad_flag_value_exit_1(self):
        code, out = run_server_expecting_failure(["--bogus-flag", "1"])
        self.assertEqual(code, 1)
        self.assertIn("bogus-flag", out)
        code, out = run_server_expecting_failure(["--port", "notaport"])
        self.assertEqual(code, 1)
        self.assertIn("port", out)

    def test_flags_only(self):
        with LsmdbServer(["--appendfsync", "always", "--server.slowlog-max-len", "5",
                          "--daemonize", "no", "--cluster-node-timeout", "999"]) as srv:
            r = srv.client()
            self.assertEqual(r.config_get("appendfsync"), {"appendfsync": "always"})
            self.assertEqual(r.config_get("slowlog-max-len"), {"slowlog-max-len": "5"})
            self.assertEqual(r.config_get("cluster-node-timeout"),
                             {"cluster-node-timeout": "999"})

    def test_shipped_config_file_loads(self):
        repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        shipped = os.path.join(repo, "conf", "lsmdb.toml")
        with LsmdbServer(["--config", shipped]) as srv:
            self.assertTrue(srv.client().ping())


if __name__ == "__main__":
    unittest.main()
