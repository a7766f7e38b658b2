// async_execute_request against an embedded simulator on 127.0.0.1: what one request's record
// holds when it succeeds, and the error kind when the target cannot be reached.
#include "llmpace/engine/request_execution.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <variant>

#include "llmpace/sim/sim_request.hpp"
#include "unit/engine/engine_fixture.hpp"

namespace asio = boost::asio;
using llmpace::ErrorKind;
using llmpace::TimePoint;
using llmpace::engine::Target;
using llmpace::http::Connection;
using llmpace::metrics::RequestRecord;
using llmpace::metrics::RequestStatus;
using llmpace::metrics::TokenCountSource;
using llmpace::openai::ApiKind;
using llmpace::openai::ChunkDecoder;
using llmpace::test::start_sim;
using llmpace::test::target_for;
using llmpace::workload::Prompt;
using namespace std::chrono_literals;

namespace {

/// Runs `prompts` one after the other on one connection to `target`; one record each.
std::vector<RequestRecord> execute(const Target& target, const std::vector<Prompt>& prompts) {
  asio::io_context io;
  Connection connection(io.get_executor(), target.client, target.tls_context);
  ChunkDecoder decoder(target.api);
  std::vector<RequestRecord> records(prompts.size());
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (std::size_t i = 0; i < prompts.size(); ++i) {
          records[i].index = i;
          records[i].scheduled = llmpace::SteadyClock::now();
          co_await llmpace::engine::async_execute_request(target, connection, decoder, prompts[i],
                                                          records[i]);
        }
        finished = true;
      },
      asio::detached);
  io.run_for(20s);
  REQUIRE(finished);
  return records;
}

Prompt prompt_of(std::string text, std::int64_t output_tokens) {
  Prompt prompt;
  prompt.text = std::move(text);
  prompt.output_tokens = output_tokens;
  return prompt;
}

/// The simulator's count of a chat request with one user message `text`.
std::int64_t sim_chat_prompt_tokens(const std::string& text) {
  const nlohmann::json request = {{"messages", {{{"role", "user"}, {"content", text}}}}};
  const auto ids = llmpace::sim::chat_prompt_token_ids(request);
  REQUIRE(std::holds_alternative<std::vector<std::int64_t>>(ids));
  return static_cast<std::int64_t>(std::get<std::vector<std::int64_t>>(ids).size());
}

}  // namespace

TEST_CASE("a streamed chat request fills its record from the server's answer") {
  const auto sim = start_sim();
  const Target target = target_for(sim->base_url());
  const auto records = execute(target, {prompt_of("one two three four", 6), prompt_of("five", 3)});
  const RequestRecord& record = records.front();

  CHECK(record.status == RequestStatus::successful);
  CHECK(record.error_kind == ErrorKind::none);
  CHECK(record.http_status == 200);
  CHECK(record.output_tokens == 6);
  CHECK(record.output_tokens_source == TokenCountSource::server_usage);
  CHECK(record.prompt_tokens == sim_chat_prompt_tokens("one two three four"));
  CHECK(record.prompt_tokens_source == TokenCountSource::server_usage);
  CHECK(record.finish_reason == "length");  // max_tokens with ignore_eos
  CHECK(records[1].output_tokens == 3);

  // Times in order: scheduled, sent, first byte, first token, every token chunk, done.
  CHECK(record.scheduled <= record.sent);
  CHECK(record.sent <= record.first_byte);
  CHECK(record.first_byte <= record.first_token);
  REQUIRE(record.token_chunk_times.size() == 6);
  CHECK(record.token_chunk_times.front() == record.first_token);
  TimePoint previous = record.first_token;
  for (const TimePoint time : record.token_chunk_times) {
    CHECK(time >= previous);
    CHECK(time <= record.done);
    previous = time;
  }
  CHECK(record.done - record.sent < 5s);
}

TEST_CASE("request ids are llmpace-<16 hex digits>-<n>, one process nonce, never repeated") {
  const auto sim = start_sim();
  const auto records = execute(target_for(sim->base_url()),
                               {prompt_of("a", 1), prompt_of("b", 1), prompt_of("c", 1)});
  const std::regex format("llmpace-([0-9a-f]{16})-([0-9]+)");
  std::set<std::string> ids;
  std::set<std::string> nonces;
  for (const RequestRecord& record : records) {
    std::smatch match;
    REQUIRE(std::regex_match(record.request_id, match, format));
    nonces.insert(match[1]);
    ids.insert(record.request_id);
  }
  CHECK(ids.size() == 3);
  CHECK(nonces.size() == 1);
}

TEST_CASE("a completions request counts the prompt as the server does") {
  const auto sim = start_sim();
  Target target = target_for(sim->base_url());
  target.api = ApiKind::completions;
  const auto records = execute(target, {prompt_of("alpha beta gamma", 5)});
  CHECK(records.front().status == RequestStatus::successful);
  CHECK(records.front().prompt_tokens == 4);  // BOS and one token per word
  CHECK(records.front().output_tokens == 5);
  CHECK(records.front().token_chunk_times.size() == 5);
}

TEST_CASE("an unreachable port is a connect error, recorded without an exception") {
  std::uint16_t port;
  {
    asio::io_context probe_io;
    asio::ip::tcp::acceptor probe(probe_io, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }  // closed again: nothing listens there
  const auto records =
      execute(target_for("http://127.0.0.1:" + std::to_string(port)), {prompt_of("x", 4)});
  const RequestRecord& record = records.front();
  CHECK(record.status == RequestStatus::errored);
  CHECK(record.error_kind == ErrorKind::connect);
  CHECK_THAT(record.error_message, Catch::Contains("cannot connect"));
  CHECK(record.http_status == 0);
  CHECK_FALSE(RequestRecord::is_set(record.sent));
  CHECK(RequestRecord::is_set(record.done));
  CHECK(record.token_chunk_times.empty());
}
