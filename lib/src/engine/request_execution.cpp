#include "llmpace/engine/request_execution.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <random>

#include "llmpace/core/fnv1a.hpp"
#include "llmpace/core/message_text.hpp"
#include "llmpace/openai/request_builder.hpp"
#include "llmpace/openai/stream_recorder.hpp"

namespace llmpace::engine {

using metrics::RequestStatus;
using metrics::TokenCountSource;

namespace {

constexpr std::size_t kMaxErrorBodyBytes = 4096;
constexpr int kTooManyRequests = 429;
constexpr std::size_t kMaxErrorMessageChars = 300;

/// The server's own words for a non-2xx answer: the JSON "message" when there is one.
std::string describe_http_error(int status, const std::string& body) {
  std::string detail;
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) {
    if (json.contains("message") && json["message"].is_string()) {
      detail = json["message"].get<std::string>();
    } else if (json.contains("error") && json["error"].is_object() &&
               json["error"].contains("message") && json["error"]["message"].is_string()) {
      detail = json["error"]["message"].get<std::string>();
    }
  }
  if (detail.empty()) detail = html_to_text(body);  // a proxy's error page: its title
  detail = one_line(detail, kMaxErrorMessageChars);
  return detail.empty() ? fmt::format("HTTP {}", status)
                        : fmt::format("HTTP {}: {}", status, detail);
}

bool is_success(int http_status) { return http_status >= 200 && http_status < 300; }

bool is_redirect(int http_status) { return http_status >= 300 && http_status < 400; }

/// "llmpace-<16 hex digits drawn once per process>-<n>": unique across the workers of a run and,
/// with overwhelming probability, across runs against the same server.
std::string next_request_id() {
  static const std::string prefix = fmt::format(
      "llmpace-{:016x}-", std::random_device{}() * 0x100000000ull ^ std::random_device{}());
  static std::atomic<std::uint64_t> counter{0};
  // Appended rather than formatted: this runs once per request.
  const fmt::format_int number(counter.fetch_add(1, std::memory_order_relaxed));
  std::string id;
  id.reserve(prefix.size() + number.size());
  id.append(prefix).append(number.data(), number.size());
  return id;
}

}  // namespace

boost::asio::awaitable<void> async_execute_request(const Target& target,
                                                   http::Connection& connection,
                                                   openai::ChunkDecoder& decoder,
                                                   const workload::Prompt& prompt,
                                                   metrics::RequestRecord& record,
                                                   std::string* reply, bool with_body_hash) {
  const openai::GenerationRequest generation{.model = target.model,
                                             .prompt = prompt.text,
                                             .messages = &prompt.messages,
                                             .max_output_tokens = prompt.output_tokens,
                                             .ignore_eos = true,
                                             .stream = true,
                                             .extra_body = {}};
  record.request_id = next_request_id();
  const std::string body = openai::build_request_body(target.api, generation);
  const http::HttpRequest request{.method = "POST",
                                  .target = openai::api_path(target.api),
                                  .body = body,
                                  .accept = "text/event-stream",
                                  .request_id = record.request_id};
  if (with_body_hash) record.body_hash = fnv1a64(body);

  // Room for the first tokens up front; a longer stream regrows a few times (doubling). Reserving
  // the whole output length would hold 8 bytes per token for every stream from its start: 8 KiB
  // per waiting stream at 1,024 output tokens, most of an open stream's memory.
  constexpr std::int64_t kTokenTimesReserved = 64;
  if (prompt.output_tokens) {
    record.token_chunk_times.reserve(
        static_cast<std::size_t>(std::min(*prompt.output_tokens, kTokenTimesReserved)));
  }
  openai::StreamRecorder recorder(decoder, record, reply);
  std::string error_body;
  const http::Connection::BodyHandler on_body = [&](int http_status, std::string_view bytes,
                                                    TimePoint read_time) {
    if (is_success(http_status)) {
      recorder.on_body(bytes, read_time);
    } else if (error_body.size() < kMaxErrorBodyBytes) {
      error_body.append(bytes.substr(0, kMaxErrorBodyBytes - error_body.size()));
    }
  };

  const TimePoint deadline = SteadyClock::now() + target.client.timeouts.request_total;
  const http::ExchangeOutcome outcome =
      co_await connection.async_exchange(request, on_body, deadline);

  record.sent = outcome.sent;
  record.first_byte = outcome.first_byte;
  record.http_status = outcome.http_status;
  record.server_date_unix_s = outcome.server_date_unix_s;
  if (outcome.cancelled) {
    record.status = RequestStatus::incomplete;
    record.done = SteadyClock::now();
  } else if (!outcome.ok()) {
    record.status = RequestStatus::errored;
    record.error_kind = outcome.error;
    record.error_message = outcome.error_message;
    record.done = SteadyClock::now();
  } else if (!is_success(outcome.http_status)) {
    record.status = RequestStatus::errored;
    record.error_kind =
        outcome.http_status == kTooManyRequests ? ErrorKind::rate_limited : ErrorKind::http_status;
    record.error_message = describe_http_error(outcome.http_status, error_body);
    if (!outcome.retry_after.empty()) {
      record.error_message += fmt::format(" (Retry-After: {})", outcome.retry_after);
    }
    if (is_redirect(outcome.http_status) && !outcome.location.empty()) {
      record.error_message = fmt::format(
          "HTTP {}: redirected to {}; llmpace does not follow redirects, use the final URL",
          outcome.http_status, outcome.location);
    }
    record.done = outcome.last_read;
  } else {
    recorder.finish(outcome.last_read);
    if (record.status == RequestStatus::errored && recorder.events() == 0 &&
        !outcome.content_type.empty() &&
        outcome.content_type.find("event-stream") == std::string::npos) {
      record.error_message = fmt::format(
          "the server answered {} instead of a stream of server-sent events; does it honour "
          "\"stream\": true?",
          outcome.content_type);
    }
  }
  if (record.prompt_tokens_source == TokenCountSource::none && prompt.expected_prompt_tokens > 0) {
    record.prompt_tokens = prompt.expected_prompt_tokens;
    record.prompt_tokens_source = TokenCountSource::client;
  }
  if (record.output_tokens_source == TokenCountSource::none) {
    // Failed or cancelled before finish(): what arrived is still worth counting.
    record.output_tokens = recorder.token_chunks();
    record.output_tokens_source = TokenCountSource::chunk_count;
  }
  // Messages quote the server: keep them one line of valid UTF-8 for every report format.
  record.error_message = one_line(record.error_message, kMaxErrorMessageChars);
  record.usage_problem = one_line(record.usage_problem, kMaxErrorMessageChars);
}

}  // namespace llmpace::engine
