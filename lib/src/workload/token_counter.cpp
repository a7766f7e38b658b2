#include "llmpace/workload/token_counter.hpp"

#include <fmt/format.h>

#include <cmath>

namespace llmpace::workload {

std::string_view to_string(PromptForm form) {
  switch (form) {
    case PromptForm::bare:
      return "bare";
    case PromptForm::completion:
      return "completion";
    case PromptForm::chat:
      return "chat";
  }
  return "unknown";
}

std::int64_t ApproxTokenCounter::count(std::string_view text, PromptForm /*form*/) {
  std::int64_t code_points = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++code_points;  // not a continuation
  }
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(code_points) / chars_per_token_));
}

std::string ApproxTokenCounter::description() const {
  return fmt::format("approx ({:g} characters per token)", chars_per_token_);
}

std::int64_t LocalTokenCounter::count(std::string_view text, PromptForm form) {
  ++calls_;
  return static_cast<std::int64_t>(tokenizer_->encode(text, form != PromptForm::bare).size());
}

std::string LocalTokenCounter::description() const { return tokenizer_->description(); }

}  // namespace llmpace::workload
