// DUMP, RESTORE, RESTORE-ASKING and MIGRATE (Redis 7.0 cluster.c semantics
// and error texts; the payload is our own, see src/types/dump.h).
//
// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
//         [AUTH password] [AUTH2 username password] [KEYS key...]
//
// Threading: the handler dumps the keys on the I/O thread (reads only), then
// hands the network part (connect, AUTH, SELECT, one RESTORE per key, read
// the replies, each step bounded by `timeout`) to a worker thread and parks
// the client through the blocking-command machinery (blocking.h) with no
// keys and no deadline. The worker stores the outcome in the client's
// MigrateJob and wakes the client; the retried handler finds the job done,
// deletes the source keys (unless COPY) and replies. Without a connection
// (inside EXEC, the in-process harness) the network part runs inline.
//
// Writes racing a migration: the source keys stay writable while their
// payload is in flight. Before deleting, the handler re-dumps each restored
// key under its stripe lock and deletes it only if it is unchanged (same
// length, same trailing CRC-64, same expiry: the worker drops the payloads
// once sent, so a job whose client went away holds little); changed keys are
// sent again (RESTORE ... REPLACE) in another round, up to kMaxRounds, so no
// acknowledged write is lost to a migration. Jobs of clients that closed
// while parked are swept kJobKeepMs after they finish.
//
// Target connections (migrate_target.h) are cached per host:port (Redis keeps
// them 10 s), each used by one migration at a time; SELECT is sent only when
// the cached connection's db differs.

#include "src/commands/cmd_migrate.h"

#include <fmt/core.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "src/commands/migrate_target.h"
#include "src/server/blocking.h"
#include "src/server/client.h"
#include "src/server/command_context.h"
#include "src/server/command_table.h"
#include "src/server/redis_error.h"
#include "src/server/server.h"
#include "src/types/command_options.h"
#include "src/types/dump.h"
#include "src/types/key_lock.h"
#include "src/types/keyspace.h"
#include "src/types/numbers.h"

