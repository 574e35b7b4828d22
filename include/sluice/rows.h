#pragma once

// Typed rows: how a C++ struct maps to the columns of a result or a table.
//
//   struct Trade {
//     int64_t id;
//     std::string sym;
//     double price;
//     std::optional<int32_t> qty;     // a nullable column
//   };
//   SLUICE_ROW(Trade, id, sym, price, qty)      // at namespace scope, outside any
//   namespace
//
// Column names are the member names. To name them otherwise, specialise RowTraits:
//
//   template <> struct sluice::RowTraits<Trade> {
//     static constexpr auto columns = std::make_tuple(
//         sluice::Column("trade_id", &Trade::id), sluice::Column("sym", &Trade::sym),
//         ...);
//   };
//
// Member types and the columns they take (checked once per schema, before any row is
// decoded; anything that could lose information is refused, naming column and member):
//   bool                      BOOLEAN
//   int8_t ... int64_t        signed integers no wider than the member
//   uint8_t ... uint64_t      unsigned integers no wider than the member
//   float, double             FLOAT (float), FLOAT or DOUBLE or integers of up to 16
//                             (float) / 32 (double) bits
//   std::string               VARCHAR (utf8, large_utf8), BINARY
//   std::string_view          the same, pointing into the batch: valid while the batch
//                             lives (inside ForEachBatch, or until a Stream moves on)
//   sluice::Date              DATE (days since 1970-01-01)
//   sluice::Timestamp         TIMESTAMP of any unit (microseconds since the epoch, UTC)
//   sluice::Decimal<P, S>     DECIMAL(P, S), or a DECIMAL(p, s) with s <= S and
//                             p - s <= P - S (rescaled exactly), or integers of at most
//                             P - S digits
//   std::optional<T>          the column of T, NULL as nullopt; without optional, a NULL
//                             is an error naming the column
//   std::vector<T>            a LIST whose elements T takes (NULL elements need
//                             std::vector<std::optional<T>>)
//   a mapped struct           a STRUCT with a field for each of its mapped members (by
//                             name, as for columns; extra fields are ignored)
// Encoding (Insert, TypedSink) writes each member as the first type listed for it.

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace sluice {

using Date = std::chrono::sys_days;
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// An exact DECIMAL(P, S) value: unscaled / 10^S. No arithmetic: convert to what the
// application computes with (ToString, ToDouble, or the unscaled integer).
template <int P, int S>
struct Decimal {
  static_assert(P >= 1 && P <= 38 && S >= 0 && S <= P,
                "DECIMAL(P, S) needs 1 <= P <= 38 and 0 <= S <= P");
  static constexpr int kPrecision = P;
  static constexpr int kScale = S;

  __int128 unscaled = 0;

  static constexpr Decimal FromUnscaled(__int128 value) { return Decimal{value}; }

  // "-12.30" style text: an optional sign, digits, and at most S decimals. Nothing if the
  // text is not such a number or has more than P - S integer digits.
  static std::optional<Decimal> Parse(std::string_view text) {
    const bool negative = !text.empty() && text.front() == '-';
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
      text.remove_prefix(1);
    }
    const size_t point = text.find('.');
    const std::string_view whole = text.substr(0, point);
    const std::string_view fraction =
        point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
    if ((whole.empty() && fraction.empty()) || whole.size() > size_t{P - S} ||
        fraction.size() > size_t{S}) {
      return std::nullopt;
    }
    __int128 value = 0;
    for (size_t i = 0; i < whole.size() + size_t{S}; ++i) {
      const char c = i < whole.size()                     ? whole[i]
                     : i - whole.size() < fraction.size() ? fraction[i - whole.size()]
                                                          : '0';
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    return Decimal{negative ? -value : value};
  }

  std::string ToString() const {
    unsigned __int128 magnitude = unscaled < 0 ? -unscaled : unscaled;
    std::string digits;
    do {
      digits.insert(digits.begin(), static_cast<char>('0' + magnitude % 10));
      magnitude /= 10;
    } while (magnitude != 0);
    if (digits.size() <= size_t{S}) digits.insert(0, size_t{S} + 1 - digits.size(), '0');
    if (S > 0) digits.insert(digits.size() - S, 1, '.');
    return unscaled < 0 ? "-" + digits : digits;
  }

  double ToDouble() const {
    double divisor = 1;
    for (int i = 0; i < S; ++i) divisor *= 10;
    return static_cast<double>(unscaled) / divisor;
  }

  friend constexpr bool operator==(const Decimal& a, const Decimal& b) {
    return a.unscaled == b.unscaled;
  }
  friend constexpr std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) {
    return a.unscaled <=> b.unscaled;
  }
};

// One mapped column: its name and the member it fills.
template <typename Struct, typename Member>
struct ColumnSpec {
  using Row = Struct;
  using Type = Member;
  const char* name;
  Member Struct::*member;
};

