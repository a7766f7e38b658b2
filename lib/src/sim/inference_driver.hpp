// Private to the simulator: InferenceDriver runs one InferenceModel in real time on its own thread,
// the way vLLM's EngineCore runs the scheduler apart from the API server, and hands every token to
// the session that serves its request.
//
// Flow of one request: the session makes an InferenceTicket bound to its own executor and calls
// submit(); the driver adds the request to the model at the current time (seconds since the
// driver started) and, if the model was idle, starts a step at once. Each step is priced by the
// model (with seeded, clamped Gaussian jitter on its duration) and a timer fires at its end; the
// driver then posts the step's events to the sessions, one post per io thread per step: a
// `scheduled` event when a request is first admitted (its end of queue time, delivered at the
// step's start) and a `token` event per output token at the step's end. The next step starts as
// soon as the previous one ends, at the actual time (a late timer delays the model, as a slow
// CPU would delay vLLM's). A session that ends early calls abort(), which frees the request's KV
// blocks, as vLLM does when a client disconnects.
//
// Thread affinity: submit(), abort() and snapshot() are safe from any thread. Everything else
// runs on the driver's own thread. An InferenceTicket's events and timer belong to its session's
// executor. Lifetime: construct with the io executors of the sessions; start() once; stop()
// joins the thread and drops every pending event (tickets included) while the sessions' io
// contexts still exist; after stop(), submit() and abort() do nothing.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "llmpace/core/random.hpp"
#include "llmpace/core/time.hpp"
#include "llmpace/sim/gpu_preset.hpp"
#include "llmpace/sim/gpu_telemetry.hpp"
#include "llmpace/sim/inference_model.hpp"
#include "llmpace/sim/sim_metrics.hpp"

namespace llmpace::sim::detail {

/// What the inference model tells a session about its request.
struct InferenceEvent {
  enum class Kind { scheduled, token };
  Kind kind = Kind::token;
  std::int64_t token_index = 0;  ///< for tokens: 0 for the first output token
  TimePoint time;                ///< when the model produced it (step start or end)
};

/// One request's mailbox between the driver and its session. `events` and `wake` are touched
/// only on the session's executor; `request_id` only on the driver's thread.
struct InferenceTicket {
  InferenceTicket(boost::asio::any_io_executor session_executor, unsigned session_thread)
      : wake(std::move(session_executor)), thread(session_thread) {}

  boost::asio::steady_timer wake;  ///< the session waits on it; a delivery cancels it
  std::deque<InferenceEvent> events;
  unsigned thread;  ///< index of the session's io thread
  RequestId request_id = -1;
};

/// The GPU as the DCGM endpoint shows it.
struct GpuSnapshot {
  std::int64_t kv_bytes_in_use = 0;
  GpuSample sample;
};

class InferenceDriver {
 public:
  /// `session_executors[i]` is the executor of io thread i. Throws std::invalid_argument if the
  /// preset has no KV budget (see InferenceModel).
  InferenceDriver(const GpuPreset& preset, double jitter, std::uint64_t seed, SimMetrics& metrics,
                  std::vector<boost::asio::any_io_executor> session_executors);
  ~InferenceDriver();
  InferenceDriver(const InferenceDriver&) = delete;
  InferenceDriver& operator=(const InferenceDriver&) = delete;

  void start();
  void stop();

  /// Queues a request for the model. The caller has checked that it fits (max_model_len).
  void submit(std::shared_ptr<InferenceTicket> ticket, std::int64_t prompt_tokens,
              std::int64_t output_tokens, std::vector<std::uint64_t> prompt_block_hashes);
  /// Drops the request of `ticket` if it is still queued or running.
  void abort(std::shared_ptr<InferenceTicket> ticket);

  /// GPU telemetry now (utilisation, tensor and DRAM activity over the last second, SM clock,
  /// memory, power, temperature), with the preset's own power model.
  GpuSnapshot snapshot() const;

  const GpuPreset& preset() const { return preset_; }

 private:
  double now_s() const;
  void start_step();
  void finish_step(StepResult result);
  void deliver(const std::vector<std::pair<RequestId, InferenceEvent>>& events);
  void publish_gauges();

  const GpuPreset preset_;
  const double jitter_;
  SimMetrics& metrics_;
  const std::vector<boost::asio::any_io_executor> session_executors_;
  const TimePoint epoch_ = SteadyClock::now();

  std::optional<boost::asio::io_context> io_;
  std::optional<boost::asio::steady_timer> step_timer_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};

  // Driver thread only.
  InferenceModel model_;
  std::unordered_map<RequestId, std::shared_ptr<InferenceTicket>> tickets_;
  bool stepping_ = false;
  std::int64_t steps_total_ = 0;       // non-empty steps run
  std::int64_t busy_slots_total_ = 0;  // sum of their running requests
  Rng rng_;

  mutable std::mutex gpu_mutex_;  // guards gpu_ and kv_bytes_in_use_
  GpuActivity gpu_;
  std::int64_t kv_bytes_in_use_ = 0;
};

}  // namespace llmpace::sim::detail
