#include "src/server/error_reply.h"

#include <string>

namespace lsmdb::server {

void WriteError(resp::ReplyBuilder& reply, const Status& status) {
  if (status.IsInvalidArgument()) {
    const std::string& m = status.message();
    // A bare message without an upper-case prefix word still gets "ERR ".
    size_t sp = m.find(' ');
    bool has_prefix = sp != std::string::npos && sp > 0;
    for (size_t i = 0; has_prefix && i < sp; i++) {
      if (m[i] < 'A' || m[i] > 'Z') has_prefix = false;
    }
    if (has_prefix) {
      reply.Error(m);
    } else {
      reply.Error("ERR " + m);
    }
    return;
  }
  reply.Error("ERR " + status.ToString());
}

}  // namespace lsmdb::server
