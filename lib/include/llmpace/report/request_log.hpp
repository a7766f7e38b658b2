// Request log: one JSON object per request (JSON Lines), written as requests finish, for
// per-request analysis outside llmpace (`pandas.read_json(path, lines=True)`, jq).
//
// A record holds the benchmark (1-based), the request's index, status, error, HTTP status, phase,
// whether it waited for a slot, every instant as milliseconds from the benchmark start (null when
// the request never got there), the derived TTFT and latency, every token chunk time, token counts
// with their sources, the finish reason and what was wrong with the server's usage object (if
// anything). Never a prompt, a response text or a header value.
//
// Thread affinity: record_to_json is pure and safe from any thread. RequestLogWriter::append is
// safe to call from several threads at once (a mutex serialises the writes, each line is written
// whole); construction, close() and destruction must not race with append.
#pragma once

#include <cstddef>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "llmpace/core/time.hpp"
#include "llmpace/metrics/request_record.hpp"

namespace llmpace::report {

/// One request as a JSON object (fields listed in the file comment). `benchmark_index` is the
/// 0-based position of the benchmark in the run, written as `benchmark` = benchmark_index + 1 to
/// match the CSV report's `benchmark` column. Times are `to_ms(t - benchmark_start)`; `ttft_ms` is
/// sent -> first token and `latency_ms` sent -> done, whatever the status, null when either instant
/// is unset. `error_kind`, `error_message`, `finish_reason` and `usage_problem` are null when there
/// is none, `http_status` null when no response came.
nlohmann::json record_to_json(const metrics::RequestRecord& record, TimePoint benchmark_start,
                              std::size_t benchmark_index);

/// Appends request records to a JSON Lines file.
///
/// Durability: each line is written with one std::fwrite and then std::fflush'ed, so once
/// append() returns the line is in the operating system's hands and survives a crash or kill of
/// this process soon after. It is not fsync'ed: a power loss or kernel crash may still lose the
/// last lines. That costs one write system call per request, which is far below a request's cost.
///
/// Errors: the constructor throws RunError when the file cannot be opened. append() never throws
/// on an I/O failure, since it runs on engine worker threads: the first failure is kept, later
/// lines are dropped, and close() throws RunError naming it, so the command can report it once the
/// benchmark is over.
class RequestLogWriter {
 public:
  /// Creates or truncates `path`. Throws RunError ("cannot open request log PATH: reason").
  explicit RequestLogWriter(std::string path);
  /// Flushes and closes, ignoring errors (call close() to see them).
  ~RequestLogWriter();

  RequestLogWriter(const RequestLogWriter&) = delete;
  RequestLogWriter& operator=(const RequestLogWriter&) = delete;
  RequestLogWriter(RequestLogWriter&&) = delete;
  RequestLogWriter& operator=(RequestLogWriter&&) = delete;

  /// Writes record_to_json(...) as one compact line and flushes it. Thread-safe. Ignored after
  /// close() or after an earlier write failure.
  void append(const metrics::RequestRecord& record, TimePoint benchmark_start,
              std::size_t benchmark_index);

  /// Flushes and closes the file. Throws RunError if a write, the flush or the close failed.
  /// Later calls do nothing.
  void close();

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  /// Closes the file; returns the first error ("" when none). Caller holds mutex_.
  std::string close_locked();

  std::string path_;
  std::mutex mutex_;
  std::FILE* file_ = nullptr;  // guarded by mutex_; null once closed
  std::string error_;          // guarded by mutex_; first write failure, "" when none
};

}  // namespace llmpace::report
