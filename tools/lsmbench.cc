// lsmbench: RocksDB db_bench's shared subset, run against LSMDB, so that the two
// tools can be run with the same flags and their output lines compared.
//
//   lsmbench --benchmarks=fillseq,fillrandom,overwrite,readrandom,readseq,seekrandom
//            [--num=1000000] [--reads=-1] [--key_size=16] [--value_size=100]
//            [--db=/tmp/lsmbench] [--compression_type=none|lz4] [--sync=0]
//            [--use_existing_db=0] [--cache_size=8388608] [--bloom_bits=10]
//            [--seek_nexts=0] [--write_buffer_size=67108864] [--threads=1]
//            [--batch_size=1] [--seed=0] [--histogram=0] [--compression_ratio=0.5]
//            [--server_mode=0] [--pipeline=16] [--scan_length=10] [--key_range=0]
//
// Semantics copied from db_bench (tools/db_bench_tool.cc, RocksDB 7.x):
//   - Benchmarks run in order on one DB. fillseq and fillrandom start from a
//     fresh (destroyed) DB; with --use_existing_db=1 they are skipped instead.
//   - Key i is GenerateKeyFromInt: the first min(key_size, 8) bytes are i in
//     big-endian order, the rest is '0' padding.
//   - Random keys are mt19937_64() % num, seeded with seed + a counter of
//     threads started so far (fillrandom/overwrite may repeat keys,
//     so readrandom finds ~63% after fillrandom alone).
//   - Values come from a 1 MiB buffer of 100-byte pieces, each a random run of
//     value_size*compression_ratio bytes repeated (so LZ4 halves them).
//   - Each thread runs `num` writes or `reads` reads; one result line per
//     benchmark in db_bench's format:
//       fillrandom   :       3.767 micros/op 265448 ops/sec 26.547 seconds 1000000 operations;   29.4 MB/s
//   followed by an lsmbench-only line with the process's CPU time (user + system,
//   all threads including the engine's background ones) per operation, which
//   stays comparable on a loaded machine where wall-clock figures do not:
//       fillrandom   : cpu 2.911 micros/op (user 2.512 sys 0.399)
// Extra benchmarks: "stats" prints GetProperty("lsmdb.stats"), "compact" runs a
// full CompactRange, "flush" flushes the memtable, "seekbounded" opens an
// iterator bounded to [key(k), key(k + scan_length)) per op and reads it all
// (the server's collection scans).
// --server_mode=1 writes the way lsmdb-server does: the DB is opened with
// SyncMode::kEverySec, manual_wal_flush and a 64 MiB replication backlog;
// writes use WriteAsync, and each thread calls FlushWal() every --pipeline
// batches (one pipeline of commands). Combine with --threads=2 --batch_size=1
// for the server's small concurrent writes. --key_range=N draws random keys
// from [0, N) instead of [0, num) (N=1: redis-benchmark's one hot key).
// At exit: "lsmdb.write-amplification: X" and "Peak RSS: N KB" (ru_maxrss).
//
// LSMDB differences: --sync=0 opens the DB with SyncMode::kNone (db_bench with
// sync=0 never fsyncs the WAL); --sync=1 sets WriteOptions::sync.

#include <sys/resource.h>
#include <sys/time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lsmdb/db.h"

namespace lsmdb::tools {
namespace {

struct Flags {
  std::string benchmarks = "fillseq,fillrandom,overwrite,readrandom,readseq,seekrandom";
  int64_t num = 1000000;
  int64_t reads = -1;  // -1: same as num
  int key_size = 16;
  int value_size = 100;
  std::string db = "/tmp/lsmbench";
  std::string compression_type = "lz4";
  bool sync = false;
  bool use_existing_db = false;
  int64_t cache_size = 8 << 20;
  int bloom_bits = 10;
  int seek_nexts = 0;
  int64_t write_buffer_size = 64 << 20;
  int threads = 1;
  int batch_size = 1;
  int64_t seed = 0;
  bool histogram = false;
  double compression_ratio = 0.5;
  bool progress_reports = true;
  bool server_mode = false;
  int pipeline = 16;
  int scan_length = 10;
  int64_t key_range = 0;  // 0: num
};
Flags FLAGS;

uint64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
uint64_t NowMicros() { return NowNanos() / 1000; }

// Process CPU time (all threads) in microseconds: user, system.
std::pair<uint64_t, uint64_t> CpuMicros() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  auto us = [](const timeval& t) {
    return static_cast<uint64_t>(t.tv_sec) * 1000000 + static_cast<uint64_t>(t.tv_usec);
  };
  return {us(ru.ru_utime), us(ru.ru_stime)};
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "lsmbench: %s\n", what.c_str());
  std::exit(1);
}