namespace lsmdb::server {
namespace {

constexpr int kMaxRounds = 8;
constexpr int64_t kJobKeepMs = 60000;

// ---- DUMP / RESTORE ----

Status CmdDump(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<DumpedKey> d, DumpKey(ctx.keyspace(), ctx.db(), ctx.arg(1)));
  if (d) {
    ctx.reply().Bulk(d->payload);
  } else {
    ctx.reply().Null();
  }
  return Status::OK();
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
Status CmdRestore(CommandContext& ctx) {
  bool replace = false, absttl = false, idle = false, freq = false;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    const bool more = j + 1 < ctx.argc();
    int64_t v;
    if (EqualsIgnoreCase(ctx.arg(j), "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.arg(j), "absttl")) {
      absttl = true;
    } else if (EqualsIgnoreCase(ctx.arg(j), "idletime") && more && !freq) {
      if (!StringToInt64(ctx.arg(++j), &v)) return RedisError(kErrNotInteger);
      if (v < 0) return RedisError("ERR Invalid IDLETIME value, must be >= 0");
      idle = true;  // accepted; no LRU clock is kept
    } else if (EqualsIgnoreCase(ctx.arg(j), "freq") && more && !idle) {
      if (!StringToInt64(ctx.arg(++j), &v)) return RedisError(kErrNotInteger);
      if (v < 0 || v > 255) return RedisError("ERR Invalid FREQ value, must be >= 0 and <= 255");
      freq = true;  // accepted; no LFU counter is kept
    } else {
      return RedisError(kErrSyntax);
    }
  }
  Keyspace& ks = ctx.keyspace();
  const std::string_view key = ctx.arg(1);
  if (!replace) {
    LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> existing, ks.LookupMeta(ctx.db(), key));
    if (existing) return RedisError(kErrBusyKey);
  }
  int64_t ttl;
  if (!StringToInt64(ctx.arg(2), &ttl)) return RedisError(kErrNotInteger);
  if (ttl < 0) return RedisError("ERR Invalid TTL value, must be >= 0");
  LSMDB_ASSIGN_OR_RETURN(DumpValue value, DecodeDump(ctx.arg(3)));
  int64_t expire_at = 0;
  if (ttl != 0) expire_at = absttl ? ttl : ks.NowMs() + ttl;
  LSMDB_RETURN_IF_ERROR(RestoreKey(ks, ctx.committer(), ctx.db(), key, value, expire_at, replace));
  ctx.reply().Ok();
  return Status::OK();
}

// ---- MIGRATE: jobs ----

struct MigrateJob {
  std::string host, port;
  int64_t dbid = 0;
  int64_t timeout_ms = 1000;
  bool copy = false, replace = false, cluster = false;
  std::string username, password;  // password empty: no AUTH
  bool auth = false;
  int source_db = 0;
  int round = 1;
  std::vector<std::string> keys;
  std::vector<DumpedKey> dumps;   // payloads cleared by the worker once sent
  std::vector<size_t> sizes;      // payload sizes, for the unchanged check
  std::vector<std::string> crcs;  // the payloads' trailing 8 bytes (CRC-64)
  // Written by the worker, read after `done`.
  std::vector<bool> restored;
  std::string error;  // the error reply, empty on success
  int64_t done_ms = 0;
  std::atomic<bool> done{false};
};

// Remembers what identifies each payload before the worker drops them.
void NotePayloads(MigrateJob& job) {
  job.sizes.clear();
  job.crcs.clear();
  for (const DumpedKey& d : job.dumps) {
    job.sizes.push_back(d.payload.size());
    job.crcs.push_back(d.payload.substr(d.payload.size() - 8));
  }
}

bool SamePayload(const MigrateJob& job, size_t i, const DumpedKey& now) {
  return now.payload.size() == job.sizes[i] &&
         now.payload.compare(now.payload.size() - 8, 8, job.crcs[i]) == 0 &&
         now.expire_at_ms == job.dumps[i].expire_at_ms;
}

std::mutex g_jobs_mu;
std::unordered_map<uint64_t, std::shared_ptr<MigrateJob>> g_jobs;  // by client id

// Redis's migrateCommand network part: one connection, one retry on a
// socket error before anything was acknowledged (a cached socket may have
// been closed by the target), none after a timeout.
void RunJob(MigrateJob& job) {
  const std::string addr = job.host + ":" + job.port;
  job.restored.assign(job.keys.size(), false);
  bool may_retry = true;
  while (true) {
    std::unique_ptr<TargetConn> c = Cache().Take(addr);
    if (c == nullptr) c = Connect(job.host, job.port, job.timeout_ms);
    if (c == nullptr) {
      job.error = "IOERR error or timeout connecting to the client";
      return;
    }
    std::string cmd;
    if (job.auth) {
      if (job.username.empty()) {
        AppendCommand(&cmd, {"AUTH", job.password});
      } else {
        AppendCommand(&cmd, {"AUTH", job.username, job.password});
      }
    }
    const bool select = c->last_db != job.dbid;
    const std::string db_text = std::to_string(job.dbid);
    if (select) AppendCommand(&cmd, {"SELECT", db_text});
    const int64_t now = RealClockMs();
    for (size_t j = 0; j < job.keys.size(); ++j) {
      int64_t ttl = 0;
      if (job.dumps[j].expire_at_ms != 0)
        ttl = std::max<int64_t>(1, job.dumps[j].expire_at_ms - now);
      const std::string ttl_text = std::to_string(ttl);
      const std::string_view name = job.cluster ? "RESTORE-ASKING" : "RESTORE";
      if (job.replace) {
        AppendCommand(&cmd, {name, job.keys[j], ttl_text, job.dumps[j].payload, "REPLACE"});
      } else {
        AppendCommand(&cmd, {name, job.keys[j], ttl_text, job.dumps[j].payload});
      }
    }
    bool timed_out = false, write_error = false, socket_error = false;
    std::string auth_reply, select_reply, reply;
    size_t j = 0;
    if (!WriteAll(*c, cmd, job.timeout_ms, &timed_out)) {
      write_error = socket_error = true;
    } else if ((job.auth && !ReadLine(*c, job.timeout_ms, &auth_reply, &timed_out)) ||
               (select && !ReadLine(*c, job.timeout_ms, &select_reply, &timed_out))) {
      socket_error = true;
    }
    bool error_from_target = false;
    if (!socket_error) {
      for (; j < job.keys.size(); ++j) {
        if (!ReadLine(*c, job.timeout_ms, &reply, &timed_out)) {
          socket_error = true;
          break;
        }
        const bool auth_err = job.auth && auth_reply.starts_with('-');
        const bool select_err = select && select_reply.starts_with('-');
        if (auth_err || select_err || reply.starts_with('-')) {
          if (!error_from_target) {
            c->last_db = -1;
            const std::string& e = auth_err ? auth_reply : select_err ? select_reply : reply;
            job.error = "ERR Target instance replied with error: " + e.substr(1);
            error_from_target = true;
          }
        } else {
          job.restored[j] = true;
        }
      }
    }
    if (socket_error) {
      // c is closed (not cached). Retry only if nothing was acknowledged.
      if (!error_from_target && j == 0 && may_retry && !timed_out) {
        may_retry = false;
        continue;
      }
      if (!error_from_target) {
        job.error = fmt::format("IOERR error or timeout {} to target instance",
                                write_error ? "writing" : "reading");
      }
      return;
    }
    if (!error_from_target) c->last_db = job.dbid;
    Cache().Put(addr, std::move(c));
    return;
  }
}

// Starts `job` for the client: on a worker thread and parks the client, or
// inline when the client cannot block. True if parked (reply later).
bool Start(CommandContext& ctx, const std::shared_ptr<MigrateJob>& job) {
  Client* client = ctx.client();
  NotePayloads(*job);
  if (client == nullptr || ctx.server() == nullptr || client->in_exec || !client->wake_blocked) {
    RunJob(*job);
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(g_jobs_mu);
    const int64_t now = MonotonicMs();
    for (auto it = g_jobs.begin(); it != g_jobs.end();) {
      const bool stale = it->second->done.load(std::memory_order_acquire) &&
                         now - it->second->done_ms > kJobKeepMs;
      it = stale ? g_jobs.erase(it) : std::next(it);
    }
    g_jobs[client->id()] = job;
  }
  std::function<void()> wake = client->wake_blocked;
  std::thread([job, wake] {
    RunJob(*job);
    for (DumpedKey& d : job->dumps) std::string().swap(d.payload);
    job->done_ms = MonotonicMs();
    job->done.store(true, std::memory_order_release);
    wake();
  }).detach();
  if (!BlockClient(ctx, {}, 0)) {  // cannot happen after the checks above
    std::lock_guard<std::mutex> lock(g_jobs_mu);
    g_jobs.erase(client->id());
  }
  return true;
}

// The job is done: deletes the acknowledged source keys that did not change
// meanwhile (unless COPY), sends the changed ones again, replies.
Status Finish(CommandContext& ctx, const std::shared_ptr<MigrateJob>& job) {
  Keyspace& ks = ctx.keyspace();
  auto next = std::make_shared<MigrateJob>();
  if (!job->copy) {
    std::vector<std::string_view> acked;
    for (size_t i = 0; i < job->keys.size(); ++i) {
      if (job->restored[i]) acked.push_back(job->keys[i]);
    }
    if (!acked.empty()) {
      KeyLockGuard lock(ks.locks(), std::vector<int>{job->source_db}, acked);
      WriteBatch batch;
      for (size_t i = 0; i < job->keys.size(); ++i) {
        if (!job->restored[i]) continue;
        LSMDB_ASSIGN_OR_RETURN(std::optional<DumpedKey> now,
                               DumpKey(ks, job->source_db, job->keys[i]));
        if (!now) continue;  // deleted or expired meanwhile
        if (SamePayload(*job, i, *now)) {
          batch.Delete(ks.MetaKeyFor(job->source_db, job->keys[i]));
        } else {
          next->keys.push_back(job->keys[i]);
          next->dumps.push_back(std::move(*now));
        }
      }
      if (batch.Count() > 0) LSMDB_RETURN_IF_ERROR(ctx.committer().Commit(batch));
    }
  }
  if (!next->keys.empty() && job->error.empty() && job->round < kMaxRounds) {
    next->host = job->host;
    next->port = job->port;
    next->dbid = job->dbid;
    next->timeout_ms = job->timeout_ms;
    next->cluster = job->cluster;
    next->auth = job->auth;
    next->username = job->username;
    next->password = job->password;
    next->source_db = job->source_db;
    next->replace = true;  // the target holds our previous copy
    next->round = job->round + 1;
    if (Start(ctx, next)) return Status::OK();
    return Finish(ctx, next);
  }
  if (!job->error.empty()) return RedisError(job->error);
  ctx.reply().Ok();
  return Status::OK();
}

Status CmdMigrate(CommandContext& ctx) {
  Client* client = ctx.client();
  if (client != nullptr && client->block_retry != nullptr) {
    std::shared_ptr<MigrateJob> job;
    {
      std::lock_guard<std::mutex> lock(g_jobs_mu);
      auto it = g_jobs.find(client->id());
      if (it != g_jobs.end()) job = it->second;
      if (job && job->done.load(std::memory_order_acquire)) g_jobs.erase(it);
    }
    if (job) {
      if (!job->done.load(std::memory_order_acquire)) {
        (void)BlockClient(ctx, {}, 0);  // woken early: wait on
        return Status::OK();
      }
      return Finish(ctx, job);
    }
  }
  auto job = std::make_shared<MigrateJob>();
  size_t first_key = 3, num_keys = 1;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    const size_t more = ctx.argc() - 1 - j;
    if (EqualsIgnoreCase(ctx.arg(j), "copy")) {
      job->copy = true;
    } else if (EqualsIgnoreCase(ctx.arg(j), "replace")) {
      job->replace = true;
    } else if (EqualsIgnoreCase(ctx.arg(j), "auth")) {
      if (more < 1) return RedisError(kErrSyntax);
      job->auth = true;
      job->username.clear();
      job->password = ctx.arg(++j);
    } else if (EqualsIgnoreCase(ctx.arg(j), "auth2")) {
      if (more < 2) return RedisError(kErrSyntax);
      job->auth = true;
      job->username = ctx.arg(++j);
      job->password = ctx.arg(++j);
    } else if (EqualsIgnoreCase(ctx.arg(j), "keys")) {
      if (!ctx.arg(3).empty()) {
        return RedisError(
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty "
            "string");
      }
      first_key = j + 1;
      num_keys = ctx.argc() - j - 1;
      break;
    } else {
      return RedisError(kErrSyntax);
    }
  }
  if (!StringToInt64(ctx.arg(5), &job->timeout_ms) || !StringToInt64(ctx.arg(4), &job->dbid)) {
    return RedisError(kErrNotInteger);
  }
  if (job->timeout_ms <= 0) job->timeout_ms = 1000;
  job->host = ctx.arg(1);
  job->port = ctx.arg(2);
  job->source_db = ctx.db();
  job->cluster = ctx.server() != nullptr && ctx.server()->cluster() != nullptr;
  for (size_t j = 0; j < num_keys; ++j) {
    std::string_view key = ctx.arg(first_key + j);
    LSMDB_ASSIGN_OR_RETURN(std::optional<DumpedKey> d, DumpKey(ctx.keyspace(), ctx.db(), key));
    if (!d) continue;
    job->keys.emplace_back(key);
    job->dumps.push_back(std::move(*d));
  }
  if (job->keys.empty()) {
    ctx.reply().SimpleString("NOKEY");
    return Status::OK();
  }
  if (Start(ctx, job)) return Status::OK();
  return Finish(ctx, job);
}

