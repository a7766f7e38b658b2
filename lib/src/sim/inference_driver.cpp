// InferenceDriver: the real-time loop around InferenceModel; see inference_driver.hpp.
#include "inference_driver.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <utility>

namespace llmpace::sim::detail {
namespace asio = boost::asio;

InferenceDriver::InferenceDriver(const GpuPreset& preset, double jitter, std::uint64_t seed,
                                 SimMetrics& metrics,
                                 std::vector<asio::any_io_executor> session_executors)
    : preset_(preset),
      jitter_(jitter),
      metrics_(metrics),
      session_executors_(std::move(session_executors)),
      model_(preset),
      rng_(seed) {
  io_.emplace(1);
  step_timer_.emplace(*io_);
  publish_gauges();
}

InferenceDriver::~InferenceDriver() { stop(); }

void InferenceDriver::start() {
  thread_ = std::thread([this] {
    const auto guard = asio::make_work_guard(*io_);
    io_->run();
  });
}

void InferenceDriver::stop() {
  if (stopped_.exchange(true)) return;
  if (io_) io_->stop();
  if (thread_.joinable()) thread_.join();
  // Pending posts hold tickets whose timers belong to the sessions' io contexts, which the caller
  // destroys next: drop them all now.
  tickets_.clear();
  step_timer_.reset();
  io_.reset();
}

double InferenceDriver::now_s() const { return to_seconds(SteadyClock::now() - epoch_); }

void InferenceDriver::submit(std::shared_ptr<InferenceTicket> ticket, std::int64_t prompt_tokens,
                             std::int64_t output_tokens,
                             std::vector<std::uint64_t> prompt_block_hashes) {
  if (stopped_.load(std::memory_order_relaxed)) return;
  asio::post(*io_, [this, ticket = std::move(ticket), prompt_tokens, output_tokens,
                    hashes = std::move(prompt_block_hashes)]() mutable {
    ticket->request_id =
        model_.add_request(now_s(), prompt_tokens, output_tokens, std::move(hashes));
    tickets_.emplace(ticket->request_id, std::move(ticket));
    if (!stepping_) start_step();
  });
}

void InferenceDriver::abort(std::shared_ptr<InferenceTicket> ticket) {
  if (stopped_.load(std::memory_order_relaxed)) return;
  asio::post(*io_, [this, ticket = std::move(ticket)] {
    if (ticket->request_id < 0) return;
    model_.abort(ticket->request_id);
    tickets_.erase(ticket->request_id);
    publish_gauges();
  });
}

void InferenceDriver::start_step() {
  const TimePoint started = SteadyClock::now();
  StepResult result = model_.step(to_seconds(started - epoch_));
  if (!result.empty()) {
    ++steps_total_;
    busy_slots_total_ += result.running;
  }
  publish_gauges();
  if (result.empty()) {
    stepping_ = false;
    return;
  }
  stepping_ = true;
  std::vector<std::pair<RequestId, InferenceEvent>> admitted;
  for (const RequestId id : result.admitted) {
    admitted.push_back({id, {InferenceEvent::Kind::scheduled, 0, started}});
  }
  deliver(admitted);

  // Clamped to 3 sigma, so a step never takes less than (1 - 3 * jitter) of its price.
  const double factor =
      jitter_ > 0.0 ? std::max(0.0, 1.0 + jitter_ * std::clamp(standard_normal(rng_), -3.0, 3.0))
                    : 1.0;
  const double priced_s = result.end_s - result.start_s;
  const Nanoseconds duration = from_seconds(priced_s * factor);
  {
    // Recorded now with its planned end, so that a scrape during a long step sees it running; a
    // late timer then shows as idle time before the next step, as a slow CPU idles a GPU. The
    // roofline's compute and memory times count as shares of the priced duration (the jitter
    // scales all three alike).
    const std::lock_guard lock{gpu_mutex_};
    gpu_.on_step(result.start_s, result.start_s + to_seconds(duration), result.compute_s / priced_s,
                 result.memory_s / priced_s);
  }
  step_timer_->expires_at(started + duration);
  step_timer_->async_wait(
      [this, result = std::move(result)](boost::system::error_code error) mutable {
        if (!error) finish_step(std::move(result));
      });
}

void InferenceDriver::finish_step(StepResult result) {
  const TimePoint ended = SteadyClock::now();
  std::vector<std::pair<RequestId, InferenceEvent>> tokens;
  tokens.reserve(result.tokens.size());
  for (const TokenEvent& token : result.tokens) {
    tokens.push_back({token.request, {InferenceEvent::Kind::token, token.index, ended}});
  }
  deliver(tokens);
  for (const RequestId id : result.finished) tickets_.erase(id);
  start_step();
}

void InferenceDriver::deliver(const std::vector<std::pair<RequestId, InferenceEvent>>& events) {
  if (events.empty()) return;
  // One post per io thread per step: (ticket, event) pairs grouped by the session's thread.
  using Batch = std::vector<std::pair<std::shared_ptr<InferenceTicket>, InferenceEvent>>;
  std::vector<Batch> batches(session_executors_.size());
  for (const auto& [id, event] : events) {
    const auto found = tickets_.find(id);
    if (found == tickets_.end()) continue;  // aborted meanwhile
    batches[found->second->thread].emplace_back(found->second, event);
  }
  for (std::size_t thread = 0; thread < batches.size(); ++thread) {
    if (batches[thread].empty()) continue;
    asio::post(session_executors_[thread], [batch = std::move(batches[thread])] {
      for (const auto& [ticket, event] : batch) {
        ticket->events.push_back(event);
        ticket->wake.cancel();
      }
    });
  }
}

void InferenceDriver::publish_gauges() {
  const std::int64_t kv_tokens = model_.kv_blocks_used() * preset_.block_size_tokens;
  const std::int64_t kv_bytes = kv_tokens * kv_bytes_per_token(preset_.model);
  {
    const std::lock_guard lock{gpu_mutex_};
    kv_bytes_in_use_ = kv_bytes;
  }
  metrics_.set_inference_gauges({.running = model_.running(),
                                 .waiting = model_.waiting(),
                                 .kv_cache_usage = model_.kv_usage_fraction(),
                                 .preemptions_total = model_.preemptions_total(),
                                 .prefix_cache_queries_total = model_.prefix_cache_queries_total(),
                                 .prefix_cache_hits_total = model_.prefix_cache_hits_total(),
                                 .kv_cache_tokens = kv_tokens,
                                 .steps_total = steps_total_,
                                 .busy_slots_total = busy_slots_total_,
                                 .prompt_tokens_total = model_.prompt_tokens_total(),
                                 .generation_tokens_total = model_.generation_tokens_total()});
}

GpuSnapshot InferenceDriver::snapshot() const {
  const std::lock_guard lock{gpu_mutex_};
  GpuSnapshot snapshot;
  snapshot.kv_bytes_in_use = kv_bytes_in_use_;
  snapshot.sample = sample_gpu(preset_, gpu_, kv_bytes_in_use_, now_s());
  return snapshot;
}

}  // namespace llmpace::sim::detail
