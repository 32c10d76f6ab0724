#pragma once

// Number <-> string conversions with Redis's exact strictness and formatting
// (util.c string2ll, string2ld, ld2string). Used for stored values (INCR on a
// string) and for command arguments (src/commands/arg_parse.h).

#include <cstdint>
#include <string>
#include <string_view>

namespace lsmdb::server {

// Redis's string2ll: an optional '-', then digits with no leading zero (except
// "0" itself), no '+', no spaces, at most 20 bytes, within int64. False
// otherwise.
bool StringToInt64(std::string_view s, int64_t* value);

// Redis's string2ld: what strtold accepts (decimal, hex, "inf", a leading '+'),
// but no leading space, no trailing bytes, not NaN, not an overflow to
// +-HUGE_VAL or an underflow to 0, and shorter than 5 KiB.
bool StringToLongDouble(std::string_view s, long double* value);

// Redis's string2d (for scores, HINCRBYFLOAT...): same rules with strtod.
bool StringToDouble(std::string_view s, double* value);

// Redis's ld2string(LD_STR_HUMAN), INCRBYFLOAT's reply and stored value:
// "%.17Lf" with trailing zeros (and a trailing '.') removed, "-0" -> "0",
// "inf"/"-inf" for infinities.
std::string LongDoubleToHumanString(long double value);

}  // namespace lsmdb::server
