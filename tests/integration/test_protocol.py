"""Wire-level behaviour: pipelining, inline commands, malformed input, limits,
large values, RESP3, output back-pressure and appendfsync always."""

import time
import unittest

from lsmdb_harness import LsmdbServer, encode, read_all_until_close, read_until


class Protocol(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer(["--client-query-buffer-limit", "1mb",
                               "--client-output-buffer-soft-limit", "1mb"])

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def test_pipeline_of_10000_commands_in_one_write(self):
        s = self.srv.raw()
        n = 10000
        req = b"".join(encode("SET", "pk%d" % i, "v%d" % i) if i % 2 == 0 else encode("PING")
                       for i in range(n))
        s.sendall(req)
        expected = b"".join(b"+OK\r\n" if i % 2 == 0 else b"+PONG\r\n" for i in range(n))
        data = read_until(s, lambda d: len(d) >= len(expected), timeout=30)
        self.assertEqual(data, expected)
        gets = b"".join(encode("GET", "pk%d" % i) for i in range(0, n, 2))
        s.sendall(gets)
        want = b"".join(b"$%d\r\nv%d\r\n" % (len(b"v%d" % i), i) for i in range(0, n, 2))
        self.assertEqual(read_until(s, lambda d: len(d) >= len(want), timeout=30), want)
        s.close()

    def test_inline_commands(self):
        s = self.srv.raw()
        s.sendall(b"PING\r\nECHO hello\r\n\r\nSET inl \"a b\"\r\nGET inl\r\n")
        want = b"+PONG\r\n$5\r\nhello\r\n+OK\r\n$3\r\na b\r\n"
        self.assertEqual(read_until(s, lambda d: len(d) >= len(want)), want)
        s.close()

    def test_command_split_across_many_writes(self):
        s = self.srv.raw()
        req = encode("SET", "split", "x" * 1000) + encode("GET", "split")
        for i in range(0, len(req), 7):
            s.sendall(req[i:i + 7])
        want = b"+OK\r\n$1000\r\n" + b"x" * 1000 + b"\r\n"
        self.assertEqual(read_until(s, lambda d: len(d) >= len(want)), want)
        s.close()

    def test_malformed_input_gets_error_and_close_while_others_work(self):
        good = self.srv.client()
        bad = self.srv.raw()
        bad.sendall(encode("PING") + b"*1\r\n$abc\r\n" + encode("PING"))
        data, closed = read_all_until_close(bad)
        self.assertTrue(closed)
        self.assertEqual(data, b"+PONG\r\n-ERR Protocol error: invalid bulk length\r\n")
        self.assertTrue(good.ping())
        bad2 = self.srv.raw()
        bad2.sendall(b"*2\r\n+notbulk\r\n")
        data, closed = read_all_until_close(bad2)
        self.assertTrue(closed)
        self.assertTrue(data.startswith(b"-ERR Protocol error"), data)
        self.assertTrue(good.ping())

    def test_query_larger_than_buffer_limit_closes_connection(self):
        good = self.srv.client()
        s = self.srv.raw()
        # An unterminated inline-less multibulk: a 3 MB bulk with a 1 MB limit.
        try:
            s.sendall(b"*2\r\n$3\r\nSET\r\n$3000000\r\n" + b"x" * 2000000)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data, closed = read_all_until_close(s, timeout=10)
        self.assertTrue(closed)
        self.assertEqual(data, b"")
        self.assertTrue(good.ping())
        time.sleep(0.2)
        self.assertIn("max query buffer length", self.srv.read_log())

    def test_large_value_round_trip(self):
        r = self.srv.client()
        big = b"z" * (900 * 1024)
        r.set("bigval", big)
        self.assertEqual(r.get("bigval"), big)

    def test_output_back_pressure_pauses_and_resumes(self):
        r = self.srv.client()
        r.set("bp", b"y" * 100000)
        s = self.srv.raw()
        n = 300  # 30 MB of replies with a 1 MB soft limit
        s.sendall(b"".join(encode("GET", "bp") for _ in range(n)))
        time.sleep(0.5)  # the server stops reading; nothing is lost
        one = b"$100000\r\n" + b"y" * 100000 + b"\r\n"
        data = read_until(s, lambda d: len(d) >= n * len(one), timeout=30)
        self.assertEqual(len(data), n * len(one))
        self.assertEqual(data[:len(one)], one)
        s.close()

    def test_resp3_replies(self):
        s = self.srv.raw()
        s.sendall(encode("HELLO", "3") + encode("CONFIG", "GET", "port") + encode("GET", "nokey"))
        data = read_until(s, lambda d: d.endswith(b"_\r\n"))
        self.assertIn(b"%1\r\n$4\r\nport\r\n", data)
        s.close()


class ProtoMaxBulkLen(unittest.TestCase):
    def test_bulk_longer_than_limit_is_a_protocol_error(self):
        with LsmdbServer(["--proto-max-bulk-len", "1mb"]) as srv:
            s = srv.raw()
            s.sendall(b"*2\r\n$3\r\nGET\r\n$2000000\r\n")
            data, closed = read_all_until_close(s)
            self.assertTrue(closed)
            self.assertEqual(data, b"-ERR Protocol error: invalid bulk length\r\n")


class AppendFsyncAlways(unittest.TestCase):
    def test_pipelined_writes_are_acked_in_order_and_survive_restart(self):
        with LsmdbServer(["--appendfsync", "always"]) as srv:
            s = srv.raw()
            n = 2000
            s.sendall(b"".join(encode("INCR", "ctr") if i % 3 else encode("GET", "ctr")
                               for i in range(n)))
            data = read_until(s, lambda d: d.count(b"\r\n") >= n + n // 3, timeout=60)
            # Replies come in order: the counter only grows.
            values = []
            for line in data.split(b"\r\n"):
                if line.startswith(b":"):
                    values.append(int(line[1:]))
            self.assertEqual(values, list(range(1, len(values) + 1)))
            s.close()
            srv.stop(timeout=30)
            srv.start()
            self.assertEqual(int(srv.client().get("ctr")), len(values))


if __name__ == "__main__":
    unittest.main()
