#include "src/types/numbers.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lsmdb::server {

namespace {
constexpr size_t kLongStrSize = 21;               // Redis LONG_STR_SIZE
constexpr size_t kMaxLongDoubleChars = 5 * 1024;  // Redis MAX_LONG_DOUBLE_CHARS
}  // namespace

bool StringToInt64(std::string_view s, int64_t* value) {
  const size_t slen = s.size();
  if (slen == 0 || slen >= kLongStrSize) return false;
  if (slen == 1 && s[0] == '0') {
    *value = 0;
    return true;
  }
  size_t p = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    p++;
    if (p == slen) return false;
  }
  uint64_t v;
  if (s[p] >= '1' && s[p] <= '9') {
    v = static_cast<uint64_t>(s[p] - '0');
    p++;
  } else {
    return false;
  }
  while (p < slen && s[p] >= '0' && s[p] <= '9') {
    if (v > ULLONG_MAX / 10) return false;
    v *= 10;
    uint64_t d = static_cast<uint64_t>(s[p] - '0');
    if (v > ULLONG_MAX - d) return false;
    v += d;
    p++;
  }
  if (p < slen) return false;
  if (negative) {
    if (v > static_cast<uint64_t>(-(LLONG_MIN + 1)) + 1) return false;
    *value = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(LLONG_MAX)) return false;
    *value = static_cast<int64_t>(v);
  }
  return true;
}

bool StringToLongDouble(std::string_view s, long double* value) {
  char buf[kMaxLongDoubleChars];
  if (s.empty() || s.size() >= sizeof(buf)) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  errno = 0;
  char* eptr = nullptr;
  long double v = std::strtold(buf, &eptr);
  if (std::isspace(static_cast<unsigned char>(buf[0])) || eptr[0] != '\0' ||
      static_cast<size_t>(eptr - buf) != s.size() ||
      (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || std::fpclassify(v) == FP_ZERO)) ||
      errno == EINVAL || std::isnan(v)) {
    return false;
  }
  *value = v;
  return true;
}

bool StringToDouble(std::string_view s, double* value) {
  char buf[kMaxLongDoubleChars];
  if (s.empty() || s.size() >= sizeof(buf)) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  errno = 0;
  char* eptr = nullptr;
  double v = std::strtod(buf, &eptr);
  if (std::isspace(static_cast<unsigned char>(buf[0])) || eptr[0] != '\0' ||
      static_cast<size_t>(eptr - buf) != s.size() ||
      (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) ||
      std::isnan(v)) {
    return false;
  }
  *value = v;
  return true;
}

std::string LongDoubleToHumanString(long double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[kMaxLongDoubleChars];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", value);
  if (n < 0 || static_cast<size_t>(n) + 1 > sizeof(buf)) return "0";
  size_t l = static_cast<size_t>(n);
  if (std::strchr(buf, '.') != nullptr) {
    while (l > 0 && buf[l - 1] == '0') l--;
    if (l > 0 && buf[l - 1] == '.') l--;
  }
  if (l == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, l);
}

}  // namespace lsmdb::server
