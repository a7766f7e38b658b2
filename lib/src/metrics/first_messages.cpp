#include "llmpace/metrics/first_messages.hpp"

#include <tuple>
#include <utility>

#include "llmpace/core/utf8.hpp"

namespace llmpace::metrics {
namespace {

/// When a record ended, for ordering: an unset `done` sorts after every real instant.
TimePoint end_of(const RequestRecord& record) {
  return RequestRecord::is_set(record.done) ? record.done : TimePoint::max();
}

}  // namespace

void FirstMessages::offer(std::string_view key, const RequestRecord& record,
                          std::string_view message) {
  if (message.empty()) return;
  offer(key, Kept{end_of(record), record.index, std::string(message)});
}

void FirstMessages::merge(FirstMessages&& other) {
  for (auto& [key, kept] : other.kept_) offer(key, std::move(kept));
  other.kept_.clear();
}

void FirstMessages::offer(std::string_view key, Kept&& candidate) {
  const auto found = kept_.find(key);
  if (found == kept_.end()) {
    kept_.emplace(std::string(key), std::move(candidate));
    return;
  }
  Kept& kept = found->second;
  if (std::tie(candidate.done, candidate.index) < std::tie(kept.done, kept.index)) {
    kept = std::move(candidate);
  }
}

std::string FirstMessages::message(std::string_view key) const {
  const auto found = kept_.find(key);
  return found == kept_.end() ? std::string() : valid_utf8(found->second.message);
}

std::map<std::string, std::string> FirstMessages::messages() const {
  std::map<std::string, std::string> messages;
  for (const auto& [key, kept] : kept_) messages.emplace(key, valid_utf8(kept.message));
  return messages;
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const utf8::DecodedCodePoint decoded = utf8::decode_utf8(text, pos);
    if (decoded.length == 0) {
      utf8::append_utf8(U'\uFFFD', out);
      ++pos;
      continue;
    }
    out.append(text.substr(pos, decoded.length));
    pos += decoded.length;
  }
  return out;
}

}  // namespace llmpace::metrics
