"""Pub/Sub over real sockets: SUBSCRIBE/PSUBSCRIBE/UNSUBSCRIBE/PUNSUBSCRIBE,
PUBLISH across I/O threads, PUBSUB introspection, RESP2 subscribed-mode
restrictions and RESP3 push frames."""

import time
import unittest

import redis

from lsmdb_harness import LsmdbServer, encode, read_until


def get_message(ps, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = ps.get_message(timeout=0.1)
        if m is not None:
            return m
    return None


class PubSub(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = LsmdbServer()

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def test_subscribe_publish_unsubscribe(self):
        r = self.srv.client()
        ps = r.pubsub()
        ps.subscribe("news", "sport")
        self.assertEqual(get_message(ps)["type"], "subscribe")
        m = get_message(ps)
        self.assertEqual((m["type"], m["channel"], m["data"]), ("subscribe", b"sport", 2))
        # Several publishers on separate connections (likely other I/O threads).
        for i in range(4):
            self.assertEqual(self.srv.client().publish("news", "hello%d" % i), 1)
        for i in range(4):
            m = get_message(ps)
            self.assertEqual((m["type"], m["channel"], m["data"]),
                             ("message", b"news", b"hello%d" % i))
        self.assertEqual(r.publish("nobody", "x"), 0)
        ps.unsubscribe("news")
        m = get_message(ps)
        self.assertEqual((m["type"], m["channel"], m["data"]), ("unsubscribe", b"news", 1))
        self.assertEqual(r.publish("news", "x"), 0)
        ps.close()

    def test_pattern_subscriptions(self):
        r = self.srv.client()
        ps = r.pubsub()
        ps.psubscribe("h*llo")
        m = get_message(ps)
        self.assertEqual((m["type"], m["pattern"], m["channel"], m["data"]),
                         ("psubscribe", None, b"h*llo", 1))
        ps.subscribe("hello")
        get_message(ps)
        # Channel and pattern both match: two deliveries.
        self.assertEqual(self.srv.client().publish("hello", "w"), 2)
        got = sorted((get_message(ps)["type"], get_message(ps)["type"]))
        self.assertEqual(got, ["message", "pmessage"])
        self.assertEqual(self.srv.client().publish("hallo", "w2"), 1)
        m = get_message(ps)
        self.assertEqual((m["type"], m["pattern"], m["channel"], m["data"]),
                         ("pmessage", b"h*llo", b"hallo", b"w2"))
        ps.punsubscribe()
        m = get_message(ps)
        self.assertEqual((m["type"], m["channel"], m["data"]), ("punsubscribe", b"h*llo", 1))
        ps.close()

    def test_pubsub_introspection(self):
        r = self.srv.client()
        a = r.pubsub()
        a.subscribe("chan.a", "chan.b")
        b = r.pubsub()
        b.subscribe("chan.a")
        b.psubscribe("p1*", "p2*")
        for _ in range(5):
            get_message(a if _ < 2 else b)
        self.assertEqual(sorted(r.pubsub_channels("chan.*")), [b"chan.a", b"chan.b"])
        self.assertEqual(r.pubsub_numsub("chan.a", "chan.b", "none"),
                         [(b"chan.a", 2), (b"chan.b", 1), (b"none", 0)])
        self.assertEqual(r.pubsub_numpat(), 2)
        a.close()
        b.close()
        time.sleep(0.2)  # the server drops the closed clients' subscriptions
        self.assertEqual(r.pubsub_channels("chan.*"), [])
        self.assertEqual(r.pubsub_numpat(), 0)
        with self.assertRaises(redis.ResponseError) as cm:
            r.execute_command("PUBSUB", "NOPE")
        self.assertIn("unknown subcommand 'NOPE'", str(cm.exception))

    def test_resp2_subscribed_mode_raw(self):
        s = self.srv.raw()
        s.sendall(encode("UNSUBSCRIBE"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b":0\r\n")),
                         b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n")
        s.sendall(encode("SUBSCRIBE", "c1"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b":1\r\n")),
                         b"*3\r\n$9\r\nsubscribe\r\n$2\r\nc1\r\n:1\r\n")
        s.sendall(encode("GET", "k"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"\r\n")),
                         b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                         b"PING / QUIT / RESET are allowed in this context\r\n")
        s.sendall(encode("PING"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"$0\r\n\r\n")),
                         b"*2\r\n$4\r\npong\r\n$0\r\n\r\n")
        self.srv.client().publish("c1", "payload")
        self.assertEqual(read_until(s, lambda d: d.endswith(b"payload\r\n")),
                         b"*3\r\n$7\r\nmessage\r\n$2\r\nc1\r\n$7\r\npayload\r\n")
        s.sendall(encode("UNSUBSCRIBE", "c1", "c2"))
        want = (b"*3\r\n$11\r\nunsubscribe\r\n$2\r\nc1\r\n:0\r\n"
                b"*3\r\n$11\r\nunsubscribe\r\n$2\r\nc2\r\n:0\r\n")
        self.assertEqual(read_until(s, lambda d: len(d) >= len(want)), want)
        s.sendall(encode("GET", "k"))  # normal mode again
        self.assertEqual(read_until(s, lambda d: d.endswith(b"\r\n")), b"$-1\r\n")
        s.sendall(encode("SUBSCRIBE", "c9") + encode("RESET") + encode("GET", "k"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b"$-1\r\n")),
                         b"*3\r\n$9\r\nsubscribe\r\n$2\r\nc9\r\n:1\r\n+RESET\r\n$-1\r\n")
        s.close()

    def test_resp3_push_frames_and_commands_allowed(self):
        s = self.srv.raw()
        s.sendall(encode("HELLO", "3"))
        read_until(s, lambda d: d.endswith(b"*0\r\n"))
        s.sendall(encode("SUBSCRIBE", "r3"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b":1\r\n")),
                         b">3\r\n$9\r\nsubscribe\r\n$2\r\nr3\r\n:1\r\n")
        s.sendall(encode("SET", "r3key", "v"))  # allowed in RESP3
        self.assertEqual(read_until(s, lambda d: d.endswith(b"\r\n")), b"+OK\r\n")
        self.srv.client().publish("r3", "hi")
        self.assertEqual(read_until(s, lambda d: d.endswith(b"hi\r\n")),
                         b">3\r\n$7\r\nmessage\r\n$2\r\nr3\r\n$2\r\nhi\r\n")
        s.sendall(encode("PSUBSCRIBE", "r*"))
        read_until(s, lambda d: d.endswith(b":2\r\n"))
        self.srv.client().publish("rx", "p")
        self.assertEqual(read_until(s, lambda d: d.endswith(b"$1\r\np\r\n")),
                         b">4\r\n$8\r\npmessage\r\n$2\r\nr*\r\n$2\r\nrx\r\n$1\r\np\r\n")
        s.sendall(encode("UNSUBSCRIBE"))
        self.assertEqual(read_until(s, lambda d: d.endswith(b":1\r\n")),
                         b">3\r\n$11\r\nunsubscribe\r\n$2\r\nr3\r\n:1\r\n")
        s.close()

    def test_many_subscribers_on_both_threads(self):
        subs = []
        for i in range(6):
            ps = self.srv.client().pubsub()
            ps.subscribe("fan")
            get_message(ps)
            subs.append(ps)
        self.assertEqual(self.srv.client().publish("fan", "all"), 6)
        for ps in subs:
            m = get_message(ps)
            self.assertEqual(m["data"], b"all")
            ps.close()

    def test_slow_subscriber_is_disconnected_past_hard_limit(self):
        s = self.srv.raw()
        s.setsockopt(__import__("socket").SOL_SOCKET, __import__("socket").SO_RCVBUF, 4096)
        s.sendall(encode("SUBSCRIBE", "flood"))
        read_until(s, lambda d: d.endswith(b":1\r\n"))
        pub = self.srv.client()
        big = "x" * (1 << 20)
        receivers = 1
        for _ in range(80):  # 80 MiB never read: past the 32 MiB hard limit
            receivers = pub.publish("flood", big)
            if receivers == 0:
                break
        time.sleep(0.3)
        self.assertEqual(pub.publish("flood", "x"), 0)
        s.close()


if __name__ == "__main__":
    unittest.main()
