"""Security end to end: ACL users (SETUSER/GETUSER/DELUSER/LIST/USERS/WHOAMI/
CAT), AUTH with one and two arguments, HELLO AUTH, NOPERM and WRONGPASS
texts, requirepass as the default user's password, rename-command from flags
and from the TOML file, protected mode (a client on the machine's own
non-loopback address is refused with Redis's DENIED text), and the TLS port
(a self-signed certificate made with openssl; redis-cli --tls and redis-py
with ssl=True)."""

import hashlib
import os
import socket
import subprocess
import tempfile
import time
import unittest

import redis

from lsmdb_harness import LsmdbServer, free_port

WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."


def sha(pw):
    return hashlib.sha256(pw.encode()).hexdigest()


def non_loopback_ipv4():
    """An IPv4 address of this machine other than 127.x, or None."""
    try:
        out = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True,
                             timeout=10).stdout.decode()
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        parts = line.split()
        if "inet" in parts:
            addr = parts[parts.index("inet") + 1].split("/")[0]
            if not addr.startswith("127."):
                return addr
    return None


class AclUsers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer()

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def setUp(self):
        self.admin = self.srv.client(decode_responses=True)
        for u in self.admin.acl_users():
            if u != "default":
                self.admin.acl_deluser(u)

    def test_default_user_line_and_whoami(self):
        self.assertEqual(self.srv.command("ACL", "LIST"),
                         [b"user default on nopass ~* &* +@all"])
        self.assertEqual(self.admin.acl_whoami(), "default")
        self.assertEqual(self.admin.acl_users(), ["default"])

    def test_password_users_and_two_argument_auth(self):
        self.assertEqual(self.srv.command("ACL", "SETUSER", "alice", "on", ">s3cret", "~*",
                                          "&*", "+@all"), b"OK")
        self.assertEqual(self.srv.command("ACL", "LIST")[0],
                         ("user alice on #%s ~* &* +@all" % sha("s3cret")).encode())
        r = self.srv.client(decode_responses=True)
        self.assertTrue(r.execute_command("AUTH", "alice", "s3cret"))
        self.assertEqual(r.acl_whoami(), "alice")
        with self.assertRaises(redis.exceptions.ResponseError) as cm:
            self.srv.client().execute_command("AUTH", "alice", "wrong")
        self.assertEqual(str(cm.exception), WRONGPASS)
        # redis-py's username/password connection arguments (HELLO/AUTH user pass).
        r2 = self.srv.client(username="alice", password="s3cret", decode_responses=True)
        self.assertEqual(r2.acl_whoami(), "alice")
        # A disabled user cannot log in.
        self.admin.execute_command("ACL", "SETUSER", "alice", "off")
        with self.assertRaises(redis.exceptions.ResponseError):
            self.srv.client().execute_command("AUTH", "alice", "s3cret")

    def test_hello_auth_with_username(self):
        self.admin.execute_command("ACL", "SETUSER", "h", "on", ">pw", "+@all", "~*")
        s = self.srv.raw()
        s.sendall(b"*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$1\r\nh\r\n$2\r\npw\r\n"
                  b"*2\r\n$3\r\nACL\r\n$6\r\nWHOAMI\r\n")
        data = b""
        while not data.endswith(b"$1\r\nh\r\n"):
            chunk = s.recv(4096)
            self.assertTrue(chunk, data)
            data += chunk
        self.assertTrue(data.startswith(b"%7\r\n"), data)
        s.close()
        s = self.srv.raw()
        s.sendall(b"*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$1\r\nh\r\n$3\r\nbad\r\n")
        self.assertEqual(s.recv(200), ("-%s\r\n" % WRONGPASS).encode())
        s.close()

    def test_category_allow_and_deny(self):
        self.admin.execute_command("ACL", "SETUSER", "reader", "on", "nopass", "~*",
                                   "+@read", "-@all", "+@read", "+ping")
        r = self.srv.client(username="reader", password="x", decode_responses=True)
        self.admin.set("k", "v")
        self.assertEqual(r.get("k"), "v")
        self.assertTrue(r.ping())
        with self.assertRaises(redis.exceptions.NoPermissionError) as cm:
            r.set("k", "w")
        self.assertEqual(str(cm.exception),
                         "this user has no permissions to run the 'set' command")
        with self.assertRaises(redis.exceptions.NoPermissionError):
            r.flushall()
        # Everything but @dangerous.
        self.admin.execute_command("ACL", "SETUSER", "safe", "on", "nopass", "~*", "+@all",
                                   "-@dangerous")
        s = self.srv.client(username="safe", password="x")
        s.set("a", "1")
        with self.assertRaises(redis.exceptions.NoPermissionError):
            s.flushall()
        self.assertEqual(self.admin.get("a"), "1")

    def test_key_patterns(self):
        self.admin.execute_command("ACL", "SETUSER", "app", "on", "nopass", "+@all",
                                   "~app:*")
        r = self.srv.client(username="app", password="x")
        r.set("app:1", "v")
        with self.assertRaises(redis.exceptions.NoPermissionError) as cm:
            r.set("other", "v")
        self.assertIn("no permissions to access one of the keys", str(cm.exception))
        with self.assertRaises(redis.exceptions.NoPermissionError):
            r.mset({"app:2": "v", "zzz": "v"})

    def test_getuser_deluser(self):
        self.admin.execute_command("ACL", "SETUSER", "g", "on", ">a", ">b", "~x*", "+get")
        info = self.srv.command("ACL", "GETUSER", "g")
        d = dict(zip(info[::2], info[1::2]))
        self.assertEqual(d[b"flags"], [b"on"])
        self.assertEqual(d[b"passwords"], [sha("a").encode(), sha("b").encode()])
        self.assertEqual(d[b"commands"], b"-@all +get")
        self.assertEqual(d[b"keys"], b"~x*")
        self.assertEqual(d[b"channels"], b"")
        self.assertIsNone(self.srv.command("ACL", "GETUSER", "nobody"))
        # A client logged in as a deleted user is disconnected.
        r = self.srv.client(username="g", password="a")
        self.assertIsNone(r.get("x0"))
        self.assertEqual(self.srv.command("ACL", "DELUSER", "g", "ghost"), 1)
        time.sleep(0.2)
        # Closed; a reconnect cannot log in as g any more.
        with self.assertRaises(redis.exceptions.RedisError):
            r.get("x0")
        with self.assertRaises(redis.exceptions.ResponseError) as cm:
            self.admin.acl_deluser("default")
        self.assertEqual(str(cm.exception), "The 'default' user cannot be removed")

    def test_setuser_errors(self):
        with self.assertRaises(redis.exceptions.ResponseError) as cm:
            self.admin.execute_command("ACL", "SETUSER", "e", "on", "bogus")
        self.assertEqual(str(cm.exception), "Error in ACL SETUSER modifier 'bogus': Syntax error")
        with self.assertRaises(redis.exceptions.ResponseError) as cm:
            self.admin.execute_command("ACL", "SETUSER", "e", "+nosuchcmd")
        self.assertEqual(str(cm.exception), "Error in ACL SETUSER modifier '+nosuchcmd': "
                         "Unknown command or category name in ACL")
        self.assertNotIn("e", self.admin.acl_users())

    def test_acl_cat(self):
        cats = self.admin.acl_cat()
        for c in ("read", "write", "string", "dangerous", "admin"):
            self.assertIn(c, cats)
        self.assertIn("get", self.admin.acl_cat("string"))
        with self.assertRaises(redis.exceptions.ResponseError) as cm:
            self.admin.acl_cat("nosuch")
        self.assertEqual(str(cm.exception), "Unknown category 'nosuch'")

    def test_redis_cli_user_flag(self):
        self.admin.execute_command("ACL", "SETUSER", "cli", "on", ">pw", "~*", "+@all")
        code, out = self.srv.cli("--user", "cli", "--pass", "pw", "--no-auth-warning",
                                 "ACL", "WHOAMI")
        self.assertEqual((code, out.strip()), (0, "cli"))


