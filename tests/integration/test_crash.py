"""Crash durability of the real server: acknowledged writes survive SIGKILL.

One round:
  1. start lsmdb-server on a --dir shared by all rounds (appendfsync always,
     or everysec for the everysec round);
  2. run concurrent writer threads, each with its own redis-py connection,
     recording every ACKNOWLEDGED write: SET (fresh keys, plus overwrites of a
     few keys with increasing versions), INCR (a private counter and one
     counter shared by all writers), HSET, RPUSH, and pipelined SETs (16 per
     round trip; a batch counts only when all its replies arrived);
  3. SIGKILL the server at a random moment (0.3-1.5 s in);
  4. restart it on the same dir and check:
       - every acknowledged SET/HSET value is there, byte for byte (values
         carry their own length and a check byte, so a torn value is caught);
       - an overwritten key holds a version >= the last acknowledged one;
       - every INCR counter is >= its acknowledged increments and <= the
         attempted ones;
       - every RPUSH list is a prefix of the pushed sequence at least as long
         as the acknowledged pushes (so all acknowledged elements, in order);
       - what earlier rounds left (read back after their restart) is unchanged.
Families whose commands the server lacks (COMMAND INFO) are skipped.

A process kill loses nothing in everysec mode either: the WAL is handed to
the OS (write(2)) once per pipeline before the replies go out, and only the
fsync is deferred; power loss is what everysec exposes, and the engine's
tests/storage/db/power_cut_test.cc covers that.

Also a command-line driver for many rounds (tools/crash_test.sh):
  python3 test_crash.py --rounds 100 [--mode always|everysec] [--writers 4]
"""

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import unittest
import zlib

import redis

from lsmdb_harness import LsmdbServer


