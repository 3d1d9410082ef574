#pragma once
// Number parsing and printing with Redis's exact rules (util.c: string2ll, string2ld, ld2string...).
// Standard library only.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace redrock::common {

// Redis string2ll: optional '-', digits, no '+', no spaces, no leading zeros (except "0"), in range.
bool ParseInt64(std::string_view s, int64_t* out);
// Redis string2ld (INCRBYFLOAT, HINCRBYFLOAT): no leading/trailing space, not NaN, length <= 5120.
bool ParseLongDouble(std::string_view s, long double* out);
// Redis string2d / getDoubleFromObject (ZADD scores...): accepts "inf", "+inf", "-inf"; not NaN.
bool ParseDouble(std::string_view s, double* out);

// Decimal form of v, written into buf (at least 21 bytes); returns the view.
std::string_view FormatInt64(int64_t v, char* buf);
// Redis ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a trailing '.') removed, as INCRBYFLOAT
// stores it; "inf"/"-inf".
std::string FormatLongDouble(long double v);
// Redis 7.0 addReplyDouble: "%.17g"; "inf" / "-inf"; "nan".
std::string FormatDouble(double v);

// The same text as FormatDouble, written into buf without allocating; returns the view.
inline constexpr size_t kDoubleBufSize = 32;
std::string_view FormatDoubleTo(double v, char* buf /* kDoubleBufSize bytes */);

}  // namespace redrock::common