template <typename Struct, typename Member>
constexpr ColumnSpec<Struct, Member> Column(const char* name, Member Struct::*member) {
  return {name, member};
}

// Specialise (or use SLUICE_ROW) with `static constexpr auto columns`, a tuple of
// Column(...) in column order.
template <typename T>
struct RowTraits;

template <typename T, typename = void>
struct IsRow : std::false_type {};
template <typename T>
struct IsRow<T, std::void_t<decltype(RowTraits<T>::columns)>> : std::true_type {};

}  // namespace sluice

// SLUICE_ROW(Type, member, ...): up to 32 members, named after themselves.
#define SLUICE_ROW_COLUMN_(Type, member) ::sluice::Column(#member, &Type::member)
#define SLUICE_ROW_EXPAND_(x) x
#define SLUICE_ROW_N_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, \
                      _16, _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28,  \
                      _29, _30, _31, _32, N, ...)                                       \
  N
#define SLUICE_ROW_COUNT_(...)                                                          \
  SLUICE_ROW_EXPAND_(SLUICE_ROW_N_(__VA_ARGS__, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, \
                                   22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10,  \
                                   9, 8, 7, 6, 5, 4, 3, 2, 1))
#define SLUICE_ROW_CAT_(a, b) SLUICE_ROW_CAT2_(a, b)
#define SLUICE_ROW_CAT2_(a, b) a##b
#define SLUICE_ROW_L1_(T, m) SLUICE_ROW_COLUMN_(T, m)
#define SLUICE_ROW_L2_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L1_(T, __VA_ARGS__))
#define SLUICE_ROW_L3_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L2_(T, __VA_ARGS__))
#define SLUICE_ROW_L4_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L3_(T, __VA_ARGS__))
#define SLUICE_ROW_L5_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L4_(T, __VA_ARGS__))
#define SLUICE_ROW_L6_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L5_(T, __VA_ARGS__))
#define SLUICE_ROW_L7_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L6_(T, __VA_ARGS__))
#define SLUICE_ROW_L8_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L7_(T, __VA_ARGS__))
#define SLUICE_ROW_L9_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L8_(T, __VA_ARGS__))
#define SLUICE_ROW_L10_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L9_(T, __VA_ARGS__))
#define SLUICE_ROW_L11_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L10_(T, __VA_ARGS__))
#define SLUICE_ROW_L12_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L11_(T, __VA_ARGS__))
#define SLUICE_ROW_L13_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L12_(T, __VA_ARGS__))
#define SLUICE_ROW_L14_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L13_(T, __VA_ARGS__))
#define SLUICE_ROW_L15_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L14_(T, __VA_ARGS__))
#define SLUICE_ROW_L16_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L15_(T, __VA_ARGS__))
#define SLUICE_ROW_L17_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L16_(T, __VA_ARGS__))
#define SLUICE_ROW_L18_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L17_(T, __VA_ARGS__))
#define SLUICE_ROW_L19_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L18_(T, __VA_ARGS__))
#define SLUICE_ROW_L20_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L19_(T, __VA_ARGS__))
#define SLUICE_ROW_L21_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L20_(T, __VA_ARGS__))
#define SLUICE_ROW_L22_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L21_(T, __VA_ARGS__))
#define SLUICE_ROW_L23_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L22_(T, __VA_ARGS__))
#define SLUICE_ROW_L24_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L23_(T, __VA_ARGS__))
#define SLUICE_ROW_L25_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L24_(T, __VA_ARGS__))
#define SLUICE_ROW_L26_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L25_(T, __VA_ARGS__))
#define SLUICE_ROW_L27_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L26_(T, __VA_ARGS__))
#define SLUICE_ROW_L28_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L27_(T, __VA_ARGS__))
#define SLUICE_ROW_L29_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L28_(T, __VA_ARGS__))
#define SLUICE_ROW_L30_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L29_(T, __VA_ARGS__))
#define SLUICE_ROW_L31_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L30_(T, __VA_ARGS__))
#define SLUICE_ROW_L32_(T, m, ...) \
  SLUICE_ROW_COLUMN_(T, m), SLUICE_ROW_EXPAND_(SLUICE_ROW_L31_(T, __VA_ARGS__))

#define SLUICE_ROW(Type, ...)                                                           \
  template <>                                                                           \
  struct sluice::RowTraits<Type> {                                                      \
    static constexpr auto columns = std::make_tuple(SLUICE_ROW_EXPAND_(SLUICE_ROW_CAT_( \
        SLUICE_ROW_L, SLUICE_ROW_CAT_(SLUICE_ROW_COUNT_(__VA_ARGS__), _))(              \
        Type, __VA_ARGS__)));                                                           \
  };
