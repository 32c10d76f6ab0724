#pragma once

// The text of INFO: Redis 7.0's sections and field names where a figure has
// a Redis meaning, plus lsmdb's own "storage" section (DB::GetProperty
// "lsmdb.info"). Lines end in "\r\n"; sections are separated by a blank line.

#include <string>
#include <string_view>
#include <vector>

namespace lsmdb::server {

class Server;

// `sections` as given to INFO (case-insensitive): empty or "default" for the
// default set, "all"/"everything" for every section, else the named ones.
// Unknown names contribute nothing.
std::string BuildInfo(Server& server, const std::vector<std::string_view>& sections);

}  // namespace lsmdb::server