// Parses "--name=value" arguments into FLAGS; unknown flags are fatal.
void ParseFlags(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("usage: lsmbench --benchmarks=a,b,... [--flag=value ...] (see lsmbench.cc)\n");
      std::exit(0);
    }
    size_t dashes = arg.substr(0, 2) == "--" ? 2 : (arg.substr(0, 1) == "-" ? 1 : 0);
    size_t eq = arg.find('=');
    if (dashes == 0 || eq == std::string_view::npos) Die("bad argument: " + std::string(arg));
    std::string name(arg.substr(dashes, eq - dashes));
    std::string value(arg.substr(eq + 1));
    auto as_int = [&]() -> int64_t {
      char* end = nullptr;
      long long v = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0') Die("--" + name + " wants an integer: " + value);
      return v;
    };
    auto as_bool = [&]() { return value == "true" || as_int() != 0; };
    if (name == "benchmarks") FLAGS.benchmarks = value;
    else if (name == "num") FLAGS.num = as_int();
    else if (name == "reads") FLAGS.reads = as_int();
    else if (name == "key_size") FLAGS.key_size = static_cast<int>(as_int());
    else if (name == "value_size") FLAGS.value_size = static_cast<int>(as_int());
    else if (name == "db") FLAGS.db = value;
    else if (name == "compression_type") FLAGS.compression_type = value;
    else if (name == "sync") FLAGS.sync = as_bool();
    else if (name == "use_existing_db") FLAGS.use_existing_db = as_bool();
    else if (name == "cache_size") FLAGS.cache_size = as_int();
    else if (name == "bloom_bits") FLAGS.bloom_bits = static_cast<int>(as_int());
    else if (name == "seek_nexts") FLAGS.seek_nexts = static_cast<int>(as_int());
    else if (name == "write_buffer_size") FLAGS.write_buffer_size = as_int();
    else if (name == "threads") FLAGS.threads = static_cast<int>(as_int());
    else if (name == "batch_size") FLAGS.batch_size = static_cast<int>(as_int());
    else if (name == "seed") FLAGS.seed = as_int();
    else if (name == "histogram") FLAGS.histogram = as_bool();
    else if (name == "compression_ratio") FLAGS.compression_ratio = std::atof(value.c_str());
    else if (name == "progress_reports") FLAGS.progress_reports = as_bool();
    else if (name == "server_mode") FLAGS.server_mode = as_bool();
    else if (name == "pipeline") FLAGS.pipeline = static_cast<int>(as_int());
    else if (name == "scan_length") FLAGS.scan_length = static_cast<int>(as_int());
    else if (name == "key_range") FLAGS.key_range = as_int();
    else Die("unknown flag --" + name);
  }
  if (FLAGS.num <= 0 || FLAGS.key_size < 1 || FLAGS.value_size < 0 || FLAGS.threads < 1 ||
      FLAGS.batch_size < 1 || FLAGS.pipeline < 1) {
    Die("--num, --key_size, --threads, --batch_size and --pipeline must be positive");
  }
  if (FLAGS.compression_type != "none" && FLAGS.compression_type != "lz4") {
    Die("--compression_type must be none or lz4");
  }
  if (FLAGS.reads < 0) FLAGS.reads = FLAGS.num;
  if (FLAGS.key_range <= 0) FLAGS.key_range = FLAGS.num;
  if (FLAGS.seed == 0) FLAGS.seed = static_cast<int64_t>(NowMicros() & 0x7fffffff);
}

// db_bench's GenerateKeyFromInt (keys_per_prefix = 0).
void GenerateKeyFromInt(uint64_t v, std::string* key) {
  key->assign(FLAGS.key_size, '0');
  int bytes_to_fill = std::min(FLAGS.key_size, 8);
  for (int i = 0; i < bytes_to_fill; ++i) {
    (*key)[i] = static_cast<char>((v >> ((bytes_to_fill - i - 1) << 3)) & 0xFF);
  }
}

