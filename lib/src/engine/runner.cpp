#include "llmpace/engine/runner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdlib>
#include <list>
#include <optional>

#include "llmpace/core/error.hpp"
#include "llmpace/engine/request_execution.hpp"
#include "llmpace/http/connection.hpp"
#include "llmpace/openai/chunk_decoder.hpp"

namespace llmpace::engine {

namespace asio = boost::asio;
using profile::ProfileKind;

namespace {

/// The state of one benchmark while it runs. Lives on Runner::run's stack; everything in it is
/// touched only from the io_context thread.
struct BenchmarkRun {
  BenchmarkRun(const Target& target_in, const workload::SyntheticPromptSource& prompts_in,
               const profile::ProfileSpec& spec_in)
      : target(target_in), prompts(prompts_in), spec(spec_in), deadline_timer(io), signals(io) {}

  const Target& target;
  const workload::SyntheticPromptSource& prompts;
  const profile::ProfileSpec& spec;

  asio::io_context io;
  asio::steady_timer deadline_timer;
  asio::signal_set signals;
  std::list<http::Connection> connections;  // one per stream; stable addresses for cancel()
  std::vector<metrics::RequestRecord> records;
  std::uint64_t next_index = 0;
  int active_streams = 0;
  bool stopping = false;
  bool interrupted = false;
  TimePoint stop_time;

  bool may_start_another() const {
    return !stopping &&
           (!spec.max_requests || next_index < static_cast<std::uint64_t>(*spec.max_requests));
  }

  /// Stops starting requests and cancels those in flight. Idempotent.
  void stop() {
    if (stopping) return;
    stopping = true;
    stop_time = SteadyClock::now();
    for (auto& connection : connections) connection.cancel();
  }

  void on_stream_finished() {
    if (--active_streams > 0) return;
    deadline_timer.cancel();
    boost::system::error_code ignored;
    signals.cancel(ignored);
  }

  asio::awaitable<void> async_stream(http::Connection& connection) {
    openai::ChunkDecoder decoder(target.api);
    while (may_start_another()) {
      metrics::RequestRecord record;
      record.index = next_index++;
      record.scheduled = SteadyClock::now();
      const workload::Prompt prompt = prompts.prompt_for(record.index);
      co_await async_execute_request(target, connection, decoder, prompt, record);
      records.push_back(std::move(record));
    }
    on_stream_finished();
  }

  void watch_signals() {
    signals.async_wait([this](const boost::system::error_code& error, int /*signal*/) {
      if (error) return;
      if (stopping && interrupted) std::_Exit(kExitInterrupted);  // second signal: leave now
      interrupted = true;
      stop();
      watch_signals();
    });
  }
};

}  // namespace

Runner::Runner(Target target, workload::SyntheticPromptSource prompts, RunnerOptions options)
    : target_(std::move(target)), prompts_(prompts), options_(options) {}

metrics::BenchmarkResult Runner::run(const profile::ProfileSpec& spec) {
  BenchmarkRun run(target_, prompts_, spec);
  const int streams = spec.kind == ProfileKind::synchronous ? 1 : spec.streams;

  if (options_.handle_signals) {
    run.signals.add(SIGINT);
    run.signals.add(SIGTERM);
    run.watch_signals();
  }

  metrics::BenchmarkResult result;
  result.profile = std::string(profile::to_string(spec.kind));
  result.rate = spec.report_rate();
  result.start = SteadyClock::now();
  if (spec.max_duration) {
    run.deadline_timer.expires_at(result.start + *spec.max_duration);
    run.deadline_timer.async_wait([&run](const boost::system::error_code& error) {
      if (!error) run.stop();
    });
  }
  run.active_streams = streams;
  for (int stream = 0; stream < streams; ++stream) {
    auto& connection =
        run.connections.emplace_back(run.io.get_executor(), target_.client, target_.tls_context);
    asio::co_spawn(run.io, run.async_stream(connection), asio::detached);
  }
  if (options_.on_start) options_.on_start(spec);
  run.io.run();

  // A benchmark stopped by its clock ends at the stop; one that ran out of requests ends when
  // its last request did.
  result.end = run.stopping ? run.stop_time : SteadyClock::now();
  result.interrupted = run.interrupted;
  result.records = std::move(run.records);
  interrupted_ = interrupted_ || run.interrupted;
  return result;
}

}  // namespace llmpace::engine
