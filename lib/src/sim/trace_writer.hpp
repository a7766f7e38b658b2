// Private to the simulator: `--trace FILE`, the ground truth of what the server did. One JSON
// line per generation request, written when the request ends however it ends:
//
//   {"id":"chatcmpl-...","request_id":"..." | null,"api":"chat"|"completions",
//    "outcome":"ok"|"aborted"|"<fault kind>","http_status":200,"prompt_tokens":P,
//    "output_tokens":N,"finish_reason":"length"|"stop"|null,"arrival_ns":A,
//    "queue_exit_ns":Q|null,"first_token_ns":F|null,"token_ns":[...],"done_ns":D}
//
// Times are nanoseconds of CLOCK_MONOTONIC (std::chrono::steady_clock on Linux), so they compare
// directly with the steady-clock times of another process on the same machine. arrival is when the
// whole request was read; queue_exit when the inference model first admitted it; token_ns[i] when
// the write of output token i began (so a client can never have read it earlier); done when the
// last byte was written or the request was given up. "aborted" means the client left (or the server
// stopped) before the response was complete.
//
// Thread affinity: write() is safe from any thread (one mutex; each line is flushed, so a reader
// sees whole lines while the server runs). Lifetime: owned by the server, outlives all sessions.
#pragma once

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/core/time.hpp"

namespace llmpace::sim::detail {

struct TraceRecord {
  std::string id;
  std::string request_id;  ///< the client's X-Request-Id, empty when it sent none
  std::string api;
  std::string outcome = "ok";
  unsigned http_status = 200;
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;  ///< tokens actually sent
  std::string finish_reason;       ///< empty unless the response completed
  TimePoint arrived;
  std::optional<TimePoint> queue_exit;
  std::vector<TimePoint> token_times;
  TimePoint done;
};

class TraceWriter {
 public:
  /// Opens (truncates) `path`; throws ConfigError naming --trace when it cannot.
  explicit TraceWriter(const std::string& path);
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void write(const TraceRecord& record);

 private:
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
};

/// The JSON line of `record`, without the newline.
std::string trace_line(const TraceRecord& record);

}  // namespace llmpace::sim::detail
