#include "common/like_segments.h"

#include <string.h>

#include <arrow/array/data.h>
#include <arrow/compute/api.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <arrow/util/bit_util.h>

namespace sluice {

namespace cp = arrow::compute;

std::optional<LikeSegments> ParseLikeSegments(std::string_view pattern) {
  LikeSegments out;
  out.anchored_start = pattern.empty() || pattern.front() != '%';
  std::string current;
  bool ends_with_wildcard = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    ends_with_wildcard = c == '%';
    if (c == '_') return std::nullopt;
    if (c == '%') {
      if (!current.empty()) out.segments.push_back(std::move(current));
      current.clear();
      continue;
    }
    if (c == '\\') {
      out.escapes = true;
      if (++i == pattern.size()) return std::nullopt;
      current.push_back(pattern[i]);
      continue;
    }
    current.push_back(c);
  }
  if (!current.empty()) out.segments.push_back(std::move(current));
  out.anchored_end = !ends_with_wildcard;
  return out;
}

bool LikeSegments::Matches(std::string_view value) const {
  if (segments.empty()) return !anchored_start || value.empty();
  size_t begin = 0, end = value.size();
  size_t first = 0, last = segments.size();
  if (anchored_start) {
    const std::string& prefix = segments.front();
    if (value.substr(0, prefix.size()) != prefix) return false;
    begin = prefix.size();
    ++first;
  }
  if (anchored_end && last > first) {
    const std::string& suffix = segments.back();
    if (end - begin < suffix.size() ||
        value.substr(end - suffix.size()) != std::string_view(suffix)) {
      return false;
    }
    end -= suffix.size();
    --last;
  } else if (anchored_end && begin != end) {
    return false;  // "abc" without wildcards: the prefix is the whole value
  }
  for (size_t s = first; s < last; ++s) {
    const std::string& segment = segments[s];
    const void* found =
        memmem(value.data() + begin, end - begin, segment.data(), segment.size());
    if (found == nullptr) return false;
    begin = static_cast<size_t>(static_cast<const char*>(found) - value.data()) +
            segment.size();
  }
  return true;
}

namespace {

struct SegmentsState : cp::KernelState {
  LikeSegments segments;
};

arrow::Result<std::unique_ptr<cp::KernelState>> InitSegments(
    cp::KernelContext*, const cp::KernelInitArgs& args) {
  const auto* options = static_cast<const cp::MatchSubstringOptions*>(args.options);
  if (options == nullptr || options->ignore_case) {
    return arrow::Status::Invalid(kMatchLikeSegments,
                                  " needs a case-sensitive MatchSubstringOptions");
  }
  auto parsed = ParseLikeSegments(options->pattern);
  if (!parsed) {
    return arrow::Status::Invalid(kMatchLikeSegments, " cannot search \"",
                                  options->pattern, "\"");
  }
  auto state = std::make_unique<SegmentsState>();
  state->segments = std::move(*parsed);
  return state;
}

template <typename Offset>
arrow::Status Exec(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                   cp::ExecResult* out) {
  const auto& segments = static_cast<const SegmentsState*>(ctx->state())->segments;
  const arrow::ArraySpan& input = batch[0].array;
  const auto* offsets = input.GetValues<Offset>(1);
  const auto* data = reinterpret_cast<const char*>(input.buffers[2].data);
  arrow::ArraySpan* output = out->array_span_mutable();
  uint8_t* bits = output->buffers[1].data;
  for (int64_t i = 0; i < input.length; ++i) {
    const std::string_view value(data + offsets[i],
                                 static_cast<size_t>(offsets[i + 1] - offsets[i]));
    arrow::bit_util::SetBitTo(bits, output->offset + i, segments.Matches(value));
  }
  return arrow::Status::OK();
}

arrow::Status Register() {
  auto function = std::make_shared<cp::ScalarFunction>(
      kMatchLikeSegments, cp::Arity::Unary(),
      cp::FunctionDoc("LIKE by searching the pattern's segments", "", {"strings"},
                      "MatchSubstringOptions", /*options_required=*/true));
  for (const auto& [type, exec] :
       {std::pair{arrow::Type::STRING, &Exec<int32_t>},
        std::pair{arrow::Type::BINARY, &Exec<int32_t>},
        std::pair{arrow::Type::LARGE_STRING, &Exec<int64_t>},
        std::pair{arrow::Type::LARGE_BINARY, &Exec<int64_t>}}) {
    cp::ScalarKernel kernel({cp::InputType(type)}, arrow::boolean(), exec, InitSegments);
    kernel.null_handling = cp::NullHandling::INTERSECTION;
    kernel.mem_allocation = cp::MemAllocation::PREALLOCATE;
    ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  }
  return cp::GetFunctionRegistry()->AddFunction(std::move(function));
}

}  // namespace

arrow::Status RegisterLikeSegments() {
  static const arrow::Status status = Register();
  return status;
}

}  // namespace sluice