// MIGRATE's keys for the ACL and cluster gates (Redis's migrateGetKeys):
// argv[3], or, when it is "", the arguments after the KEYS option (the
// option parser above, skipping AUTH's and AUTH2's arguments).
void MigrateKeys(const std::vector<std::string_view>& args, std::vector<int>* positions) {
  const int argc = static_cast<int>(args.size());
  if (argc < 6) return;
  if (!args[3].empty()) {
    positions->push_back(3);
    return;
  }
  for (int j = 6; j < argc; ++j) {
    if (EqualsIgnoreCase(args[j], "auth")) {
      j += 1;
    } else if (EqualsIgnoreCase(args[j], "auth2")) {
      j += 2;
    } else if (EqualsIgnoreCase(args[j], "keys")) {
      for (int k = j + 1; k < argc; ++k) positions->push_back(k);
      return;
    }
  }
}

constexpr uint32_t kRestoreFlags = kCmdWrite | kCmdDenyOom;
constexpr const char* kWriteAcl = "@keyspace @write @slow @dangerous";

constexpr CommandSpec kMigrateCommands[] = {
    {"dump", 2, kCmdReadOnly, {1, 1, 1}, CmdDump, "@keyspace @read @slow"},
    {"restore", -4, kRestoreFlags, {1, 1, 1}, CmdRestore, kWriteAcl},
    {"restore-asking", -4, kRestoreFlags | kCmdAsking, {1, 1, 1}, CmdRestore, kWriteAcl},
    // Keyless for the cluster gate: the keys may follow KEYS after "" (Redis
    // uses a getkeys function); MIGRATE runs where the keys are.
    {"migrate", -6, kCmdWrite, {0, 0, 0, 0, MigrateKeys}, CmdMigrate, kWriteAcl},
};

}  // namespace

void RegisterMigrateCommands(CommandTable& table) { table.Add(kMigrateCommands); }

}  // namespace lsmdb::server