class RequirePass(unittest.TestCase):
    def test_requirepass_is_the_default_password(self):
        with LsmdbServer(["--requirepass", "pw"]) as srv:
            r = srv.client(decode_responses=True)
            with self.assertRaises(redis.exceptions.AuthenticationError):
                r.ping()
            self.assertTrue(r.execute_command("AUTH", "pw"))
            self.assertTrue(r.ping())
            r2 = srv.client(username="default", password="pw", decode_responses=True)
            self.assertEqual(r2.acl_whoami(), "default")
            self.assertEqual(r.acl_list(), ["user default on #%s ~* &* +@all" % sha("pw")])
            # Taking the password away opens the server to every client.
            r.config_set("requirepass", "")
            self.assertTrue(srv.client().ping())


class RenameCommand(unittest.TestCase):
    def test_flags(self):
        with LsmdbServer(["--rename-command", "FLUSHALL", "",
                          "--rename-command", "CONFIG", "CONFIG_9f3a"]) as srv:
            r = srv.client()
            with self.assertRaises(redis.exceptions.ResponseError) as cm:
                r.flushall()
            self.assertTrue(str(cm.exception).startswith("unknown command 'FLUSHALL'"))
            with self.assertRaises(redis.exceptions.ResponseError):
                r.config_get("port")
            self.assertEqual(r.execute_command("CONFIG_9F3A", "GET", "databases"),
                             [b"databases", b"16"])

    def test_toml_file(self):
        tmp = tempfile.mkdtemp(prefix="lsmdb-sec-")
        path = os.path.join(tmp, "lsmdb.toml")
        with open(path, "w") as f:
            f.write('[server]\nrename-command = [["FLUSHDB", ""], ["ECHO", "SAY"]]\n')
        with LsmdbServer(["--config", path]) as srv:
            with self.assertRaises(redis.exceptions.ResponseError):
                srv.client().flushdb()
            self.assertEqual(srv.client().execute_command("SAY", "hi"), b"hi")


