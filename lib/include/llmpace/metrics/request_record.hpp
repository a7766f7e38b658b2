// RequestRecord: everything measured about one request, as plain data.
//
// Times are steady-clock instants taken when the bytes were read from the socket (before any
// parsing), so JSON decoding cost never shifts a timestamp. An unset time is TimePoint{} (the
// clock's epoch); use the has_* helpers rather than comparing by hand.
//
// Lifetime: created by the engine when a request is scheduled, filled by one request coroutine on
// one thread, then moved into a Recorder. Not synchronised.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/core/error_kind.hpp"
#include "llmpace/core/time.hpp"
#include "llmpace/metrics/time_window.hpp"

namespace llmpace::metrics {

enum class RequestStatus : std::uint8_t {
  successful,  // the stream ended normally ([DONE] or a clean end of body) with HTTP 2xx
  incomplete,  // cancelled by the run (time limit, Ctrl-C) before it ended
  errored,     // ended by a failure: see ErrorKind (core/error_kind.hpp)
};

/// Where a token count came from.
enum class TokenCountSource : std::uint8_t {
  none,          // unknown
  server_usage,  // the server's `usage` object
  chunk_count,   // counted content/reasoning-carrying chunks (one token per chunk assumed)
  client,        // the length the client asked for (exact with --tokenizer server or a file)
};

std::string_view to_string(RequestStatus status);
std::string_view to_string(TokenCountSource source);

struct RequestRecord {
  std::uint64_t index = 0;  // position in the benchmark's request sequence
  /// Sent as X-Request-Id: "llmpace-<process nonce>-<n>", unique per process. vLLM (and the
  /// simulator's --trace) use it as the request id, so server logs can be matched to records.
  std::string request_id;
  /// FNV-1a of the request body (model, prompt or messages, lengths): equal in two runs when they
  /// sent the same request. 0 (not computed) where nobody reads the records themselves: without a
  /// request log (.jsonl) or RunnerOptions::keep_records, it would be 1.5 k instructions per
  /// request for nothing.
  std::uint64_t body_hash = 0;

  TimePoint scheduled;    // when the profile intended the request to start
  TimePoint dispatched;   // when the client began the request (after any wait for a slot)
  TimePoint sent;         // when the request bytes were handed to the socket (after connect)
  TimePoint first_byte;   // read of the final response's first byte (interim 1xx skipped)
  TimePoint first_token;  // first chunk carrying content or reasoning text
  TimePoint done;         // end of stream, error or cancellation
  /// Read time of every chunk that carried content or reasoning text, in order.
  /// token_chunk_times.front() == first_token when not empty.
  std::vector<TimePoint> token_chunk_times;

  std::int64_t prompt_tokens = 0;
  TokenCountSource prompt_tokens_source = TokenCountSource::none;
  std::int64_t output_tokens = 0;
  TokenCountSource output_tokens_source = TokenCountSource::none;
  std::string finish_reason;  // from the last choice with one ("length", "stop", ...)
  /// What was wrong with the server's `usage` object, when something was ("completion_tokens is
  /// negative (-5)"); empty otherwise. A count that could not be trusted is not used: the output
  /// count then comes from the chunks (output_tokens_source says which).
  std::string usage_problem;

  RequestStatus status = RequestStatus::incomplete;
  int http_status = 0;
  /// The response's Date header in Unix seconds; 0 when it had none (metrics::ServerClock).
  std::int64_t server_date_unix_s = 0;
  ErrorKind error_kind = ErrorKind::none;
  std::string error_message;

  /// Open loop with a concurrency cap: the request found the cap full and waited for a slot.
  bool waited_for_slot = false;
  /// Warmup and cooldown requests are recorded but left out of the statistics.
  WindowPhase phase = WindowPhase::measured;

  [[nodiscard]] static bool is_set(TimePoint time) { return time != TimePoint{}; }
  [[nodiscard]] bool has_first_token() const { return is_set(first_token); }
};

}  // namespace llmpace::metrics
