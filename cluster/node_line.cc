#include "cluster/node_line.h"

namespace lsmdb::cluster {

std::vector<std::string_view> SplitFields(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;  // no overflow
  int64_t v = 0;
  bool neg = false;
  size_t i = 0;
  if (s[0] == '-') {
    neg = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  for (; i < s.size(); i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = neg ? -v : v;
  return true;
}

bool ParseLine(std::string_view line, ParsedLine* out) {
  std::vector<std::string_view> f = SplitFields(line, ' ');
  if (f.size() < 8) return false;
  Node& n = out->node;
  n.id = std::string(f[0]);
  std::string_view addr = f[1];
  if (size_t comma = addr.find(','); comma != std::string_view::npos) addr = addr.substr(0, comma);
  size_t at = addr.rfind('@');
  size_t colon = addr.substr(0, at).rfind(':');
  if (at == std::string_view::npos || colon == std::string_view::npos) return false;
  int64_t port, cport;
  if (!ParseInt64(addr.substr(colon + 1, at - colon - 1), &port) ||
      !ParseInt64(addr.substr(at + 1), &cport)) {
    return false;
  }
  n.ip = std::string(addr.substr(0, colon));
  n.port = static_cast<int>(port);
  n.cport = static_cast<int>(cport);
  n.flags = 0;
  for (std::string_view fl : SplitFields(f[2], ',')) {
    if (fl == "myself") n.flags |= kMyself;
    if (fl == "master") n.flags |= kMaster;
    if (fl == "slave") n.flags |= kSlave;
    if (fl == "fail?") n.flags |= kPfail;
    if (fl == "fail") n.flags |= kFail;
    if (fl == "handshake") n.flags |= kHandshake;
    if (fl == "noaddr") n.flags |= kNoAddr;
  }
  n.master_id = f[3] == "-" ? "" : std::string(f[3]);
  int64_t v;
  if (!ParseInt64(f[6], &v) || v < 0) return false;
  n.config_epoch = static_cast<uint64_t>(v);
  n.link_connected = f[7] == "connected";
  for (size_t i = 8; i < f.size(); i++) {
    std::string_view s = f[i];
    if (s.front() == '[') {
      // [slot->-id] migrating, [slot-<-id] importing
      size_t dash = s.find('-');
      int64_t slot;
      if (dash == std::string_view::npos || !ParseInt64(s.substr(1, dash - 1), &slot) || slot < 0 ||
          slot >= kSlots || s.size() < dash + 4) {
        return false;
      }
      std::string id(s.substr(dash + 3, s.size() - dash - 4));
      if (s[dash + 1] == '>') {
        out->migrating.emplace_back(static_cast<int>(slot), id);
      } else {
        out->importing.emplace_back(static_cast<int>(slot), id);
      }
      continue;
    }
    int64_t a, b;
    size_t dash = s.find('-');
    if (dash == std::string_view::npos) {
      if (!ParseInt64(s, &a)) return false;
      b = a;
    } else if (!ParseInt64(s.substr(0, dash), &a) || !ParseInt64(s.substr(dash + 1), &b)) {
      return false;
    }
    if (a < 0 || b >= kSlots || a > b) return false;
    for (int64_t x = a; x <= b; x++) out->claimed[x] = true;
    if (!out->slots_text.empty()) out->slots_text += ' ';
    out->slots_text += s;
  }
  return true;
}

std::string FlagsText(uint32_t flags) {
  std::string s;
  auto add = [&](const char* t) {
    if (!s.empty()) s += ',';
    s += t;
  };
  if (flags & kMyself) add("myself");
  if (flags & kMaster) add("master");
  if (flags & kSlave) add("slave");
  if (flags & kPfail) add("fail?");
  if (flags & kFail) add("fail");
  if (flags & kHandshake) add("handshake");
  if (flags & kNoAddr) add("noaddr");
  if (s.empty()) s = "noflags";
  return s;
}

}  // namespace lsmdb::cluster
