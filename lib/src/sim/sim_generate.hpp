// Private to the simulator: serving one generation request (POST /v1/chat/completions or
// /v1/completions), streaming or not, from either token source, with the faults of --fault and
// the ground-truth trace of --trace. Included by sim_session.hpp only.
//
// Output length: max_completion_tokens / max_tokens (or the server default); without ignore_eos
// and with a natural mean configured, the simulated model may stop earlier on its own
// (finish_reason "stop"), see natural_output_tokens().
//
// Faults (fault_plan.hpp), drawn per generation request by its arrival number:
// http_500 / http_429 answer at once; slow_headers delays the response headers; reset_mid_stream,
// stall and malformed_chunk act after kFaultTokensBeforeBreak tokens (streaming) or in place of
// the body (non-streaming).
//
// Thread affinity: runs in its session's coroutine on the session's io thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cctype>
#include <optional>

#include "chunk_writer.hpp"
#include "llmpace/core/http_date.hpp"
#include "llmpace/sim/fault_plan.hpp"
#include "llmpace/sim/sim_tokenizer.hpp"
#include "token_source.hpp"

namespace llmpace::sim::detail {

/// How a handler leaves the connection.
enum class AfterResponse { keep_alive, close };

/// vLLM takes the client's X-Request-Id as its request id; only harmless characters are kept so
/// the id can go into JSON and logs as is.
inline std::string client_request_id(const Request& request) {
  const auto found = request.find("x-request-id");
  if (found == request.end()) return {};
  const std::string_view value = found->value();
  if (value.empty() || value.size() > 128) return {};
  for (const char c : value) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_' && c != '.' &&
        c != ':') {
      return {};
    }
  }
  return std::string{value};
}

/// Writes the trace line (if --trace) when the request ends, however it ends.
class TraceOnExit {
 public:
  TraceOnExit(TraceWriter* writer, TraceRecord& record) : writer_(writer), record_(record) {}
  ~TraceOnExit() {
    if (writer_ == nullptr) return;
    if (record_.done == TimePoint{}) {
      record_.done = SteadyClock::now();
      if (record_.outcome == "ok") record_.outcome = "aborted";
    }
    try {
      writer_->write(record_);
    } catch (...) {  // never throw from a destructor; a lost trace line is not worth a crash
    }
  }
  TraceOnExit(const TraceOnExit&) = delete;
  TraceOnExit& operator=(const TraceOnExit&) = delete;

 private:
  TraceWriter* writer_;
  TraceRecord& record_;
};

template <class Stream>
void reset_connection(Stream& stream) {
  auto& socket = beast::get_lowest_layer(stream).socket();
  beast::error_code ignored;
  socket.set_option(asio::socket_base::linger(true, 0), ignored);  // close sends RST
  socket.close(ignored);
}

/// The stall fault: send nothing more and keep the connection until the client gives up.
template <class Stream>
asio::awaitable<void> async_wait_for_client_to_leave(Stream& stream) {
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_never();
  std::vector<char> sink(512);  // not std::array: g++ 12 cannot put arrays in coroutine frames
  for (;;) {
    const auto [error, bytes] =
        co_await lowest.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
    if (error) co_return;
  }
}

/// The faults that end a response where they strike: reset_mid_stream resets the connection,
/// stall gives the request up in the inference model and sends nothing more until the client
/// leaves. True when the connection is finished.
template <class Stream, class Source>
asio::awaitable<bool> async_break_connection(Stream& stream, std::optional<FaultKind> fault,
                                             Source& source) {
  if (fault == FaultKind::reset_mid_stream) {
    reset_connection(stream);
    co_return true;
  }
  if (fault == FaultKind::stall) {
    source.abandon();
    co_await async_wait_for_client_to_leave(stream);
    co_return true;
  }
  co_return false;
}

