#include "src/server/acl.h"

#include <fmt/core.h>
#include <strings.h>

#include <algorithm>
#include <cstring>

#include "src/server/command_table.h"
#include "src/server/redis_error.h"
#include "src/types/glob.h"

namespace lsmdb::server {
namespace {

bool EqNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsSha256Hex(std::string_view h) {
  if (h.size() != 64) return false;
  for (char c : h) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool HasSpaces(std::string_view s) {
  for (char c : s) {
    if (isspace(static_cast<unsigned char>(c)) || c == '\0') return true;
  }
  return false;
}

// Constant-time comparison of two equal-length hex digests.
bool SameDigest(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (size_t i = 0; i < a.size(); i++) diff |= static_cast<unsigned>(a[i] ^ b[i]);
  return diff == 0;
}

constexpr std::string_view kRuleSyntax = "Syntax error";
constexpr std::string_view kRuleUnknown = "Unknown command or category name in ACL";

void SetBit(AclRules* r, size_t i, bool on) {
  if (on) {
    r->bits[i >> 6] |= uint64_t{1} << (i & 63);
  } else {
    r->bits[i >> 6] &= ~(uint64_t{1} << (i & 63));
  }
}

// Drops earlier "+x"/"-x" rules for the same target, then appends `rule`.
void AddCommandRule(AclRules* r, std::string rule) {
  std::string_view target = std::string_view(rule).substr(1);
  std::erase_if(r->command_rules,
                [&](const std::string& old) { return std::string_view(old).substr(1) == target; });
  r->command_rules.push_back(std::move(rule));
}

}  // namespace

AclUser::AclUser(std::string name, size_t commands)
    : name_(std::move(name)),
      commands_(commands),
      bits_(new std::atomic<uint64_t>[(commands + 63) / 64 + 1]) {
  for (size_t i = 0; i < (commands + 63) / 64 + 1; i++) bits_[i].store(0);
  rules_.bits.assign((commands + 63) / 64 + 1, 0);
}

void AclUser::Publish(const AclRules& rules) {
  rules_ = rules;
  for (size_t i = 0; i < rules.bits.size(); i++) {
    bits_[i].store(rules.bits[i], std::memory_order_relaxed);
  }
  enabled_.store(rules.enabled, std::memory_order_relaxed);
  all_keys_.store(rules.all_keys, std::memory_order_relaxed);
}

Acl::Acl(const CommandTable& table) : table_(table) {
  categories_.resize(table.size());
  for (const auto& e : table.entries()) {
    std::string_view rest = e->spec.acl_categories;
    while (!rest.empty()) {
      size_t sp = rest.find(' ');
      std::string_view word = rest.substr(0, sp);
      rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
      if (word.size() > 1 && word[0] == '@') categories_[e->index].push_back(Lower(word.substr(1)));
    }
  }
  default_user_ = std::make_shared<AclUser>("default", table.size());
  AclRules r = default_user_->rules_;
  for (std::string_view op : {"+@all", "~*", "&*", "on", "nopass"}) {
    Status s = ApplyRule(&r, op);
    (void)s;
  }
  default_user_->Publish(r);
  users_.emplace("default", default_user_);
  RefreshDefaultFlags();
}

void Acl::RefreshDefaultFlags() {
  const AclRules& r = default_user_->rules_;
  default_open_.store(r.enabled && r.nopass, std::memory_order_relaxed);
  default_nopass_.store(r.nopass, std::memory_order_relaxed);
}

void Acl::SetBits(AclRules* rules, std::string_view category, bool on) const {
  for (size_t i = 0; i < categories_.size(); i++) {
    const auto& cats = categories_[i];
    if (category == "all" || std::find(cats.begin(), cats.end(), category) != cats.end()) {
      SetBit(rules, i, on);
    }
  }
}

Status Acl::ApplyRule(AclRules* r, std::string_view op) const {
  if (op.empty()) return Status::OK();
  if (EqNoCase(op, "on")) {
    r->enabled = true;
  } else if (EqNoCase(op, "off")) {
    r->enabled = false;
  } else if (EqNoCase(op, "nopass")) {
    r->nopass = true;
    r->passwords.clear();
  } else if (EqNoCase(op, "resetpass")) {
    r->nopass = false;
    r->passwords.clear();
  } else if (op[0] == '>' || op[0] == '#') {
    std::string hash;
    if (op[0] == '>') {
      hash = Sha256Hex(op.substr(1));
    } else {
      if (!IsSha256Hex(op.substr(1))) {
        return Status::InvalidArgument(
            "The password hash must be exactly 64 characters and contain only lowercase "
            "hexadecimal characters");
      }
      hash = std::string(op.substr(1));
    }
    if (std::find(r->passwords.begin(), r->passwords.end(), hash) == r->passwords.end()) {
      r->passwords.push_back(hash);
    }
    r->nopass = false;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string hash;
    if (op[0] == '<') {
      hash = Sha256Hex(op.substr(1));
    } else {
      if (!IsSha256Hex(op.substr(1))) {
        return Status::InvalidArgument(
            "The password hash must be exactly 64 characters and contain only lowercase "
            "hexadecimal characters");
      }
      hash = std::string(op.substr(1));
    }
    auto it = std::find(r->passwords.begin(), r->passwords.end(), hash);
    if (it == r->passwords.end()) {
      return Status::InvalidArgument(
          "The password you are trying to remove from the user does not exist");
    }
    r->passwords.erase(it);
  } else if (EqNoCase(op, "reset")) {
    for (std::string_view sub : {"resetpass", "resetkeys", "resetchannels", "off", "-@all"}) {
      LSMDB_RETURN_IF_ERROR(ApplyRule(r, sub));
    }
  } else if (EqNoCase(op, "allkeys") || op == "~*") {
    r->all_keys = true;
    r->key_patterns.clear();
  } else if (EqNoCase(op, "resetkeys")) {
    r->all_keys = false;
    r->key_patterns.clear();
  } else if (op[0] == '~') {
    if (r->all_keys) {
      return Status::InvalidArgument(
          "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does "
          "not have any effect. Try 'resetkeys' to start with an empty list of patterns");
    }
    std::string_view pat = op.substr(1);
    if (HasSpaces(pat)) return Status::InvalidArgument(kRuleSyntax);
    if (std::find(r->key_patterns.begin(), r->key_patterns.end(), pat) == r->key_patterns.end()) {
      r->key_patterns.emplace_back(pat);
    }
  } else if (EqNoCase(op, "allchannels") || op == "&*") {
    r->all_channels = true;
    r->channel_patterns.clear();
  } else if (EqNoCase(op, "resetchannels")) {
    r->all_channels = false;
    r->channel_patterns.clear();
  } else if (op[0] == '&') {
    if (r->all_channels) {
      return Status::InvalidArgument(
          "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and "
          "does not have any effect. Try 'resetchannels' to start with an empty list of "
          "channels");
    }
    std::string_view pat = op.substr(1);
    if (HasSpaces(pat)) return Status::InvalidArgument(kRuleSyntax);
    if (std::find(r->channel_patterns.begin(), r->channel_patterns.end(), pat) ==
        r->channel_patterns.end()) {
      r->channel_patterns.emplace_back(pat);
    }
  } else if (EqNoCase(op, "allcommands") || EqNoCase(op, "+@all")) {
    std::fill(r->bits.begin(), r->bits.end(), 0);
    for (size_t i = 0; i < categories_.size(); i++) SetBit(r, i, true);
    r->base_all = true;
    r->command_rules.clear();
  } else if (EqNoCase(op, "nocommands") || EqNoCase(op, "-@all")) {
    std::fill(r->bits.begin(), r->bits.end(), 0);
    r->base_all = false;
    r->command_rules.clear();
  } else if ((op[0] == '+' || op[0] == '-') && op.size() > 2 && op[1] == '@') {
    std::string cat = Lower(op.substr(2));
    bool known = false;
    for (const auto& cats : categories_) {
      if (std::find(cats.begin(), cats.end(), cat) != cats.end()) known = true;
    }
    if (!known) return Status::InvalidArgument(kRuleUnknown);
    SetBits(r, cat, op[0] == '+');
    AddCommandRule(r, fmt::format("{}@{}", op[0], cat));
  } else if ((op[0] == '+' || op[0] == '-') && op.size() > 1) {
    std::string name = Lower(op.substr(1));
    const CommandTable::Entry* found = nullptr;
    for (const auto& e : table_.entries()) {
      if (name == e->spec.name) found = e.get();
    }
    if (found == nullptr) return Status::InvalidArgument(kRuleUnknown);
    SetBit(r, found->index, op[0] == '+');
    AddCommandRule(r, fmt::format("{}{}", op[0], name));
  } else {
    return Status::InvalidArgument(kRuleSyntax);
  }
  return Status::OK();
}

void Acl::SetDefaultPassword(std::string_view password) {
  std::lock_guard<std::mutex> lock(mu_);
  AclRules r = default_user_->rules_;
  Status s = ApplyRule(&r, "resetpass");
  if (password.empty()) {
    s = ApplyRule(&r, "nopass");
  } else {
    s = ApplyRule(&r, fmt::format(">{}", password));
  }
  (void)s;
  default_user_->Publish(r);
  RefreshDefaultFlags();
}

Status Acl::SetUser(std::string_view name, const std::vector<std::string_view>& rules) {
  if (HasSpaces(name)) return RedisError("ERR Usernames can't contain spaces or null characters");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(name);
  std::shared_ptr<AclUser> user =
      it != users_.end() ? it->second : std::make_shared<AclUser>(std::string(name), table_.size());
  AclRules r = user->rules_;
  for (std::string_view op : rules) {
    Status s = ApplyRule(&r, op);
    if (!s.ok()) {
      return RedisError(fmt::format("ERR Error in ACL SETUSER modifier '{}': {}", op, s.message()));
    }
  }
  user->Publish(r);
  if (it == users_.end()) users_.emplace(std::string(name), user);
  RefreshDefaultFlags();
  return Status::OK();
}

AclRules Acl::NewRules() const {
  AclRules r;
  r.bits.assign((table_.size() + 63) / 64 + 1, 0);
  return r;
}

void Acl::ReplaceUsers(const std::vector<std::pair<std::string, AclRules>>& users,
                       std::vector<std::shared_ptr<AclUser>>* removed) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::shared_ptr<AclUser>, std::less<>> next;
  for (const auto& [name, rules] : users) {
    auto it = users_.find(name);
    std::shared_ptr<AclUser> user =
        it != users_.end() ? it->second : std::make_shared<AclUser>(name, table_.size());
    user->Publish(rules);
    next[name] = std::move(user);
  }
  for (auto& [name, user] : users_) {
    if (next.count(name) != 0) continue;
    AclRules dead = user->rules_;
    dead.enabled = false;
    std::fill(dead.bits.begin(), dead.bits.end(), 0);
    user->Publish(dead);
    removed->push_back(user);
  }
  users_ = std::move(next);
  RefreshDefaultFlags();
}

Status Acl::DelUsers(const std::vector<std::string_view>& names,
                     std::vector<std::shared_ptr<AclUser>>* removed) {
  for (std::string_view n : names) {
    if (n == "default") return RedisError("ERR The 'default' user cannot be removed");
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (std::string_view n : names) {
    auto it = users_.find(n);
    if (it == users_.end()) continue;
    std::shared_ptr<AclUser> user = it->second;
    users_.erase(it);
    // Clients still holding it can do nothing more.
    AclRules dead = user->rules_;
    dead.enabled = false;
    std::fill(dead.bits.begin(), dead.bits.end(), 0);
    user->Publish(dead);
    removed->push_back(std::move(user));
  }
  return Status::OK();
}

std::shared_ptr<AclUser> Acl::Find(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

std::shared_ptr<AclUser> Acl::Authenticate(std::string_view name, std::string_view password) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(name);
  if (it == users_.end()) return nullptr;
  const AclRules& r = it->second->rules_;
  if (!r.enabled) return nullptr;
  if (r.nopass) return it->second;
  std::string hash = Sha256Hex(password);
  bool match = false;
  for (const std::string& p : r.passwords) match = SameDigest(p, hash) || match;
  return match ? it->second : nullptr;
}

std::string Acl::DescribeCommands(const AclRules& r) {
  std::string out = r.base_all ? "+@all" : "-@all";
  for (const std::string& rule : r.command_rules) {
    out += ' ';
    out += rule;
  }
  return out;
}

std::string Acl::Describe(const AclRules& r) {
  std::string out = r.enabled ? "on " : "off ";
  if (r.nopass) out += "nopass ";
  for (const std::string& p : r.passwords) out += fmt::format("#{} ", p);
  if (r.all_keys) {
    out += "~* ";
  } else {
    for (const std::string& p : r.key_patterns) out += fmt::format("~{} ", p);
  }
  if (r.all_channels) {
    out += "&* ";
  } else {
    out += "resetchannels ";
    for (const std::string& p : r.channel_patterns) out += fmt::format("&{} ", p);
  }
  return out + DescribeCommands(r);
}

bool Acl::GetUser(std::string_view name, AclUserInfo* info) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(name);
  if (it == users_.end()) return false;
  const AclRules& r = it->second->rules_;
  *info = AclUserInfo();
  info->flags.push_back(r.enabled ? "on" : "off");
  if (r.nopass) info->flags.push_back("nopass");
  info->passwords = r.passwords;
  info->commands = DescribeCommands(r);
  if (r.all_keys) {
    info->keys = "~*";
  } else {
    for (const std::string& p : r.key_patterns) {
      if (!info->keys.empty()) info->keys += ' ';
      info->keys += "~" + p;
    }
  }
  if (r.all_channels) {
    info->channels = "&*";
  } else {
    for (const std::string& p : r.channel_patterns) {
      if (!info->channels.empty()) info->channels += ' ';
      info->channels += "&" + p;
    }
  }
  return true;
}

std::vector<std::string> Acl::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, user] : users_) {
    out.push_back(fmt::format("user {} {}", name, Describe(user->rules_)));
  }
  return out;
}

