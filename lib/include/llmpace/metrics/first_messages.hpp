// FirstMessages: for each key (an error kind), the message of the request that ended first, so
// reports can show one example of every kind of failure (BenchmarkMetrics::first_error_by_kind,
// BenchmarkMetrics::usage_problems).
//
// A value (it keeps its own copies of the messages); not synchronised: one owner.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "llmpace/metrics/request_record.hpp"

namespace llmpace::metrics {

class FirstMessages {
 public:
  /// Considers `message` of `record` under `key`; an empty message is ignored. It replaces the
  /// message kept for `key` when `record` ended earlier: earlier `done` (an unset `done` counts as
  /// the latest), on a tie the lower index.
  void offer(std::string_view key, const RequestRecord& record, std::string_view message);
  /// Offers every message `other` kept, as if its records had been offered here.
  void merge(FirstMessages&& other);

  /// The message kept under `key`, made valid UTF-8; "" when none was offered.
  [[nodiscard]] std::string message(std::string_view key) const;

  /// key -> message kept, each made valid UTF-8.
  [[nodiscard]] std::map<std::string, std::string> messages() const;

 private:
  struct Kept {
    TimePoint done;
    std::uint64_t index = 0;
    std::string message;
  };
  void offer(std::string_view key, Kept&& candidate);

  std::map<std::string, Kept, std::less<>> kept_;
};

/// `text` with every malformed UTF-8 sequence replaced by U+FFFD, so JSON writers accept it.
std::string valid_utf8(std::string_view text);

}  // namespace llmpace::metrics
