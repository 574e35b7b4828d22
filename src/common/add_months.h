#pragma once

#include <cstdint>

#include <arrow/result.h>
#include <arrow/status.h>

namespace sluice {

// The calendar day `months` after `days` (days since 1970-01-01), clamped to the end of
// the month as PostgreSQL does (Jan 31 + 1 month = Feb 28 or 29). Invalid ("date out of
// range") past the year 32767 either way.
arrow::Result<int32_t> AddMonthsToDays(int32_t days, int64_t months);

// The compute function "sluice_add_months"(when, months): a DATE or a TIMESTAMP without a
// time zone (any unit) moved by an INT32 number of months, as AddMonthsToDays moves its
// day; the time of day is kept. Registers it in Arrow's default function registry once;
// later calls do nothing.
arrow::Status RegisterAddMonths();

inline constexpr const char* kAddMonths = "sluice_add_months";

}  // namespace sluice
