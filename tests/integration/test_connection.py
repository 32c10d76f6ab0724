"""Connection commands over real sockets: PING, ECHO, HELLO, AUTH, SELECT, QUIT,
RESET, CLIENT, plus maxclients and the idle timeout."""

import time
import unittest

import redis

from lsmdb_harness import LsmdbServer, encode, read_all_until_close, read_until


class ConnectionCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer()

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def test_ping_echo(self):
        r = self.srv.client()
        self.assertTrue(r.ping())
        self.assertEqual(r.echo("hello"), b"hello")
        s = self.srv.raw()
        s.sendall(encode("PING", "x") + encode("PING"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"+PONG\r\n")), b"$1\r\nx\r\n+PONG\r\n")
        s.close()

    def test_hello_resp3_raw_socket(self):
        s = self.srv.raw()
        s.sendall(encode("HELLO", "3"))
        data = read_until(s, lambda d: b"modules" in d and d.endswith(b"*0\r\n"))
        self.assertTrue(data.startswith(b"%7\r\n"), data)
        self.assertIn(b"$5\r\nproto\r\n:3\r\n", data)
        s.sendall(encode("CLIENT", "GETNAME"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"\r\n")), b"_\r\n")
        s.close()

    def test_hello_via_redis_cli_resp3(self):
        code, out = self.srv.cli("HELLO", "3", resp3=True)
        self.assertEqual(code, 0)
        self.assertIn("standalone", out)
        self.assertIn("proto", out)

    def test_select_isolates_databases(self):
        r0 = self.srv.client(db=0)
        r5 = self.srv.client(db=5)
        r0.set("selkey", "zero")
        r5.set("selkey", "five")
        self.assertEqual(r0.get("selkey"), b"zero")
        self.assertEqual(r5.get("selkey"), b"five")
        with self.assertRaises(redis.ResponseError) as e:
            r0.execute_command("SELECT", "16")
        self.assertIn("DB index is out of range", str(e.exception))

    def test_client_name_id_list(self):
        r = self.srv.client()
        r.client_setname("itest-conn")
        self.assertEqual(r.client_getname(), "itest-conn")
        cid = r.client_id()
        clients = r.client_list()
        mine = [c for c in clients if c["name"] == "itest-conn"]
        self.assertEqual(len(mine), 1)
        self.assertEqual(int(mine[0]["id"]), cid)
        self.assertIn("addr", mine[0])

    def test_client_kill_by_id_closes_the_other_connection(self):
        victim = self.srv.raw()
        victim.sendall(encode("CLIENT", "ID"))
        reply = read_until(victim, lambda d: d.endswith(b"\r\n"))
        victim_id = int(reply[1:-2])
        r = self.srv.client()
        self.assertEqual(r.execute_command("CLIENT", "KILL", "ID", victim_id), 1)
        data, closed = read_all_until_close(victim, timeout=5)
        self.assertTrue(closed)
        victim.close()
        self.assertTrue(r.ping())

    def test_client_kill_old_form(self):
        victim = self.srv.raw()
        local = "%s:%d" % victim.getsockname()
        time.sleep(0.1)
        r = self.srv.client()
        self.assertTrue(r.execute_command("CLIENT", "KILL", local))
        _, closed = read_all_until_close(victim, timeout=5)
        self.assertTrue(closed)
        with self.assertRaises(redis.ResponseError):
            r.execute_command("CLIENT", "KILL", "1.1.1.1:1")

    def test_quit_replies_then_closes(self):
        s = self.srv.raw()
        s.sendall(encode("QUIT") + encode("PING"))
        data, closed = read_all_until_close(s)
        self.assertEqual(data, b"+OK\r\n")
        self.assertTrue(closed)

    def test_reset(self):
        s = self.srv.raw()
        s.sendall(encode("SELECT", "2") + encode("RESET") + encode("CLIENT", "INFO"))
        data = read_until(s, lambda d: d.count(b"\r\n") >= 4)
        self.assertTrue(data.startswith(b"+OK\r\n+RESET\r\n$"), data)
        self.assertIn(b" db=0 ", data)
        s.close()

    def test_unknown_command_and_arity(self):
        r = self.srv.client()
        with self.assertRaises(redis.ResponseError) as e:
            r.execute_command("NOSUCH", "a", "b")
        self.assertEqual(str(e.exception),
                         "unknown command 'NOSUCH', with args beginning with: 'a' 'b' ")
        with self.assertRaises(redis.ResponseError) as e:
            r.execute_command("GET")
        self.assertEqual(str(e.exception), "wrong number of arguments for 'get' command")


class Auth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer(["--requirepass", "s3cret"])

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def test_noauth_then_auth(self):
        r = self.srv.client()
        with self.assertRaises(redis.AuthenticationError):
            r.get("x")
        ok = self.srv.client(password="s3cret")
        self.assertTrue(ok.ping())
        with self.assertRaises((redis.AuthenticationError, redis.ResponseError)) as e:
            self.srv.client(password="wrong").ping()
        self.assertIn("WRONGPASS", str(e.exception))

    def test_hello_auth(self):
        s = self.srv.raw()
        s.sendall(encode("HELLO", "3", "AUTH", "default", "s3cret") + encode("PING"))
        data = read_until(s, lambda d: d.endswith(b"+PONG\r\n"))
        self.assertTrue(data.startswith(b"%7"), data)
        s.close()

    def test_redis_cli_with_password(self):
        code, out = self.srv.cli("-a", "s3cret", "--no-auth-warning", "PING")
        self.assertEqual(out.strip(), "PONG")


class Limits(unittest.TestCase):
    def test_maxclients(self):
        with LsmdbServer(["--maxclients", "2"]) as srv:
            time.sleep(0.3)  # let the readiness probe's connection go away
            a, b = srv.raw(), srv.raw()
            a.sendall(encode("PING"))
            b.sendall(encode("PING"))
            self.assertEqual(read_until(a, lambda d: d.endswith(b"\r\n")), b"+PONG\r\n")
            self.assertEqual(read_until(b, lambda d: d.endswith(b"\r\n")), b"+PONG\r\n")
            c = srv.raw()
            data, closed = read_all_until_close(c, timeout=5)
            self.assertEqual(data, b"-ERR max number of clients reached\r\n")
            self.assertTrue(closed)
            info = srv.client  # a fourth client after one leaves works again
            a.close()
            time.sleep(0.2)
            self.assertTrue(info().ping())

    def test_idle_timeout_closes_clients(self):
        with LsmdbServer(["--timeout", "1"]) as srv:
            s = srv.raw()
            s.sendall(encode("PING"))
            self.assertEqual(read_until(s, lambda d: d.endswith(b"\r\n")), b"+PONG\r\n")
            start = time.time()
            _, closed = read_all_until_close(s, timeout=5)
            self.assertTrue(closed)
            self.assertLess(time.time() - start, 4)


if __name__ == "__main__":
    unittest.main()
