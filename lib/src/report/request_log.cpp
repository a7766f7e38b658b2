// Request log: RequestRecord -> JSON object, and the mutex-guarded JSON Lines file writer.
#include "llmpace/report/request_log.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <string_view>
#include <system_error>
#include <utility>

#include "llmpace/core/error.hpp"

namespace llmpace::report {
namespace {

using nlohmann::json;

std::string_view phase_name(metrics::WindowPhase phase) {
  switch (phase) {
    case metrics::WindowPhase::warmup:
      return "warmup";
    case metrics::WindowPhase::measured:
      return "measured";
    case metrics::WindowPhase::cooldown:
      return "cooldown";
  }
  return "measured";
}

/// Milliseconds from `from` to `to`, or null when either instant was never recorded.
json span_ms(TimePoint from, TimePoint to) {
  if (!metrics::RequestRecord::is_set(from) || !metrics::RequestRecord::is_set(to)) return nullptr;
  return to_ms(to - from);
}

/// Milliseconds from the benchmark start to `time`, or null when it was never recorded.
json offset_ms(TimePoint time, TimePoint benchmark_start) {
  if (!metrics::RequestRecord::is_set(time)) return nullptr;
  return to_ms(time - benchmark_start);
}

json string_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

std::string errno_message(int error) { return std::generic_category().message(error); }

}  // namespace

json record_to_json(const metrics::RequestRecord& record, TimePoint benchmark_start,
                    std::size_t benchmark_index) {
  json chunks = json::array();
  for (const TimePoint time : record.token_chunk_times) {
    chunks.push_back(to_ms(time - benchmark_start));
  }
  return {
      {"benchmark", benchmark_index + 1},
      {"index", record.index},
      {"request_id", string_or_null(record.request_id)},
      {"body_hash",
       record.body_hash == 0 ? json(nullptr) : json(fmt::format("{:016x}", record.body_hash))},
      {"status", metrics::to_string(record.status)},
      {"error_kind", record.error_kind == ErrorKind::none
                         ? json(nullptr)
                         : json(llmpace::to_string(record.error_kind))},
      {"error_message", string_or_null(record.error_message)},
      {"http_status", record.http_status == 0 ? json(nullptr) : json(record.http_status)},
      {"phase", phase_name(record.phase)},
      {"waited_for_slot", record.waited_for_slot},
      {"scheduled_ms", offset_ms(record.scheduled, benchmark_start)},
      {"dispatched_ms", offset_ms(record.dispatched, benchmark_start)},
      {"sent_ms", offset_ms(record.sent, benchmark_start)},
      {"first_byte_ms", offset_ms(record.first_byte, benchmark_start)},
      {"first_token_ms", offset_ms(record.first_token, benchmark_start)},
      {"done_ms", offset_ms(record.done, benchmark_start)},
      {"ttft_ms", span_ms(record.sent, record.first_token)},
      {"latency_ms", span_ms(record.sent, record.done)},
      {"token_chunk_ms", std::move(chunks)},
      {"prompt_tokens", record.prompt_tokens},
      {"prompt_tokens_source", metrics::to_string(record.prompt_tokens_source)},
      {"output_tokens", record.output_tokens},
      {"output_tokens_source", metrics::to_string(record.output_tokens_source)},
      {"finish_reason", string_or_null(record.finish_reason)},
      {"usage_problem", string_or_null(record.usage_problem)},
  };
}

RequestLogWriter::RequestLogWriter(std::string path) : path_(std::move(path)) {
  file_ = std::fopen(path_.c_str(), "wb");
  if (file_ == nullptr) {
    throw RunError(fmt::format("cannot open request log {}: {}", path_, errno_message(errno)));
  }
}

RequestLogWriter::~RequestLogWriter() {
  const std::lock_guard lock(mutex_);
  close_locked();
}

void RequestLogWriter::append(const metrics::RequestRecord& record, TimePoint benchmark_start,
                              std::size_t benchmark_index) {
  // Serialised outside the lock, so workers only queue for the write itself. Error messages come
  // from servers and may not be UTF-8: replace bad bytes rather than throw.
  std::string line = record_to_json(record, benchmark_start, benchmark_index)
                         .dump(-1, ' ', false, json::error_handler_t::replace);
  line += '\n';
  const std::lock_guard lock(mutex_);
  if (file_ == nullptr || !error_.empty()) return;
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    error_ = fmt::format("cannot write request log {}: {}", path_, errno_message(errno));
  }
}

void RequestLogWriter::close() {
  std::string error;
  {
    const std::lock_guard lock(mutex_);
    error = close_locked();
  }
  if (!error.empty()) throw RunError(error);
}

std::string RequestLogWriter::close_locked() {
  if (file_ == nullptr) return "";
  std::FILE* const file = std::exchange(file_, nullptr);
  if (std::fflush(file) != 0 && error_.empty()) {
    error_ = fmt::format("cannot write request log {}: {}", path_, errno_message(errno));
  }
  if (std::fclose(file) != 0 && error_.empty()) {
    error_ = fmt::format("cannot close request log {}: {}", path_, errno_message(errno));
  }
  return error_;
}

}  // namespace llmpace::report
