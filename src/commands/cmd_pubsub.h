#pragma once

// SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH PUBSUB (registry in
// src/server/pubsub.h).

namespace lsmdb::server {

class CommandTable;

void RegisterPubSubCommands(CommandTable& table);

}  // namespace lsmdb::server
