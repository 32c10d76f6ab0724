"""Security end to end: ACL users (SETUSER/GETUSER/DELUSER/LIST/USERS/WHOAMI/
CAT), AUTH with one and two arguments, HELLO AUTH, NOPERM and WRONGPASS
texts, requirepass as the default user's password, rename-command from flags
and from the TOML file, the ACL file (--aclfile: ACL SAVE, ACL LOAD, loaded at
startup, Redis's error texts), protected mode (a client in a private network
namespace, i.e. from a non-loopback address, is refused with Redis's DENIED
text), and the TLS port (a self-signed certificate made with openssl;
redis-cli --tls and redis-py with ssl=True)."""

import hashlib
import os
import shutil
import socket
import subprocess
import sys
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
        # Keys named by a count (ZUNION numkeys ...) and MIGRATE's keys are
        # checked too: a user limited to app:* reads and moves nothing else.
        self.admin.zadd("secret", {"m": 1})
        self.assertEqual(r.execute_command("ZUNION", "1", "app:z"), [])
        for cmd in (["ZUNION", "2", "app:z", "secret"], ["ZINTERCARD", "1", "secret"],
                    ["ZUNIONSTORE", "app:d", "1", "secret"], ["SINTERCARD", "1", "secret"],
                    ["MIGRATE", "127.0.0.1", "1", "secret", "0", "100"],
                    ["MIGRATE", "127.0.0.1", "1", "", "0", "100", "KEYS", "app:1", "secret"]):
            with self.assertRaises(redis.exceptions.NoPermissionError, msg=" ".join(cmd)):
                r.execute_command(*cmd)
        self.assertEqual(self.admin.zrange("secret", 0, -1), ["m"])

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

    def test_acl_log(self):
        self.admin.execute_command("ACL", "LOG", "RESET")
        self.assertEqual(self.srv.command("ACL", "LOG"), [])
        self.admin.execute_command("ACL", "SETUSER", "lg", "on", ">pw", "~app:*", "-@all",
                                   "+get", "+multi", "+client")
        r = self.srv.client(username="lg", password="pw")
        r.client_setname("logged")
        for _ in range(3):
            with self.assertRaises(redis.exceptions.NoPermissionError):
                r.set("app:1", "v")
        with self.assertRaises(redis.exceptions.NoPermissionError):
            r.get("other")
        with self.assertRaises(redis.exceptions.ResponseError):
            self.srv.client().execute_command("AUTH", "lg", "wrong")
        entries = [dict(zip(e[::2], e[1::2])) for e in self.srv.command("ACL", "LOG")]
        self.assertEqual(len(entries), 3, entries)
        auth, key, cmd = entries  # newest first
        self.assertEqual((cmd[b"count"], cmd[b"reason"], cmd[b"context"], cmd[b"object"],
                          cmd[b"username"]), (3, b"command", b"toplevel", b"set", b"lg"))
        self.assertIn(b"name=logged", cmd[b"client-info"])
        self.assertLess(float(cmd[b"age-seconds"]), 60)
        self.assertEqual((key[b"count"], key[b"reason"], key[b"object"]),
                         (1, b"key", b"other"))
        self.assertEqual((auth[b"reason"], auth[b"object"], auth[b"username"]),
                         (b"auth", b"AUTH", b"lg"))
        # Inside MULTI the context is "multi"; LOG <count> limits the reply.
        s = self.srv.raw()
        s.sendall(b"*3\r\n$4\r\nAUTH\r\n$2\r\nlg\r\n$2\r\npw\r\n*1\r\n$5\r\nMULTI\r\n"
                  b"*2\r\n$4\r\nINCR\r\n$5\r\napp:2\r\n")
        data = b""
        while data.count(b"\r\n") < 3:
            data += s.recv(4096)
        s.close()
        self.assertIn(b"-NOPERM", data)
        top = self.srv.command("ACL", "LOG", "1")
        self.assertEqual(len(top), 1)
        e = dict(zip(top[0][::2], top[0][1::2]))
        self.assertEqual((e[b"context"], e[b"object"]), (b"multi", b"incr"))
        self.assertEqual(self.srv.command("ACL", "LOG", "RESET"), b"OK")
        self.assertEqual(self.srv.command("ACL", "LOG"), [])
        with self.assertRaises(redis.exceptions.ResponseError) as cm:
            self.srv.command("ACL", "LOG", "x")
        self.assertEqual(str(cm.exception), "value is not an integer or out of range")

    def test_redis_cli_user_flag(self):
        self.admin.execute_command("ACL", "SETUSER", "cli", "on", ">pw", "~*", "+@all")
        code, out = self.srv.cli("--user", "cli", "--pass", "pw", "--no-auth-warning",
                                 "ACL", "WHOAMI")
        self.assertEqual((code, out.strip()), (0, "cli"))