std::vector<std::string> Acl::Users() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, user] : users_) out.push_back(name);
  return out;
}

std::vector<std::string> Acl::Categories() const {
  std::vector<std::string> out;
  for (const auto& cats : categories_) {
    for (const std::string& c : cats) {
      if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool Acl::CategoryCommands(std::string_view category, std::vector<std::string>* out) const {
  std::string cat = Lower(category);
  bool known = false;
  for (const auto& e : table_.entries()) {
    const auto& cats = categories_[e->index];
    if (std::find(cats.begin(), cats.end(), cat) != cats.end()) {
      known = true;
      out->emplace_back(e->spec.name);
    }
  }
  return known;
}

bool Acl::KeysAllowed(const AclUser& user, const CommandSpec& spec,
                      const std::vector<std::string_view>& args, size_t* denied) const {
  if (user.all_keys() || (spec.keys.first <= 0 && !spec.keys.movable())) return true;
  std::lock_guard<std::mutex> lock(mu_);
  const AclRules& r = user.rules_;
  if (r.all_keys) return true;
  return ForEachKey(spec.keys, args, [&](int i) {
    for (const std::string& p : r.key_patterns) {
      if (GlobMatch(p, args[i])) return true;
    }
    if (denied != nullptr) *denied = static_cast<size_t>(i);
    return false;
  });
}

std::string Sha256Hex(std::string_view data) {
  static constexpr uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
      0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
      0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
      0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
      0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
      0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
      0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
      0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
      0xc67178f2};
  auto rotr = [](uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string msg(data);
  const uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  msg += static_cast<char>(0x80);
  while (msg.size() % 64 != 56) msg += '\0';
  for (int i = 7; i >= 0; i--) msg += static_cast<char>((bits >> (i * 8)) & 0xff);
  for (size_t off = 0; off < msg.size(); off += 64) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++) {
      const auto* p = reinterpret_cast<const unsigned char*>(msg.data() + off + 4 * i);
      w[i] = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    }
    for (int i = 16; i < 64; i++) {
      uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
      uint32_t t1 =
          hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  std::string out;
  for (uint32_t v : h) out += fmt::format("{:08x}", v);
  return out;
}

bool ProtectedModeDenies(bool protected_mode, bool default_nopass,
                         const asio::ip::address& remote) {
  if (!protected_mode || !default_nopass) return false;
  if (remote.is_loopback()) return false;
  if (remote.is_v6() && remote.to_v6().is_v4_mapped()) {
    return !asio::ip::make_address_v4(asio::ip::v4_mapped, remote.to_v6()).is_loopback();
  }
  return true;
}

const std::string_view kProtectedModeDenied =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    "to do one of the above things in order for the server to start accepting connections "
    "from the outside.\r\n";

}  // namespace lsmdb::server
