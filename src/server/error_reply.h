#pragma once

// The one place a Status becomes a RESP error reply (see redis_error.h).

#include "lsmdb/status.h"
#include "protocol/reply_builder.h"

namespace lsmdb::server {

// kInvalidArgument: the message is the whole Redis error text and is sent
// as is ("ERR syntax error", "WRONGTYPE ..."). Any other code is an engine
// error and becomes "ERR <Status::ToString()>", e.g. "ERR IO error: ...".
// REQUIRES: !status.ok().
void WriteError(resp::ReplyBuilder& reply, const Status& status);

}  // namespace lsmdb::server