NO_ACLFILE = ("This Redis instance is not configured to use an ACL file. You may want to "
              "specify users via the ACL SETUSER command and then issue a CONFIG REWRITE "
              "(assuming you have a Redis configuration file set) in order to store users in "
              "the Redis configuration.")
ACL_LOAD_FAILED = ("WARNING: ACL errors detected, no change to the previously active ACL rules "
                   "was performed")


class AclFile(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lsmdb-aclfile-")
        self.path = os.path.join(self.tmp, "users.acl")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, *lines):
        with open(self.path, "w") as f:
            f.write("".join(line + "\n" for line in lines))

    def read(self):
        with open(self.path) as f:
            return f.read()

    def test_without_aclfile_save_and_load_are_refused(self):
        with LsmdbServer() as srv:
            for sub in ("SAVE", "LOAD"):
                with self.assertRaises(redis.exceptions.ResponseError) as cm:
                    srv.client().execute_command("ACL", sub)
                self.assertEqual(str(cm.exception), NO_ACLFILE)

    def test_loaded_at_startup_saved_and_reloaded(self):
        alice = "user alice on #%s ~app:* resetchannels -@all +get +set" % sha("a-pw")
        self.write("user default on nopass ~* &* +@all", "", alice)
        with LsmdbServer(["--aclfile", self.path]) as srv:
            admin = srv.client(decode_responses=True)
            self.assertEqual(admin.acl_list(), [alice, "user default on nopass ~* &* +@all"])
            a = srv.client(username="alice", password="a-pw", decode_responses=True)
            a.set("app:1", "v")
            with self.assertRaises(redis.exceptions.NoPermissionError):
                a.delete("app:1")
            with self.assertRaises(redis.exceptions.NoPermissionError):
                a.set("other", "v")
            # ACL SAVE writes exactly the ACL LIST lines.
            admin.execute_command("ACL", "SETUSER", "bob", "on", ">b-pw", "~*", "+@all",
                                  "-@dangerous")
            self.assertEqual(admin.execute_command("ACL", "SAVE"), "OK")
            listed = admin.acl_list()
            self.assertEqual(self.read(), "".join(line + "\n" for line in listed))
            self.assertEqual([n for n in os.listdir(self.tmp) if n != "users.acl"], [])
            # The saved file comes back after a restart.
            srv.restart()
            admin = srv.client(decode_responses=True)
            self.assertEqual(admin.acl_list(), listed)
            b = srv.client(username="bob", password="b-pw", decode_responses=True)
            b.set("k", "v")
            with self.assertRaises(redis.exceptions.NoPermissionError):
                b.flushall()

    def test_acl_load_replaces_users_and_disconnects_removed_ones(self):
        self.write("user default on nopass ~* &* +@all",
                   "user alice on >a-pw ~* +@all", "user bob on >b-pw ~* +@all")
        with LsmdbServer(["--aclfile", self.path]) as srv:
            admin = srv.client(decode_responses=True)
            a = srv.client(username="alice", password="a-pw", decode_responses=True)
            b = srv.client(username="bob", password="b-pw", decode_responses=True)
            self.assertEqual((a.acl_whoami(), b.acl_whoami()), ("alice", "bob"))
            # SETUSER changes only memory until ACL LOAD throws them away.
            admin.execute_command("ACL", "SETUSER", "carol", "on", "nopass")
            self.write("user default on nopass ~* &* +@all", "user alice on >a-pw ~* -@all +get")
            self.assertEqual(admin.execute_command("ACL", "LOAD"), "OK")
            self.assertEqual(admin.acl_users(), ["alice", "default"])
            # alice keeps her connection under the new rules; bob is disconnected.
            self.assertIsNone(a.get("x"))
            with self.assertRaises(redis.exceptions.NoPermissionError):
                a.set("x", "1")
            time.sleep(0.2)
            with self.assertRaises(redis.exceptions.RedisError):
                b.execute_command("ACL", "WHOAMI")

    def test_acl_load_errors_change_nothing(self):
        self.write("user default on nopass ~* &* +@all", "user alice on >a-pw ~* +@all")
        with LsmdbServer(["--aclfile", self.path]) as srv:
            admin = srv.client(decode_responses=True)
            before = admin.acl_list()
            self.write("user default on nopass ~* &* +@all", "bogus line", "user eve on +nosuch",
                       "user alice on", "user alice off", "user mallory on frobnicate")
            with self.assertRaises(redis.exceptions.ResponseError) as cm:
                admin.execute_command("ACL", "LOAD")
            p = self.path
            self.assertEqual(str(cm.exception),
                             "%s:2 should start with user keyword followed by the username. "
                             "%s:3: Unknown command or category name in ACL. "
                             "WARNING: Duplicate user 'alice' found on line 5. "
                             "%s:6: Syntax error. %s" % (p, p, p, ACL_LOAD_FAILED))
            self.assertEqual(admin.acl_list(), before)
            os.remove(self.path)
            with self.assertRaises(redis.exceptions.ResponseError) as cm:
                admin.execute_command("ACL", "LOAD")
            self.assertEqual(str(cm.exception), "Error loading ACLs, opening file '%s': "
                             "No such file or directory" % p)
            # ACL SAVE into a directory that is gone: Redis's text, details in the log.
            shutil.rmtree(self.tmp)
            with self.assertRaises(redis.exceptions.ResponseError) as cm:
                admin.execute_command("ACL", "SAVE")
            self.assertEqual(str(cm.exception), "There was an error trying to save the ACLs. "
                             "Please check the server logs for more information")
            self.assertIn("ACL SAVE", srv.read_log())

    def test_bad_or_missing_file_aborts_startup(self):
        self.write("user default on nopass ~* &* +@all", "user x on +nosuch")
        for present in (True, False):
            if not present:
                os.remove(self.path)
            srv = LsmdbServer(["--aclfile", self.path], wait=False)
            try:
                code = srv.wait_exit(timeout=30)
                log = srv.read_log()
            finally:
                srv.close()
            self.assertNotEqual(code, 0)
            self.assertIn("Aborting lsmdb startup because of ACL errors: ", log)
            if present:
                self.assertIn("%s:2: Unknown command or category name in ACL." % self.path, log)
            else:
                self.assertIn("Error loading ACLs, opening file '%s'" % self.path, log)

    def test_file_without_default_keeps_requirepass(self):
        self.write("user alice on >a-pw ~* +@all")
        with LsmdbServer(["--aclfile", self.path, "--requirepass", "pw"]) as srv:
            with self.assertRaises(redis.exceptions.AuthenticationError):
                srv.client().ping()
            r = srv.client(password="pw", decode_responses=True)
            self.assertEqual(r.acl_list(), ["user alice on #%s ~* resetchannels +@all" %
                                            sha("a-pw"),
                                            "user default on #%s ~* &* +@all" % sha("pw")])


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