/// Sends the response token by token. `on_generated()` is called once every token has been
/// generated and before the closing events (usage, `[DONE]`) are written: the request counts as
/// finished in the metrics before its client can see the end, as in vLLM, whose engine records
/// a finished request before the API server streams the last event.
template <class Stream, class Source, class OnGenerated>
asio::awaitable<AfterResponse> async_send_tokens(Stream& stream, const Request& request,
                                                 const GenerationRequest& generation,
                                                 const ResponseRenderer& renderer,
                                                 std::int64_t output_tokens,
                                                 std::optional<FaultKind> fault, Source& source,
                                                 TraceRecord& trace, OnGenerated on_generated) {
  const bool chat = generation.api == openai::ApiKind::chat_completions;
  const auto breaks_here = [&](std::int64_t tokens_sent) {
    return fault && tokens_sent == std::min<std::int64_t>(kFaultTokensBeforeBreak, output_tokens);
  };

  if (!generation.stream) {
    for (std::int64_t i = 0; i < output_tokens; ++i) {
      co_await source.async_next();
      trace.queue_exit = source.scheduled();
    }
    const bool broken = co_await async_break_connection(stream, fault, source);
    if (broken) co_return AfterResponse::close;
    std::string body = renderer.full_body();
    if (fault == FaultKind::malformed_chunk) body.resize(body.size() / 2);  // cut mid-JSON
    trace.token_times.assign(static_cast<std::size_t>(output_tokens), SteadyClock::now());
    on_generated();
    co_await async_respond(stream, request, http::status::ok, "application/json", std::move(body));
    co_return AfterResponse::keep_alive;
  }

  // Headers go out at once, as vLLM's do; the body follows token by token.
  http::response<http::empty_body> header{http::status::ok, request.version()};
  header.set(http::field::server, "llmpace-sim");
  header.set(http::field::date, current_http_date());
  header.set(http::field::content_type, "text/event-stream; charset=utf-8");
  header.keep_alive(request.keep_alive());
  header.chunked(true);
  http::response_serializer<http::empty_body> serializer{header};
  beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
  co_await http::async_write_header(stream, serializer, asio::use_awaitable);

  // The hot path (chunk_writer.hpp): token events framed in one reused buffer and written with
  // one send() when the socket has room. A session that fell behind (its next token is due
  // already) adds that token to the same write: the same bytes, in fewer system calls.
  ChunkBuffer chunks;
  bool next_due = false;
  for (std::int64_t i = 0; i < output_tokens; ++i) {
    if (!next_due) co_await source.async_next();
    trace.queue_exit = source.scheduled();
    if (i == 0 && chat) co_await async_write_chunk(stream, renderer.role_event());
    // Stamped as the write starts: the client cannot read the token before this instant, so the
    // trace is a strict lower bound however the threads are scheduled after the write.
    const TimePoint now = SteadyClock::now();
    trace.token_times.push_back(now);
    renderer.append_token_event(chunks.begin_chunk(), i);
    chunks.end_chunk();
    next_due = i + 1 < output_tokens && !breaks_here(i + 1) && chunks.size() < kMaxCoalescedBytes &&
               source.take_if_due(now);
    if (next_due) continue;
    const std::string_view bytes = chunks.bytes();
    const std::string_view rest = bytes.substr(send_now(stream, bytes));
    if (!rest.empty()) co_await async_write_rest(stream, rest, kWriteTimeout);
    chunks.clear();
    if (!breaks_here(i + 1)) continue;
    const bool broken = co_await async_break_connection(stream, fault, source);
    if (broken) co_return AfterResponse::close;
    if (fault == FaultKind::malformed_chunk) {
      co_await async_write_chunk(stream, "data: {\"id\":\"malformed\",\"choices\":[{\n\n");
    }
  }
  on_generated();
  if (generation.include_usage) co_await async_write_chunk(stream, renderer.usage_event());
  co_await async_write_chunk(stream, ResponseRenderer::kDoneEvent);
  beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
  co_await asio::async_write(stream, http::make_chunk_last(), asio::use_awaitable);
  co_return AfterResponse::keep_alive;
}

