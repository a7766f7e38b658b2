// The simulator's ground-truth trace; see trace_writer.hpp.
#include "trace_writer.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <system_error>

#include "llmpace/core/error.hpp"

namespace llmpace::sim::detail {
namespace {

using Json = nlohmann::json;

std::int64_t monotonic_ns(TimePoint time) {
  return std::chrono::duration_cast<Nanoseconds>(time.time_since_epoch()).count();
}

Json string_or_null(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

}  // namespace

std::string trace_line(const TraceRecord& record) {
  Json tokens = Json::array();
  for (const TimePoint time : record.token_times) tokens.push_back(monotonic_ns(time));
  const Json line = {
      {"id", record.id},
      {"request_id", string_or_null(record.request_id)},
      {"api", record.api},
      {"outcome", record.outcome},
      {"http_status", record.http_status},
      {"prompt_tokens", record.prompt_tokens},
      {"output_tokens", record.output_tokens},
      {"finish_reason", string_or_null(record.finish_reason)},
      {"arrival_ns", monotonic_ns(record.arrived)},
      {"queue_exit_ns", record.queue_exit ? Json(monotonic_ns(*record.queue_exit)) : Json(nullptr)},
      {"first_token_ns",
       record.token_times.empty() ? Json(nullptr) : Json(monotonic_ns(record.token_times.front()))},
      {"token_ns", std::move(tokens)},
      {"done_ns", monotonic_ns(record.done)},
  };
  return line.dump();
}

TraceWriter::TraceWriter(const std::string& path) : file_(std::fopen(path.c_str(), "w")) {
  if (file_ == nullptr) {
    throw ConfigError(fmt::format("--trace {}: {}", path, std::generic_category().message(errno)));
  }
}

TraceWriter::~TraceWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void TraceWriter::write(const TraceRecord& record) {
  std::string line = trace_line(record);
  line += '\n';
  const std::lock_guard lock{mutex_};
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace llmpace::sim::detail