# A client from a non-loopback address, without touching the host's network:
# a private network namespace joined to this one by a veth pair (10.x.y.1 on
# this side, 10.x.y.2 inside; x.y from the pid). The server binds 0.0.0.0 here;
# the client runs inside the namespace (`ip netns exec`) and reaches 10.x.y.1, so the
# server sees a non-loopback peer. Needs root and iproute2; skipped otherwise.
# LSMDB_TEST_OWN_ADDR=1 instead connects from this machine's own non-loopback
# address (no namespace).
PEER_CLIENT = r"""
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b"*1\r\n$4\r\nPING\r\n")
data = b""
while not data.endswith(b"\r\n"):
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
sys.stdout.buffer.write(data)
"""


class PeerNamespace:
    def __init__(self):
        # A /30 of 10.0.0.0/8 chosen by pid, so that concurrent runs do not clash.
        pid = os.getpid()
        net = "10.%d.%d" % (200 + (pid // 254) % 50, pid % 254)
        self.HOST_ADDR = net + ".1"
        self.PEER_ADDR = net + ".2"
        tag = str(pid)[-7:]
        self.ns = "lsmdb-pm-" + tag
        self.host_if = "lsmpm%sa" % tag  # <= 15 characters
        self.peer_if = "lsmpm%sb" % tag
        self.created = False

    @staticmethod
    def ip(*args):
        p = subprocess.run(["ip"] + list(args), capture_output=True, timeout=20)
        if p.returncode != 0:
            raise OSError("ip %s: %s" % (" ".join(args), p.stderr.decode().strip()))

    def create(self):
        self.ip("netns", "add", self.ns)
        self.created = True
        self.ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.peer_if)
        self.ip("link", "set", self.peer_if, "netns", self.ns)
        self.ip("addr", "add", self.HOST_ADDR + "/30", "dev", self.host_if)
        self.ip("link", "set", self.host_if, "up")
        self.ip("-n", self.ns, "addr", "add", self.PEER_ADDR + "/30", "dev", self.peer_if)
        self.ip("-n", self.ns, "link", "set", self.peer_if, "up")
        self.ip("-n", self.ns, "link", "set", "lo", "up")

    def destroy(self):
        # Deleting the namespace deletes its veth end, which deletes the pair.
        for args in (("netns", "del", self.ns), ("link", "del", self.host_if)):
            subprocess.run(["ip"] + list(args), capture_output=True, timeout=20)
        self.created = False

    def ping(self, port):
        p = subprocess.run(["ip", "netns", "exec", self.ns, sys.executable, "-c", PEER_CLIENT,
                            self.HOST_ADDR, str(port)], capture_output=True, timeout=30)
        if p.returncode != 0:
            raise OSError("client in %s failed: %s" % (self.ns, p.stderr.decode()))
        return p.stdout


class ProtectedMode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.peer = None
        cls.own_addr = None
        cls.skip_reason = None
        if os.environ.get("LSMDB_TEST_OWN_ADDR") == "1":
            cls.own_addr = non_loopback_ipv4()
            if cls.own_addr is None:
                cls.skip_reason = "no non-loopback IPv4 address"
            return
        if os.geteuid() != 0:
            cls.skip_reason = ("needs root to create a network namespace (or set "
                               "LSMDB_TEST_OWN_ADDR=1); the decision is unit-tested in acl_test.cc")
            return
        if shutil.which("ip") is None:
            cls.skip_reason = "iproute2's ip is not installed"
            return
        cls.peer = PeerNamespace()
        try:
            cls.peer.create()
        except (OSError, subprocess.SubprocessError) as e:
            cls.peer.destroy()
            cls.peer = None
            cls.skip_reason = "cannot create a network namespace with a veth pair: %s" % e

    @classmethod
    def tearDownClass(cls):
        if cls.peer is not None:
            cls.peer.destroy()

    def setUp(self):
        if self.skip_reason:
            self.skipTest(self.skip_reason)

    def connect_external(self, srv):
        if self.peer is not None:
            return self.peer.ping(srv.port)
        s = socket.create_connection((self.own_addr, srv.port), timeout=10)
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
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

    def test_bound_to_loopback_the_peer_cannot_connect(self):
        # The harness binds 127.0.0.1: nothing from the namespace gets in at all.
        if self.peer is None:
            self.skipTest("needs the network namespace")
        with LsmdbServer() as srv:
            with self.assertRaises(OSError):
                self.peer.ping(srv.port)


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
