#pragma once

// The dispatcher's cluster gate (Redis's getNodeByQuery), run after the auth
// gates and before every other gate when cluster-enabled is on:
//   - commands without keys (key spec {0,0,0}) pass;
//   - keys in different slots: "CROSSSLOT Keys in request don't hash to the same slot";
//   - unassigned slot: "CLUSTERDOWN Hash slot not served" (unless importing
//     and the client sent ASKING); cluster state fail: "CLUSTERDOWN The cluster is down";
//   - slot owned here and MIGRATING: "ASK <slot> <ip>:<port>" when a key is absent;
//   - slot owned elsewhere: served if IMPORTING and the client sent ASKING, or
//     the command reads, the client sent READONLY and the owner is this
//     replica's master; else "MOVED <slot> <ip>:<port>".
// The ASKING flag lasts for one command: the gate clears it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lsmdb::server {

class Server;
class Client;
struct CommandSpec;

// The error text to reject the command with, or nullopt to run it.
std::optional<std::string> ClusterRedirect(Server& server, Client& client, const CommandSpec& spec,
                                           const std::vector<std::string_view>& args);

}  // namespace lsmdb::server
