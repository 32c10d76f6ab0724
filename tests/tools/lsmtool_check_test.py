#!/usr/bin/python3
"""lsmtool check: a clean DB passes; a flipped byte in a table's data block or in
the middle of the live WAL makes it exit 1 naming the file and an offset.

Environment: LSMBENCH and LSMTOOL are the paths of the two executables (meson
passes them; see tools/meson.build).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

LSMBENCH = os.environ.get("LSMBENCH", "build/lsmbench")
LSMTOOL = os.environ.get("LSMTOOL", "build/lsmtool")

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args):
    p = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", timeout=240)
    return p.returncode, p.stdout


def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0x5A]))


def files_with(dbdir, suffix):
    return sorted(os.path.join(dbdir, n) for n in os.listdir(dbdir) if n.endswith(suffix))


def main():
    tmp = tempfile.mkdtemp(prefix="lsmtool-check-")
    try:
        db = os.path.join(tmp, "db")
        # Small memtables so that 20000 keys make several tables; then a second
        # run with a large memtable leaves ~2000 records in the live WAL.
        rc, out = run(LSMBENCH, "--benchmarks=fillrandom", "--num=20000", "--db=" + db,
                      "--write_buffer_size=400000", "--progress_reports=0", "--seed=7")
        check(rc == 0, "lsmbench fillrandom --num=20000 exits 0")
        rc, out = run(LSMBENCH, "--benchmarks=overwrite", "--num=2000", "--db=" + db,
                      "--use_existing_db=1", "--progress_reports=0", "--seed=8")
        check(rc == 0, "lsmbench overwrite --use_existing_db=1 exits 0")

        rc, out = run(LSMTOOL, "check", db)
        check(rc == 0, "check of a clean DB exits 0")
        # Live tables only (obsolete files may linger until the engine deletes them).
        live = [os.path.basename(p) for p in re.findall(r"^L\d (\S+): OK", out, re.M)]
        m = re.search(r"^OK: (\d+) tables, (\d+) WAL files, (\d+) entries$", out, re.M)
        check(m is not None and int(m.group(1)) > 0 and int(m.group(2)) > 0,
              "check prints 'OK: N tables, M WAL files, K entries' with N, M > 0: " +
              out.strip().splitlines()[-1] if out.strip() else "(no output)")

        tables = files_with(db, ".sst")
        wals = files_with(db, ".log")
        check(len(live) > 0 and len(wals) > 0, "the DB has live tables and a WAL")

        # The dumps run on the clean files.
        rc, out = run(LSMTOOL, "dump-sst", tables[0])
        check(rc == 0 and " : put => " in out, "dump-sst prints entries")
        rc, out = run(LSMTOOL, "dump-wal", wals[-1])
        check(rc == 0 and re.search(r"^offset \d+: seq \d+, count 1$", out, re.M) is not None,
              "dump-wal prints records")
        manifests = [os.path.join(db, n) for n in os.listdir(db) if n.startswith("MANIFEST-")]
        rc, out = run(LSMTOOL, "dump-manifest", manifests[0])
        check(rc == 0 and "VersionEdit {" in out, "dump-manifest prints VersionEdits")

        # A byte flipped a third of the way into the largest table: a data block
        # (index and filter blocks sit at the end).
        bad = os.path.join(tmp, "bad-sst")
        shutil.copytree(db, bad)
        table = max((os.path.join(bad, n) for n in live), key=os.path.getsize)
        flip_byte(table, os.path.getsize(table) // 3)
        rc, out = run(LSMTOOL, "check", bad)
        check(rc == 1, "check with a corrupt table exits 1 (got %d)" % rc)
        check(os.path.basename(table) in out and re.search(r"offset \d+", out) is not None,
              "the report names %s and an offset: %s" % (os.path.basename(table), out.strip()))

        # A byte flipped in the middle of the live WAL: middle damage, not a torn tail.
        bad = os.path.join(tmp, "bad-wal")
        shutil.copytree(db, bad)
        wal = max(files_with(bad, ".log"), key=os.path.getsize)
        flip_byte(wal, os.path.getsize(wal) // 2)
        rc, out = run(LSMTOOL, "check", bad)
        check(rc == 1, "check with a corrupt WAL exits 1 (got %d)" % rc)
        check(os.path.basename(wal) in out and re.search(r"offset \d+", out) is not None,
              "the report names %s and an offset: %s" % (os.path.basename(wal), out.strip()))
        rc, out = run(LSMTOOL, "dump-wal", wal)
        check(rc == 1, "dump-wal of the corrupt WAL exits 1")

        # Last: stats opens the DB read-write (recovery flushes the WAL).
        rc, out = run(LSMTOOL, "stats", db)
        check(rc == 0 and "lsm_sst_files" in out, "stats prints lsmdb.stats")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
