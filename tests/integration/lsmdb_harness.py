"""Black-box harness: runs a real lsmdb-server process for integration tests.

    with LsmdbServer() as srv:          # free port, temp --dir, waits for PING
        r = srv.client()                # redis.Redis (RESP2)
        r.set("k", "v")
        srv.cli("get", "k")             # redis-cli output (-3 for RESP3: srv.cli(..., resp3=True))
        srv.restart()                   # SIGTERM, wait, start again on the same dir

The server binary is $LSMDB_SERVER (default build/src/lsmdb-server). Run with
Debian's /usr/bin/python3, which has the `redis` module (redis-py 4.3: RESP2
only, so RESP3 goes through raw sockets or redis-cli -3).
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import unittest
import time

import redis

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def server_binary():
    path = os.environ.get("LSMDB_SERVER")
    if path:
        return path
    for candidate in ("build/lsmdb-server", "build/src/lsmdb-server"):
        full = os.path.join(REPO, candidate)
        if os.path.exists(full):
            return full
    raise RuntimeError("set LSMDB_SERVER to the lsmdb-server binary")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LsmdbServer:
    """One server process. `args` are extra command-line flags."""

    def __init__(self, args=(), port=None, data_dir=None, wait=True):
        self.args = list(args)
        self.port = port or free_port()
        self.own_dir = data_dir is None
        self.dir = data_dir or tempfile.mkdtemp(prefix="lsmdb-it-")
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")
        self.start(wait=wait)

    # ---- process control ----

    def command_line(self):
        return [server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", os.path.join(self.dir, "data"), "--io-threads", "2"] + self.args

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command_line(), stdout=self.log,
                                     stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s:\n%s" % (self.proc.returncode,
                                                                    self.read_log()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as c:
                    c.sendall(b"*1\r\n$4\r\nPING\r\n")
                    reply = c.recv(100)
                if reply.startswith(b"+PONG") or reply.startswith(b"-NOAUTH"):
                    time.sleep(0.05)  # let the server drop the probe connection
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not answer PING:\n" + self.read_log())

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals the server and waits; returns its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        self.log.close()
        return code

    def wait_exit(self, timeout=30):
        code = self.proc.wait(timeout=timeout)
        self.proc = None
        self.log.close()
        return code

    def restart(self, args=None):
        self.stop()
        if args is not None:
            self.args = list(args)
        self.start()

    def close(self):
        if self.proc is not None:
            self.stop()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    # ---- clients ----

    def client(self, **kw):
        kw.setdefault("socket_timeout", 10)
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def command(self, *args):
        """Sends one command on a fresh connection and returns the parsed reply
        without redis-py's per-command reply callbacks."""
        conn = redis.Connection(host="127.0.0.1", port=self.port, socket_timeout=10)
        try:
            conn.send_command(*args)
            return conn.read_response()
        finally:
            conn.disconnect()

    def raw(self, timeout=10):
        """A connected raw socket (for malformed input, RESP3, pipelines)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def cli(self, *args, resp3=False, stdin=None, timeout=30):
        """Runs redis-cli against the server; returns (returncode, stdout)."""
        cmd = ["redis-cli", "-p", str(self.port)]
        if resp3:
            cmd.append("-3")
        cmd += [str(a) for a in args]
        p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace")


def read_until(sock, predicate, timeout=10):
    """Reads from sock until predicate(data) or EOF; returns the bytes."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.time() + timeout
    while not predicate(data) and time.time() < deadline:
        try:
            chunk = sock.recv(1 << 16)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def read_all_until_close(sock, timeout=10):
    """Reads until the peer closes; returns (bytes, closed)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(1 << 16)
            if not chunk:
                return data, True
            data += chunk
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        return data, True


def encode(*args):
    """A RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class ServerTestCase(unittest.TestCase):
    """One server per test class, flushed before every test; self.r is a
    redis-py client. assertError checks a command's exact error text."""

    server_args = None

    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer(args=cls.server_args) if cls.server_args else LsmdbServer()

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def setUp(self):
        self.r = self.srv.client()
        self.r.flushall()

    def assertError(self, text, fn, *args):
        with self.assertRaises(redis.ResponseError) as ctx:
            fn(*args)
        self.assertEqual(str(ctx.exception), text)
