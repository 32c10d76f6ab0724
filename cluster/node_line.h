#pragma once

// Parsing and formatting of one CLUSTER NODES / nodes-file line (format in
// state.h). Internal to cluster/.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/state.h"

namespace lsmdb::cluster {

// One parsed line. `claimed`: the slots listed; migrating/importing marks
// ("[slot->-id]", "[slot-<-id]") as (slot, peer id).
struct ParsedLine {
  Node node;
  std::vector<bool> claimed = std::vector<bool>(kSlots, false);
  // The slot fields as written, ' '-separated ("0-5460 7000"): equal to
  // FormatSlotRanges(claimed) when the writer formats canonically.
  std::string slots_text;
  std::vector<std::pair<int, std::string>> migrating, importing;
};

// The non-empty fields of `s` between `sep`s.
std::vector<std::string_view> SplitFields(std::string_view s, char sep);
// A decimal integer, optionally negative; false on anything else.
bool ParseInt64(std::string_view s, int64_t* out);
// False if the line does not parse (fewer than 8 fields, bad address,
// epoch or slot).
bool ParseLine(std::string_view line, ParsedLine* out);
// "myself,master", "slave", "master,fail?", ... ("noflags" for none).
std::string FlagsText(uint32_t flags);

}  // namespace lsmdb::cluster