def make_value(tag, size):
    """A value that names itself: '<tag>|<size>|<crc>|' + filler of `size` bytes."""
    filler = (tag * (size // max(1, len(tag)) + 1))[:size]
    return "%s|%d|%08x|%s" % (tag, size, zlib.crc32(filler.encode()), filler)


def value_ok(v):
    """True if v (bytes or str) is a whole make_value() value."""
    if isinstance(v, bytes):
        v = v.decode(errors="replace")
    parts = v.split("|", 3)
    if len(parts) != 4:
        return False
    tag, size, crc, filler = parts
    return (size.isdigit() and len(filler) == int(size)
            and "%08x" % zlib.crc32(filler.encode()) == crc)


def available_families(srv):
    """The write families whose commands the server knows."""
    names = ["set", "incr", "hset", "rpush"]
    info = srv.command("COMMAND", "INFO", *names)
    have = set()
    for name, entry in zip(names, info):
        if entry:
            have.add(name)
    return have


class Writer(threading.Thread):
    """One client; writes until its connection fails. Keys are private to it
    except the shared counter. All expectations are recorded in self.*."""

    def __init__(self, port, prefix, wid, families, seed):
        super().__init__(daemon=True)
        self.port = port
        self.p = "%s:w%d" % (prefix, wid)
        self.shared_counter = "%s:shared" % prefix
        self.families = sorted(families)
        self.rng = random.Random(seed)
        self.sets = {}          # key -> value (acknowledged, written once)
        self.versions = {}      # key -> last acknowledged version
        self.counter_ack = 0
        self.counter_tried = 0
        self.shared_ack = 0
        self.shared_tried = 0
        self.hash_ack = {}      # field -> value
        self.list_ack = 0       # acknowledged RPUSHes (one element each)
        self.list_tried = 0
        self.acked = 0
        self.stop = False
        self.error = None

    def list_element(self, n):
        return "%s:e%d" % (self.p, n)

    def run(self):
        try:
            r = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10)
            n = 0
            kinds = list(self.families)
            if "set" in self.families:
                kinds += ["overwrite", "pipeline"]
            while not self.stop:
                n += 1
                kind = self.rng.choice(kinds)
                if kind == "set":
                    key = "%s:s%d" % (self.p, n)
                    val = make_value("%s:%d" % (self.p, n), self.rng.choice([0, 10, 100, 3000]))
                    r.set(key, val)
                    self.sets[key] = val
                elif kind == "overwrite":
                    key = "%s:o%d" % (self.p, n % 5)
                    r.set(key, make_value("v%d" % n, self.rng.randint(0, 200)))
                    self.versions[key] = n
                elif kind == "pipeline":
                    pipe = r.pipeline(transaction=False)
                    batch = {}
                    for j in range(16):
                        key = "%s:p%d.%d" % (self.p, n, j)
                        batch[key] = make_value(key, self.rng.randint(0, 300))
                        pipe.set(key, batch[key])
                    pipe.execute()
                    self.sets.update(batch)
                    self.acked += len(batch) - 1
                elif kind == "incr":
                    if self.rng.random() < 0.5:
                        self.counter_tried += 1
                        r.incr(self.p + ":counter")
                        self.counter_ack += 1
                    else:
                        self.shared_tried += 1
                        r.incr(self.shared_counter)
                        self.shared_ack += 1
                elif kind == "hset":
                    field = "f%d" % n
                    val = make_value(field, self.rng.randint(0, 500))
                    r.hset(self.p + ":hash", field, val)
                    self.hash_ack[field] = val
                elif kind == "rpush":
                    self.list_tried += 1
                    r.rpush(self.p + ":list", self.list_element(self.list_tried))
                    self.list_ack += 1
                self.acked += 1
        except (redis.ConnectionError, redis.TimeoutError, ConnectionResetError, OSError):
            pass  # the kill
        except Exception as e:  # noqa: BLE001 - reported by the round
            self.error = e


def decode(v):
    return v.decode(errors="replace") if isinstance(v, bytes) else v


class CrashRound:
    """Runs rounds against one data dir and accumulates what must stay there."""

    def __init__(self, base_dir, writers=4, seed=None, log=None):
        self.base_dir = base_dir
        self.nwriters = writers
        self.rng = random.Random(seed)
        self.settled = {}   # key -> (type, value) read back after an earlier round
        self.rounds = 0
        self.checked = 0    # acknowledged writes verified
        self.log = log or (lambda msg: None)
        self.families = None

    def run(self, mode="always"):
        """One round; returns a list of problems (empty: nothing lost)."""
        self.rounds += 1
        prefix = "r%d" % self.rounds
        srv = LsmdbServer(args=["--appendfsync", mode], data_dir=self.base_dir)
        problems = []
        try:
            if self.families is None:
                self.families = available_families(srv)
            writers = [Writer(srv.port, prefix, i, self.families, self.rng.random())
                       for i in range(self.nwriters)]
            for w in writers:
                w.start()
            time.sleep(self.rng.uniform(0.3, 1.5))
            srv.proc.send_signal(signal.SIGKILL)
            srv.wait_exit()
            for w in writers:
                w.stop = True
                w.join(timeout=30)
                if w.error is not None:
                    problems.append("writer %s: %r" % (w.p, w.error))
            acked = sum(w.acked for w in writers)
            srv.start()
            r = srv.client()
            problems += self.check_settled(r)
            problems += self.check_round(r, prefix, writers)
            self.checked += acked
            self.log("round %d (%s): %d acknowledged writes, %d problems"
                     % (self.rounds, mode, acked, len(problems)))
            srv.proc.send_signal(signal.SIGKILL)
            srv.wait_exit()
        finally:
            if srv.proc is not None:
                srv.stop(sig=signal.SIGKILL)
        return problems

    def check_settled(self, r):
        problems = []
        for key, (kind, want) in self.settled.items():
            if kind == "string":
                got = decode(r.get(key))
            elif kind == "hash":
                got = {decode(k): decode(v) for k, v in r.hgetall(key).items()}
            else:
                got = [decode(x) for x in r.lrange(key, 0, -1)]
            if got != want:
                problems.append("%s changed after a later crash: %r -> %r"
                                % (key, want, got))
        return problems

    def check_round(self, r, prefix, writers):
        problems = []
        shared_ack = sum(w.shared_ack for w in writers)
        shared_tried = sum(w.shared_tried for w in writers)
        if "incr" in self.families:
            key = "%s:shared" % prefix
            got = int(r.get(key) or 0)
            if not shared_ack <= got <= shared_tried:
                problems.append("%s = %d, acknowledged %d, tried %d"
                                % (key, got, shared_ack, shared_tried))
            self.settled[key] = ("string", decode(r.get(key)))
        for w in writers:
            for key, want in w.sets.items():
                got = decode(r.get(key))
                if got != want:
                    problems.append("%s: acknowledged %r, found %r"
                                    % (key, want[:60], got if got is None else got[:60]))
                self.settled[key] = ("string", got)
            for key, version in w.versions.items():
                got = decode(r.get(key))
                if got is None or not value_ok(got) or int(got.split("|")[0][1:]) < version:
                    problems.append("%s: acknowledged version %d, found %r"
                                    % (key, version, got))
                self.settled[key] = ("string", got)
            if "incr" in self.families:
                key = w.p + ":counter"
                got = int(r.get(key) or 0)
                if not w.counter_ack <= got <= w.counter_tried:
                    problems.append("%s = %d, acknowledged %d, tried %d"
                                    % (key, got, w.counter_ack, w.counter_tried))
                self.settled[key] = ("string", decode(r.get(key)))
            if "hset" in self.families:
                key = w.p + ":hash"
                got = {decode(k): decode(v) for k, v in r.hgetall(key).items()}
                for field, want in w.hash_ack.items():
                    if got.get(field) != want:
                        problems.append("%s %s: acknowledged, found %r"
                                        % (key, field, got.get(field)))
                for field, v in got.items():
                    if not value_ok(v):
                        problems.append("%s %s: torn value %r" % (key, field, v[:60]))
                if got:
                    self.settled[key] = ("hash", got)
            if "rpush" in self.families:
                key = w.p + ":list"
                got = [decode(x) for x in r.lrange(key, 0, -1)]
                want = [w.list_element(i) for i in range(1, len(got) + 1)]
                if got != want or not w.list_ack <= len(got) <= w.list_tried:
                    problems.append("%s: %d elements (acknowledged %d, tried %d), in order: %s"
                                    % (key, len(got), w.list_ack, w.list_tried, got == want))
                if got:
                    self.settled[key] = ("list", got)
        return problems


class CrashTest(unittest.TestCase):
    ROUNDS = 5

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lsmdb-crash-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_acknowledged_writes_survive_sigkill_with_appendfsync_always(self):
        cr = CrashRound(self.dir, writers=4, seed=int(time.time()), log=print)
        for _ in range(self.ROUNDS):
            problems = cr.run("always")
            self.assertEqual(problems, [], "round %d lost data" % cr.rounds)
        self.assertGreater(cr.checked, 0)

    def test_a_process_kill_loses_nothing_with_appendfsync_everysec(self):
        cr = CrashRound(self.dir, writers=4, seed=int(time.time()) + 1, log=print)
        for _ in range(2):
            problems = cr.run("everysec")
            self.assertEqual(problems, [], "round %d lost data" % cr.rounds)
        self.assertGreater(cr.checked, 0)

    def test_skipped_families_are_reported(self):
        with LsmdbServer() as srv:
            have = available_families(srv)
        missing = {"set", "incr", "hset", "rpush"} - have
        if missing:
            self.skipTest("server lacks %s: those families are not crash-tested"
                          % ", ".join(sorted(missing)))


def main():
    ap = argparse.ArgumentParser(description="kill -9 durability rounds")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--mode", default="always", choices=["always", "everysec"])
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--dir", default=None, help="data dir (default: a temp dir, removed)")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    base = args.dir or tempfile.mkdtemp(prefix="lsmdb-crash-")
    start = time.time()
    cr = CrashRound(base, writers=args.writers, seed=seed, log=print)
    failed_rounds = 0
    all_problems = []
    try:
        for _ in range(args.rounds):
            problems = cr.run(args.mode)
            if problems:
                failed_rounds += 1
                all_problems += ["round %d: %s" % (cr.rounds, p) for p in problems]
                for p in problems[:10]:
                    print("  LOST:", p)
    finally:
        if args.dir is None and not all_problems:
            shutil.rmtree(base, ignore_errors=True)
    print("families: %s" % ", ".join(sorted(cr.families or [])))
    print("crash summary: mode=%s seed=%d rounds=%d writers=%d acknowledged-writes-checked=%d "
          "rounds-with-loss=%d problems=%d time=%.0fs%s"
          % (args.mode, seed, cr.rounds, args.writers, cr.checked, failed_rounds,
             len(all_problems), time.time() - start,
             "" if not all_problems else " (data dir kept: %s)" % base))
    return 1 if all_problems else 0


if __name__ == "__main__":
    sys.exit(main())