/// Serves one generation request.
template <class Stream>
asio::awaitable<AfterResponse> async_generate(Stream& stream, const Request& request,
                                              openai::ApiKind api, TimePoint received,
                                              IoThread& io_thread, const Shared& shared) {
  const SimOptions& options = shared.options;
  auto parsed =
      parse_generation_request(api, request.body(), options.model, options.default_output_tokens);
  if (const auto* error = std::get_if<ApiError>(&parsed)) {
    co_await async_respond_error(stream, request, *error);
    co_return AfterResponse::keep_alive;
  }
  const auto& generation = std::get<GenerationRequest>(parsed);
  const bool chat = api == openai::ApiKind::chat_completions;
  const std::uint64_t number = shared.next_request_number->fetch_add(1, std::memory_order_relaxed);

  TraceRecord trace;
  trace.request_id = client_request_id(request);
  trace.id = trace.request_id.empty()
                 ? fmt::format("{}-{:016x}{:016x}", chat ? "chatcmpl" : "cmpl", io_thread.rng(),
                               io_thread.rng())
                 : fmt::format("{}-{}", chat ? "chatcmpl" : "cmpl", trace.request_id);
  trace.api = chat ? "chat" : "completions";
  trace.prompt_tokens = generation.prompt_tokens;
  trace.arrived = received;
  const TraceOnExit write_trace{shared.trace, trace};

  std::optional<FaultKind> fault = shared.faults.draw(number);
  if (!fault && options.fail_rate > 0.0 && bernoulli(io_thread.rng, options.fail_rate)) {
    fault = FaultKind::http_500;
  }
  if (fault) trace.outcome = std::string{to_string(*fault)};
  if (fault == FaultKind::http_500) {
    trace.http_status = 500;
    trace.done = SteadyClock::now();
    const ApiError error = internal_error("Simulated server failure.");
    co_await async_respond_error(stream, request, error);
    co_return AfterResponse::keep_alive;
  }
  if (fault == FaultKind::http_429) {
    trace.http_status = 429;
    trace.done = SteadyClock::now();
    // Named: g++ 12 cannot keep an initializer_list's array in a co_await expression.
    std::vector<ExtraHeader> retry_after;
    retry_after.push_back({http::field::retry_after, std::to_string(kRetryAfterSeconds)});
    const ApiError error = too_many_requests();
    co_await async_respond_error(stream, request, error, std::move(retry_after));
    co_return AfterResponse::keep_alive;
  }

  // vLLM refuses a request whose prompt plus max tokens exceed the context.
  if (generation.prompt_tokens + generation.output_tokens > shared.max_model_len) {
    trace.http_status = 400;
    trace.outcome = "rejected";
    trace.done = SteadyClock::now();
    const ApiError error = bad_request(fmt::format(
        "This model's maximum context length is {} tokens. However, you requested {} tokens "
        "({} in the messages, {} in the completion). Please reduce the length of the "
        "messages or completion.",
        shared.max_model_len, generation.prompt_tokens + generation.output_tokens,
        generation.prompt_tokens, generation.output_tokens));
    co_await async_respond_error(stream, request, error);
    co_return AfterResponse::keep_alive;
  }

  std::int64_t output_tokens = generation.output_tokens;
  FinishReason finish = FinishReason::length;
  if (!generation.ignore_eos && options.natural_output_tokens_mean > 0.0) {
    const std::int64_t natural =
        natural_output_tokens(options.seed, number, options.natural_output_tokens_mean);
    if (natural < output_tokens) {
      output_tokens = natural;
      finish = FinishReason::stop;
    }
  }

  std::optional<RunningRequest> running{std::in_place, shared.metrics};
  const std::string_view finish_text = finish == FinishReason::stop ? "stop" : "length";
  const ResponseRenderer renderer{
      api,           trace.id,   shared.started_unix_s, options.model, generation.prompt_tokens,
      output_tokens, finish_text};
  const auto executor = co_await asio::this_coro::executor;

  if (fault == FaultKind::slow_headers) {
    asio::steady_timer delay{executor, kSlowHeadersDelay};
    co_await delay.async_wait(asio::use_awaitable);
  }

  // Counted as finished once the last token is generated (async_send_tokens says why).
  const auto on_generated = [&] {
    if (fault && fault != FaultKind::slow_headers) return;  // a response that will break
    ServedRequest served;
    served.prompt_tokens = generation.prompt_tokens;
    served.generation_tokens = output_tokens;
    served.finish_reason = finish;
    served.arrived = received;
    served.scheduled = trace.queue_exit.value_or(received);
    served.token_times = trace.token_times;
    served.done = SteadyClock::now();
    shared.metrics.on_request_succeeded(served);
    running.reset();
  };
  AfterResponse after = AfterResponse::keep_alive;
  if (shared.inference != nullptr) {
    InferenceTokenSource source{executor,
                                io_thread.index,
                                *shared.inference,
                                generation.prompt_tokens,
                                output_tokens,
                                prefix_block_hashes(generation.prompt_token_ids,
                                                    shared.inference->preset().block_size_tokens)};
    after = co_await async_send_tokens(stream, request, generation, renderer, output_tokens, fault,
                                       source, trace, on_generated);
  } else {
    SimpleTokenSource source{executor, *io_thread.latency, received, generation.prompt_tokens};
    after = co_await async_send_tokens(stream, request, generation, renderer, output_tokens, fault,
                                       source, trace, on_generated);
  }
  trace.done = SteadyClock::now();
  trace.output_tokens = static_cast<std::int64_t>(trace.token_times.size());
  if (fault && fault != FaultKind::slow_headers) co_return after;  // a broken response
  trace.finish_reason = finish_text;
  co_return after;
}

}  // namespace llmpace::sim::detail
