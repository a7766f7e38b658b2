#include "llmpace/prom/push.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>

#include "llmpace/core/error.hpp"
#include "llmpace/http/connection.hpp"
#include "llmpace/http/tls_context.hpp"
#include "llmpace/prom/report_metrics.hpp"

namespace llmpace::prom {
namespace {

namespace asio = boost::asio;

/// The first line of a response body, at most 200 bytes, for an error message.
std::string first_line(std::string_view body) {
  body = body.substr(0, std::min(body.find_first_of("\r\n"), body.size()));
  if (body.size() > 200) return std::string(body.substr(0, 200)) + "...";
  return std::string(body);
}

}  // namespace

http::Url parse_push_gateway(std::string_view text) {
  try {
    return http::parse_url(text);
  } catch (const ConfigError& error) {
    // parse_url's advice for credentials names the target's api key and header settings, which
    // do not apply to a Pushgateway.
    std::string message = error.what();
    const std::string_view advice = ": pass a key with {api_key} or a header with {header}";
    if (const auto at = message.find(advice); at != std::string::npos) {
      message.erase(at, advice.size());
    }
    throw ConfigError(message);
  }
}

PushResult push_report(const http::Url& gateway, const Grouping& grouping,
                       const report::Report& report, const RunInfo& info, double now_unix_s,
                       const PushOptions& options) {
  check_info_labels(info.labels);
  const PushRequest push = push_request(report, grouping, info, now_unix_s);
  PushResult result{
      .method = push.method, .url = gateway.to_string() + push.path, .http_status = 0};

  http::ClientOptions client;
  client.base_url = gateway;
  client.tls = options.tls;
  client.timeouts.connect = options.timeout;
  client.timeouts.tls_handshake = options.timeout;
  client.timeouts.idle = options.timeout;
  client.timeouts.request_total = options.timeout;
  const auto tls_context = http::make_client_tls_context(client.tls);

  asio::io_context io;
  http::Connection connection(io.get_executor(), client, tls_context);
  const http::HttpRequest request{.method = push.method,
                                  .target = push.path,
                                  .body = push.body,
                                  .content_type = kExpositionContentType,
                                  .accept = "*/*"};
  std::string body;
  const http::Connection::BodyHandler on_body = [&body](int, std::string_view bytes, TimePoint) {
    if (body.size() < 4096) body.append(bytes);
  };
  http::ExchangeOutcome outcome;
  const TimePoint deadline = SteadyClock::now() + options.timeout;
  auto exchange = [&]() -> asio::awaitable<void> {
    outcome = co_await connection.async_exchange(request, on_body, deadline);
  };
  auto done = asio::co_spawn(io, exchange(), asio::use_future);
  io.run();
  done.get();

  result.http_status = outcome.http_status;
  if (outcome.http_status >= 200 && outcome.http_status < 300 && outcome.ok()) return result;
  if (outcome.http_status != 0) {
    const std::string detail = first_line(body);
    throw RunError(fmt::format("push to {} failed: HTTP {}{}{}", result.url, outcome.http_status,
                               detail.empty() ? "" : ": ", detail));
  }
  throw RunError(fmt::format("push to {} failed: {}", result.url,
                             outcome.error_message.empty() ? std::string(to_string(outcome.error))
                                                           : outcome.error_message));
}

double unix_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace llmpace::prom