// RocksDB's util/random.h Random (Park-Miller), used for value bytes.
class ParkMiller {
 public:
  explicit ParkMiller(uint32_t s) : seed_((s & kM) != 0 ? (s & kM) : 1) {}
  uint32_t Next() {
    uint64_t product = seed_ * kA;
    seed_ = static_cast<uint32_t>((product >> 31) + (product & kM));
    if (seed_ > kM) seed_ -= kM;
    return seed_;
  }
  uint32_t Uniform(int n) { return Next() % n; }

 private:
  static constexpr uint32_t kM = 2147483647u;
  static constexpr uint64_t kA = 16807;
  uint32_t seed_;
};

// db_bench's RandomGenerator: values that compress to FLAGS.compression_ratio.
class ValueGenerator {
 public:
  ValueGenerator() {
    ParkMiller rnd(301);
    std::string piece;
    while (data_.size() < static_cast<size_t>(std::max(1048576, FLAGS.value_size))) {
      // test::CompressibleString(&rnd, ratio, 100, &piece)
      int raw = std::max(1, static_cast<int>(100 * FLAGS.compression_ratio));
      std::string raw_data(raw, '\0');
      for (char& c : raw_data) c = static_cast<char>(rnd.Uniform(127));  // CHAR_MAX
      piece.clear();
      while (piece.size() < 100) piece += raw_data;
      piece.resize(100);
      data_ += piece;
    }
  }
  std::string_view Generate(size_t len) {
    if (pos_ + len > data_.size()) pos_ = 0;
    pos_ += len;
    return std::string_view(data_).substr(pos_ - len, len);
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Latency histogram (microseconds): exponential buckets from 0.1 us, 4% wide.
// Percentiles report a bucket's upper bound.
class Histogram {
 public:
  static constexpr double kBase = 0.1;
  void Add(double micros) {
    size_t b = micros <= kBase ? 0
                               : static_cast<size_t>(std::log(micros / kBase) / std::log(1.04)) + 1;
    if (b >= buckets_.size()) buckets_.resize(b + 1);
    buckets_[b]++;
    count_++;
    sum_ += micros;
    sum_sq_ += micros * micros;
    min_ = std::min(min_, micros);
    max_ = std::max(max_, micros);
  }
  void Merge(const Histogram& o) {
    if (o.buckets_.size() > buckets_.size()) buckets_.resize(o.buckets_.size());
    for (size_t i = 0; i < o.buckets_.size(); i++) buckets_[i] += o.buckets_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    sum_sq_ += o.sum_sq_;
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
  }
  double Percentile(double p) const {
    uint64_t want = static_cast<uint64_t>(std::ceil(count_ * p / 100.0)), seen = 0;
    for (size_t i = 0; i < buckets_.size(); i++) {
      seen += buckets_[i];
      if (seen >= want && buckets_[i] > 0) return std::min(max_, kBase * std::pow(1.04, i));
    }
    return max_;
  }
  void Print() const {
    if (count_ == 0) return;
    double avg = sum_ / count_;
    double sd = std::sqrt(std::max(0.0, sum_sq_ / count_ - avg * avg));
    std::printf("Microseconds per op:\nCount: %" PRIu64 " Average: %.4f  StdDev: %.2f\n", count_,
                avg, sd);
    std::printf("Min: %.2f  Median: %.4f  Max: %.2f\n", min_, Percentile(50), max_);
    std::printf("Percentiles: P50: %.2f P75: %.2f P99: %.2f P99.9: %.2f P99.99: %.2f\n",
                Percentile(50), Percentile(75), Percentile(99), Percentile(99.9),
                Percentile(99.99));
  }

 private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  double sum_ = 0, sum_sq_ = 0, min_ = 1e300, max_ = 0;
};

// Per-thread counters, merged like db_bench's Stats.
struct Stats {
  uint64_t start = 0, finish = 0;  // micros
  uint64_t last_op = 0;             // nanos, for the histogram
  double seconds = 0;  // sum of per-thread elapsed times
  uint64_t done = 0, bytes = 0, next_report = 100;
  std::string message;
  Histogram hist;

  void Start() {
    start = NowMicros();
    last_op = NowNanos();
  }
  void Stop() {
    finish = NowMicros();
    seconds = (finish - start) * 1e-6;
  }
  void FinishedOps(uint64_t n) {
    if (FLAGS.histogram) {
      uint64_t now = NowNanos();
      hist.Add(static_cast<double>(now - last_op) / 1000.0);
      last_op = now;
    }
    done += n;
    if (done >= next_report && FLAGS.progress_reports) {
      // db_bench's schedule: report more rarely as the count grows.
      if (next_report < 1000) next_report += 100;
      else if (next_report < 5000) next_report += 500;
      else if (next_report < 10000) next_report += 1000;
      else if (next_report < 50000) next_report += 5000;
      else if (next_report < 100000) next_report += 10000;
      else if (next_report < 500000) next_report += 50000;
      else next_report += 100000;
      std::fprintf(stderr, "... finished %" PRIu64 " ops%30s\r", done, "");
      std::fflush(stderr);
    }
  }
  void Merge(const Stats& o) {
    start = std::min(start, o.start);
    finish = std::max(finish, o.finish);
    seconds += o.seconds;
    done += o.done;
    bytes += o.bytes;
    if (message.empty()) message = o.message;
    hist.Merge(o.hist);
  }
  void Report(const std::string& name) const {
    uint64_t ops = std::max<uint64_t>(done, 1);
    double elapsed = std::max(1e-9, (finish - start) * 1e-6);
    std::string extra;
    if (bytes > 0) {
      char rate[100];
      std::snprintf(rate, sizeof(rate), "%6.1f MB/s", (bytes / 1048576.0) / elapsed);
      extra = rate;
    }
    if (!message.empty()) extra += (extra.empty() ? "" : " ") + message;
    std::printf("%-12s : %11.3f micros/op %ld ops/sec %.3f seconds %" PRIu64 " operations;%s%s\n",
                name.c_str(), seconds * 1e6 / ops, static_cast<long>(ops / elapsed), elapsed, ops,
                extra.empty() ? "" : " ", extra.c_str());
    if (FLAGS.histogram) hist.Print();
    std::fflush(stdout);
  }
};

struct ThreadState {
  int tid = 0;
  std::mt19937_64 rand;
  Stats stats;
};

class Benchmark {
 public:
  void Run() {
    PrintHeader();
    if (!FLAGS.use_existing_db) Destroy();
    Open();
    size_t pos = 0;
    while (pos <= FLAGS.benchmarks.size()) {
      size_t comma = FLAGS.benchmarks.find(',', pos);
      if (comma == std::string::npos) comma = FLAGS.benchmarks.size();
      std::string name = FLAGS.benchmarks.substr(pos, comma - pos);
      pos = comma + 1;
      if (!name.empty()) RunOne(name);
    }
    std::string wamp;
    if (db_ && db_->GetProperty("lsmdb.write-amplification", &wamp)) {
      std::printf("lsmdb.write-amplification: %s\n", wamp.c_str());
    }
    db_.reset();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::printf("Peak RSS: %ld KB\n", ru.ru_maxrss);
  }

 private:
  using Method = void (Benchmark::*)(ThreadState*);

  void PrintHeader() {
    double value_comp = FLAGS.value_size * FLAGS.compression_ratio;
    std::printf("LSMDB lsmbench\n");
    std::printf("Keys:       %d bytes each\n", FLAGS.key_size);
    std::printf("Values:     %d bytes each (%d bytes after compression)\n", FLAGS.value_size,
                static_cast<int>(value_comp + 0.5));
    std::printf("Entries:    %" PRId64 "\n", FLAGS.num);
    std::printf("RawSize:    %.1f MB (estimated)\n",
                (FLAGS.key_size + FLAGS.value_size) * FLAGS.num / 1048576.0);
    std::printf("Compression: %s\n", FLAGS.compression_type.c_str());
    std::printf("------------------------------------------------\n");
    std::fflush(stdout);
  }

  void Destroy() {
    db_.reset();
    Status s = DestroyDB(FLAGS.db);
    (void)s;  // a missing directory is fine
  }

  void Open() {
    Options options;
    options.create_if_missing = true;
    options.sync_mode = FLAGS.sync ? SyncMode::kAlways : SyncMode::kNone;
    if (FLAGS.server_mode) {
      options.sync_mode = FLAGS.sync ? SyncMode::kAlways : SyncMode::kEverySec;
      options.manual_wal_flush = true;
      options.replication_backlog_bytes = 64 << 20;
    }
    options.write_buffer_size = static_cast<size_t>(FLAGS.write_buffer_size);
    options.compression = FLAGS.compression_type == "lz4" ? Compression::kLz4 : Compression::kNone;
    options.bloom_bits_per_key = std::max(0, FLAGS.bloom_bits);
    options.block_cache_bytes = static_cast<size_t>(std::max<int64_t>(0, FLAGS.cache_size));
    auto db = DB::Open(options, FLAGS.db);
    if (!db.ok()) Die("open " + FLAGS.db + ": " + db.status().ToString());
    db_ = std::move(db).value();
    write_options_.sync = FLAGS.sync;
  }

  void RunOne(const std::string& name) {
    Method method = nullptr;
    bool fresh_db = false;
    if (name == "fillseq") {
      fresh_db = true;
      method = &Benchmark::WriteSeq;
    } else if (name == "fillrandom") {
      fresh_db = true;
      method = &Benchmark::WriteRandom;
    } else if (name == "overwrite") {
      method = &Benchmark::WriteRandom;
    } else if (name == "readrandom") {
      method = &Benchmark::ReadRandom;
    } else if (name == "readseq") {
      method = &Benchmark::ReadSequential;
    } else if (name == "seekrandom") {
      method = &Benchmark::SeekRandom;
    } else if (name == "seekbounded") {
      method = &Benchmark::SeekBounded;
    } else if (name == "stats") {
      std::string stats;
      if (db_->GetProperty("lsmdb.stats", &stats)) std::printf("\n%s\n", stats.c_str());
      return;
    } else if (name == "compact") {
      method = &Benchmark::Compact;
    } else if (name == "flush") {
      method = &Benchmark::FlushMem;
    } else {
      Die("unknown benchmark '" + name + "'");
    }
    if (fresh_db) {
      if (FLAGS.use_existing_db) {
        std::printf("%-12s : skipped (--use_existing_db is true)\n", name.c_str());
        return;
      }
      Destroy();
      Open();
    }
    std::printf("DB path: [%s]\n", FLAGS.db.c_str());
    std::fflush(stdout);

    std::vector<ThreadState> states(FLAGS.threads);
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < FLAGS.threads; t++) {
      states[t].tid = t;
      // As db_bench: a counter over all threads of all benchmarks, so that
      // readrandom does not replay fillrandom's key sequence.
      states[t].rand.seed(static_cast<uint64_t>(FLAGS.seed) + ++total_thread_count_);
      threads.emplace_back([&, t] {
        ready++;
        while (!go.load()) std::this_thread::yield();
        states[t].stats.Start();
        (this->*method)(&states[t]);
        states[t].stats.Stop();
      });
    }
    while (ready.load() < FLAGS.threads) std::this_thread::yield();
    auto cpu_before = CpuMicros();
    go = true;
    for (auto& th : threads) th.join();
    auto cpu_after = CpuMicros();
    Stats merged = states[0].stats;
    for (int t = 1; t < FLAGS.threads; t++) merged.Merge(states[t].stats);
    if (FLAGS.progress_reports) std::fprintf(stderr, "%60s\r", "");
    merged.Report(name);
    double ops = static_cast<double>(std::max<uint64_t>(merged.done, 1));
    double user = (cpu_after.first - cpu_before.first) / ops;
    double sys = (cpu_after.second - cpu_before.second) / ops;
    std::printf("%-12s : cpu %.3f micros/op (user %.3f sys %.3f)\n", name.c_str(), user + sys, user,
                sys);
    std::fflush(stdout);
  }

  void DoWrite(ThreadState* thread, bool sequential) {
    ValueGenerator gen;
    WriteBatch batch;
    std::string key;
    uint64_t next = 0;
    int64_t bytes = 0, writes = 0;
    for (int64_t i = 0; i < FLAGS.num; i += FLAGS.batch_size) {
      batch.Clear();
      for (int j = 0; j < FLAGS.batch_size; j++) {
        uint64_t k =
            sequential ? next++ : thread->rand() % static_cast<uint64_t>(FLAGS.key_range);
        GenerateKeyFromInt(k, &key);
        batch.Put(key, gen.Generate(FLAGS.value_size));
        bytes += FLAGS.value_size + FLAGS.key_size;
      }
      Status s;
      if (FLAGS.server_mode) {
        s = db_->WriteAsync(write_options_, batch, [](Status st) {
          if (!st.ok()) Die("durability error: " + st.ToString());
        });
        if (s.ok() && ++writes % FLAGS.pipeline == 0) s = db_->FlushWal();
      } else {
        s = db_->Write(write_options_, batch);
      }
      if (!s.ok()) Die("put error: " + s.ToString());
      thread->stats.FinishedOps(FLAGS.batch_size);
    }
    if (FLAGS.server_mode) {
      Status s = db_->FlushWal();
      if (!s.ok()) Die("flush wal error: " + s.ToString());
    }
    thread->stats.bytes += bytes;
  }
  void WriteSeq(ThreadState* thread) { DoWrite(thread, true); }
  void WriteRandom(ThreadState* thread) { DoWrite(thread, false); }

  void ReadRandom(ThreadState* thread) {
    ReadOptions options;
    std::string key, value;
    int64_t found = 0, bytes = 0;
    for (int64_t i = 0; i < FLAGS.reads; i++) {
      GenerateKeyFromInt(thread->rand() % static_cast<uint64_t>(FLAGS.key_range), &key);
      auto r = db_->Get(options, key, &value);
      if (!r.ok()) Die("get error: " + r.status().ToString());
      if (*r) {
        found++;
        bytes += key.size() + value.size();
      }
      thread->stats.FinishedOps(1);
    }
    thread->stats.bytes += bytes;
    thread->stats.message = "(" + std::to_string(found) + " of " + std::to_string(FLAGS.reads) +
                            " found)";
  }

  void ReadSequential(ThreadState* thread) {
    std::unique_ptr<Iterator> iter = db_->NewIterator(ReadOptions());
    int64_t i = 0, bytes = 0;
    for (iter->SeekToFirst(); i < FLAGS.reads && iter->Valid(); iter->Next()) {
      bytes += iter->key().size() + iter->value().size();
      thread->stats.FinishedOps(1);
      ++i;
    }
    if (!iter->status().ok()) Die("iterator error: " + iter->status().ToString());
    thread->stats.bytes += bytes;
  }

  void SeekRandom(ThreadState* thread) {
    std::string key;
    char value_buffer[256];
    int64_t found = 0, bytes = 0;
    for (int64_t i = 0; i < FLAGS.reads; i++) {
      GenerateKeyFromInt(thread->rand() % static_cast<uint64_t>(FLAGS.key_range), &key);
      // A fresh iterator per seek, as db_bench does without --use_tailing_iterator.
      std::unique_ptr<Iterator> iter = db_->NewIterator(ReadOptions());
      iter->Seek(key);
      if (iter->Valid() && iter->key() == key) found++;
      for (int j = 0; j < FLAGS.seek_nexts && iter->Valid(); ++j) {
        std::string_view value = iter->value();
        std::memcpy(value_buffer, value.data(), std::min(value.size(), sizeof(value_buffer)));
        bytes += iter->key().size() + value.size();
        iter->Next();
      }
      if (!iter->status().ok()) Die("iterator error: " + iter->status().ToString());
      thread->stats.FinishedOps(1);
    }
    thread->stats.bytes += bytes;
    thread->stats.message = "(" + std::to_string(found) + " of " + std::to_string(FLAGS.reads) +
                            " found)";
  }

  // A short bounded scan per op, like the server's collection reads.
  void SeekBounded(ThreadState* thread) {
    std::string key, upper;
    int64_t found = 0, bytes = 0;
    for (int64_t i = 0; i < FLAGS.reads; i++) {
      uint64_t k = thread->rand() % static_cast<uint64_t>(FLAGS.key_range);
      GenerateKeyFromInt(k, &key);
      GenerateKeyFromInt(k + static_cast<uint64_t>(FLAGS.scan_length), &upper);
      ReadOptions options;
      options.lower_bound = key;
      options.upper_bound = upper;
      std::unique_ptr<Iterator> iter = db_->NewIterator(options);
      for (iter->Seek(key); iter->Valid(); iter->Next()) {
        bytes += iter->key().size() + iter->value().size();
        found++;
      }
      if (!iter->status().ok()) Die("iterator error: " + iter->status().ToString());
      thread->stats.FinishedOps(1);
    }
    thread->stats.bytes += bytes;
    thread->stats.message = "(" + std::to_string(found) + " entries)";
  }

  void Compact(ThreadState* thread) {
    if (thread->tid != 0) return;
    Status s = db_->CompactRange(nullptr, nullptr);
    if (!s.ok()) Die("compact error: " + s.ToString());
  }
  void FlushMem(ThreadState* thread) {
    if (thread->tid != 0) return;
    Status s = db_->Flush();
    if (!s.ok()) Die("flush error: " + s.ToString());
  }

  std::unique_ptr<DB> db_;
  WriteOptions write_options_;
  uint64_t total_thread_count_ = 0;
};

}  // namespace
}  // namespace lsmdb::tools

int main(int argc, char** argv) {
  lsmdb::tools::ParseFlags(argc, argv);
  lsmdb::tools::Benchmark bench;
  bench.Run();
  return 0;
}
