#include "src/server/dispatcher.h"

#include <fmt/core.h>

#include <chrono>

#include "src/server/command_context.h"
#include "src/server/error_reply.h"
#include "src/server/redis_error.h"

namespace lsmdb::server {
namespace {

inline int64_t MonotonicUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline bool ArityOk(int arity, size_t argc) {
  return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

}  // namespace

std::string UnknownCommandError(const std::vector<std::string_view>& args) {
  // processCommand(): args are quoted one by one until 128 bytes are used.
  std::string list;
  for (size_t i = 1; i < args.size() && list.size() < 128; i++) {
    size_t room = 128 - list.size();
    list += '\'';
    list.append(args[i].substr(0, room));
    list += "' ";
  }
  std::string text = fmt::format("ERR unknown command '{}', with args beginning with: {}",
                                 args[0].substr(0, 128), list);
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return text;
}

Status UnknownSubcommand(std::string_view command, std::string_view sub) {
  std::string upper(command);
  for (char& c : upper) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return RedisError(
      fmt::format("ERR unknown subcommand '{}'. Try {} HELP.", sub.substr(0, 128), upper));
}

void Dispatch(Server& server, Client& client, const std::vector<std::string_view>& args,
              resp::ReplyBuilder& reply, Committer& committer, ThreadStats& stats) {
  const CommandTable::Entry* entry = server.commands().Find(args[0]);
  if (entry == nullptr) {
    reply.Error(UnknownCommandError(args));
    CommandStats::Bump(stats.unknown_commands);
    CommandStats::Bump(stats.error_replies);
    return;
  }
  const CommandSpec& spec = entry->spec;
  CommandCounters& counters = stats.commands.at(entry->index);
  if (!ArityOk(spec.arity, args.size())) {
    reply.Error(fmt::format("ERR wrong number of arguments for '{}' command", spec.name));
    CommandStats::Bump(counters.rejected);
    CommandStats::Bump(stats.error_replies);
    return;
  }
  if (!client.authenticated && (spec.flags & kCmdNoAuth) == 0) {
    reply.Error(kErrNoAuth);
    CommandStats::Bump(counters.rejected);
    CommandStats::Bump(stats.error_replies);
    return;
  }
  if (client.in_multi && server.multi_hook() != nullptr &&
      server.multi_hook()(server, client, spec, args, reply)) {
    return;
  }

  std::string& out = *reply.buffer();
  const size_t reply_start = out.size();
  const bool skip_this = client.skip_next_reply;
  client.skip_next_reply = false;

  const int64_t start = MonotonicUs();
  client.Touch(start / 1000, spec.name);
  CommandContext ctx(args, reply, server.keyspace(), committer, &server, &client, client.db_ptr());
  Status s = spec.handler(ctx);
  if (!s.ok()) {
    out.resize(reply_start);
    WriteError(reply, s);
    CommandStats::Bump(counters.failed);
    CommandStats::Bump(stats.error_replies);
  }
  const int64_t duration = MonotonicUs() - start;
  CommandStats::Bump(counters.calls);
  CommandStats::Bump(counters.usec, static_cast<uint64_t>(duration));

  if (skip_this || client.reply_off || client.skip_next_reply) out.resize(reply_start);

  int64_t threshold = server.slowlog_slower_than();
  if (threshold >= 0 && duration >= threshold) {
    server.slowlog().Add(args, duration, client.addr(), client.name(),
                         static_cast<size_t>(server.config().slowlog_max_len));
  }
}

}  // namespace lsmdb::server
