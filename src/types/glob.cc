#include "src/types/glob.h"

#include <cctype>
#include <utility>

namespace lsmdb::server {

namespace {

// A faithful port of stringmatchlen_impl (Redis 7.0 util.c). The C original
// relies on the NUL after an sds string when it peeks one byte past the end;
// At() returns that NUL here so the control flow is unchanged.
class Matcher {
 public:
  Matcher(std::string_view pattern, bool nocase) : pat_(pattern), nocase_(nocase) {}

  bool Match(int p, int plen, std::string_view s, int si, int slen, bool* skip_longer) const {
    while (plen && slen) {
      switch (At(p)) {
        case '*':
          while (plen && At(p + 1) == '*') {
            p++;
            plen--;
          }
          if (plen == 1) return true;
          while (slen) {
            if (Match(p + 1, plen - 1, s, si, slen, skip_longer)) return true;
            if (*skip_longer) return false;
            si++;
            slen--;
          }
          // No match for the rest of the pattern from anywhere in the rest of
          // the string: an earlier '*' cannot help either.
          *skip_longer = true;
          return false;
        case '?':
          si++;
          slen--;
          break;
        case '[': {
          p++;
          plen--;
          bool negate = At(p) == '^';
          if (negate) {
            p++;
            plen--;
          }
          bool match = false;
          const int c = static_cast<signed char>(s[si]);
          while (true) {
            if (At(p) == '\\' && plen >= 2) {
              p++;
              plen--;
              if (At(p) == c) match = true;
            } else if (At(p) == ']') {
              break;
            } else if (plen == 0) {
              p--;
              plen++;
              break;
            } else if (plen >= 3 && At(p + 1) == '-') {
              int start = At(p);
              int end = At(p + 2);
              int ch = c;
              if (start > end) std::swap(start, end);
              if (nocase_) {
                start = std::tolower(start);
                end = std::tolower(end);
                ch = std::tolower(ch);
              }
              p += 2;
              plen -= 2;
              if (ch >= start && ch <= end) match = true;
            } else if (!nocase_) {
              if (At(p) == c) match = true;
            } else if (std::tolower(At(p)) == std::tolower(c)) {
              match = true;
            }
            p++;
            plen--;
          }
          if (negate) match = !match;
          if (!match) return false;
          si++;
          slen--;
          break;
        }
        case '\\':
          if (plen >= 2) {
            p++;
            plen--;
          }
          [[fallthrough]];
        default: {
          const int c = static_cast<signed char>(s[si]);
          if (!nocase_) {
            if (At(p) != c) return false;
          } else if (std::tolower(At(p)) != std::tolower(c)) {
            return false;
          }
          si++;
          slen--;
          break;
        }
      }
      p++;
      plen--;
      if (slen == 0) {
        while (At(p) == '*') {
          p++;
          plen--;
        }
        break;
      }
    }
    return plen == 0 && slen == 0;
  }

 private:
  // The pattern byte at i as a signed char; 0 past the end (the sds NUL).
  int At(int i) const {
    if (i < 0 || static_cast<size_t>(i) >= pat_.size()) return 0;
    return static_cast<signed char>(pat_[i]);
  }

  std::string_view pat_;
  bool nocase_;
};

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  bool skip_longer = false;
  Matcher m(pattern, nocase);
  return m.Match(0, static_cast<int>(pattern.size()), str, 0, static_cast<int>(str.size()),
                 &skip_longer);
}

std::string_view GlobLiteralPrefix(std::string_view pattern) {
  size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '*' || c == '?' || c == '[' || c == '\\') break;
    ++i;
  }
  return pattern.substr(0, i);
}

bool GlobIsLiteral(std::string_view pattern) {
  return GlobLiteralPrefix(pattern).size() == pattern.size();
}

}  // namespace lsmdb::server