class ProtectedMode(unittest.TestCase):
    def setUp(self):
        # Tests here send traffic only to loopback by default; connecting to this
        # machine's own non-loopback address is opt-in (LSMDB_TEST_OWN_ADDR=1).
        # The protected-mode decision itself is unit-tested (acl_test.cc).
        if os.environ.get("LSMDB_TEST_OWN_ADDR") != "1":
            self.skipTest("set LSMDB_TEST_OWN_ADDR=1 to connect from a non-loopback address")
        self.addr = non_loopback_ipv4()
        if self.addr is None:
            self.skipTest("no non-loopback IPv4 address (the decision function is unit-tested)")

    def connect_external(self, srv):
        s = socket.create_connection((self.addr, srv.port), timeout=10)
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
        return self.read_reply(s)

    @staticmethod
    def read_reply(s):
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        return data

    def test_external_client_denied_without_password(self):
        with LsmdbServer(["--bind", "0.0.0.0"]) as srv:
            reply = self.connect_external(srv)
            self.assertTrue(reply.startswith(b"-DENIED Redis is running in protected mode "
                                             b"because protected mode is enabled and no "
                                             b"password is set for the default user."), reply)
            self.assertTrue(reply.endswith(b"the server to start accepting connections from "
                                           b"the outside.\r\n"))
            # Loopback still works; turning protected mode off lets it in.
            r = srv.client()
            self.assertTrue(r.ping())
            self.assertEqual(r.info("stats")["rejected_connections"], 1)
            r.config_set("protected-mode", "no")
            self.assertEqual(self.connect_external(srv), b"+PONG\r\n")

    def test_password_lifts_protected_mode(self):
        with LsmdbServer(["--bind", "0.0.0.0", "--requirepass", "pw"]) as srv:
            self.assertEqual(self.connect_external(srv),
                             b"-NOAUTH Authentication required.\r\n")

    def test_no_flag(self):
        with LsmdbServer(["--bind", "0.0.0.0", "--protected-mode", "no"]) as srv:
            self.assertEqual(self.connect_external(srv), b"+PONG\r\n")


class Tls(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lsmdb-tls-")
        self.cert = os.path.join(self.tmp, "cert.pem")
        self.key = os.path.join(self.tmp, "key.pem")
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", self.key, "-out", self.cert, "-days", "1",
                            "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                           capture_output=True, timeout=60)
        if p.returncode != 0:
            self.skipTest("openssl cannot make a certificate: %s" % p.stderr.decode())

    def test_tls_port_beside_the_plain_one(self):
        port = free_port()
        with LsmdbServer(["--tls.port", str(port), "--tls.cert-file", self.cert,
                          "--tls.key-file", self.key]) as srv:
            cli = ["redis-cli", "-p", str(port), "--tls", "--cacert", self.cert]
            p = subprocess.run(cli + ["SET", "tls-key", "v"], capture_output=True, timeout=30)
            self.assertEqual(p.stdout.decode().strip(), "OK", p.stderr)
            p = subprocess.run(cli + ["GET", "tls-key"], capture_output=True, timeout=30)
            self.assertEqual(p.stdout.decode().strip(), "v")
            # The plain port sees the same data.
            self.assertEqual(srv.client().get("tls-key"), b"v")
            # redis-py over TLS, pipelined and with a large value.
            r = redis.Redis(host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=self.cert,
                            socket_timeout=10)
            big = b"x" * (1 << 20)
            pipe = r.pipeline(transaction=False)
            for i in range(100):
                pipe.set("p%d" % i, i)
            pipe.set("big", big)
            pipe.get("big")
            self.assertEqual(pipe.execute()[-1], big)
            # A plaintext client on the TLS port gets nothing useful and is dropped.
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            try:
                data = s.recv(100)
            except OSError:
                data = b""
            self.assertNotEqual(data, b"+PONG\r\n")
            s.close()
            self.assertTrue(srv.client().ping())

    def test_missing_certificate_is_a_startup_error(self):
        p = subprocess.run([os.environ.get("LSMDB_SERVER", "lsmdb-server"), "--port",
                            str(free_port()), "--dir", os.path.join(self.tmp, "d"),
                            "--tls.port", str(free_port()), "--tls.cert-file",
                            os.path.join(self.tmp, "nope.pem"), "--tls.key-file", self.key],
                           capture_output=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"tls.cert-file", p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
