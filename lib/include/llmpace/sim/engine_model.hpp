// EngineModel: a pure, deterministic continuous-batching step loop in the style of vLLM's V1
// scheduler, simplified, priced with the roofline of an EnginePreset (roofline.hpp).
//
// Time is a double in seconds that the caller passes in and gets back; there is no clock, no I/O
// and no Asio. The caller drives it: `r = step(now)`, then `now = r.end_s`; when a step comes back
// empty (end_s == start_s), nothing is runnable and the caller waits for next_arrival_s().
//
// Thread affinity: none. An EngineModel is a plain value with no shared state; use one from one
// thread at a time (it is not synchronised). Two models built and driven the same way produce
// identical results.
//
// The model, per step:
// - Requests whose arrival_s <= now_s join the waiting queue in (arrival_s, id) order.
// - Running requests are visited in admission order (oldest first). A decoding request schedules
//   one token; if that token starts a new KV block and no block is free, the most recently
//   admitted running request is preempted (recompute preemption: all its blocks are freed, it goes
//   to the FRONT of the waiting queue and must later re-prefill prompt + tokens generated so far);
//   that may be the visited request itself. A running request in the middle of a chunked prefill
//   then gets the next chunk, as far as the step's token budget allows (it holds blocks for its
//   whole prefill since admission, so it never needs more during the prefill).
// - If nothing was preempted in this step, waiting requests are admitted FCFS (head-of-line
//   blocking: the first that does not fit stops admission) while running < max_num_seqs, the token
//   budget (max_num_batched_tokens minus the tokens already scheduled) is not used up, and blocks
//   for the whole prefill (ceil(tokens / block_size_tokens)) are free. A prefill larger than the
//   remaining budget is chunked across steps.
// - The step lasts roofline step_s of the batch formed: weights once, every decode (with its
//   context) and every prefill chunk (with its earlier chunks as context). A request whose
//   prefill completes, or that decodes, in the step produces one token at end_s (the prefill's
//   token is its TokenEvent index 0, or index = generated-so-far after a preemption). A request
//   that has produced output_tokens tokens finishes: its blocks are freed.
//
// What it leaves out: prefix caching; swap preemption and priority scheduling; max_model_len,
// stop strings, sampling and detokenisation (every request generates exactly output_tokens);
// CPU/GPU overlap (async scheduling) and speculative decoding; any randomness or jitter; the
// KV-cache watermark and the partial-prefill limits vLLM applies; per-request kernel efficiency
// (roofline at peak rates, see roofline.hpp).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "llmpace/sim/gpu_preset.hpp"

namespace llmpace::sim {

using RequestId = std::int64_t;

/// One output token produced at `time_s` (the end of the step that produced it).
struct TokenEvent {
  RequestId request = 0;
  std::int64_t index = 0;  ///< 0 for the first output token
  double time_s = 0.0;
};

/// What one engine step did. running, waiting, kv_blocks_used describe the batch as scheduled
/// (after preemptions and admissions, before the step's finished requests free their blocks).
struct StepResult {
  double start_s = 0.0;
  double end_s = 0.0;  ///< start_s + roofline step_s of the batch; start_s if the step was empty
  std::vector<TokenEvent> tokens;
  std::vector<RequestId> finished;
  std::vector<RequestId> preempted;
  /// Requests scheduled for the first time in this step (they left the waiting queue for good
  /// unless preempted later): vLLM's end of queue time.
  std::vector<RequestId> admitted;
  std::int64_t running = 0;  ///< requests in the batch (running after scheduling)
  std::int64_t waiting = 0;  ///< arrived requests left waiting after scheduling
  std::int64_t prefill_tokens = 0;
  std::int64_t decode_sequences = 0;
  std::int64_t kv_blocks_used = 0;

  bool empty() const { return running == 0; }
};

class EngineModel {
 public:
  /// Copies the preset. Throws std::invalid_argument if its KV budget is zero blocks or a
  /// scheduler limit is not positive.
  explicit EngineModel(const EnginePreset& preset);

  /// Queues a request that arrives at arrival_s. Throws std::invalid_argument if prompt_tokens < 1,
  /// output_tokens < 1, or the request could never fit alone: its largest KV footprint,
  /// prompt_tokens + output_tokens - 1 tokens (the last token's KV is never written), needs more
  /// blocks than the budget. (Checking only the prompt would let such a request preempt itself
  /// forever.) Ids are 0, 1, 2, ... in call order.
  RequestId add_request(double arrival_s, std::int64_t prompt_tokens, std::int64_t output_tokens);

  /// Runs one engine step that starts at now_s (see the header comment).
  StepResult step(double now_s);

  /// Drops a request wherever it is (not arrived, waiting or running) and frees its KV blocks,
  /// as vLLM does when a client disconnects. Finished, aborted or unknown ids are ignored.
  void abort(RequestId id);

  /// Earliest arrival_s of a request not yet arrived at the last step, if any.
  std::optional<double> next_arrival_s() const;
  /// True while any request is running, waiting or not yet arrived.
  bool has_work() const;

  double kv_usage_fraction() const;  ///< used blocks / budget blocks
  std::int64_t kv_blocks_used() const { return blocks_used_; }
  std::int64_t kv_budget_blocks() const { return budget_blocks_; }
  std::int64_t running() const { return static_cast<std::int64_t>(running_.size()); }
  /// Arrived requests waiting to be (re)admitted; requests not yet arrived are not counted.
  std::int64_t waiting() const { return static_cast<std::int64_t>(waiting_.size()); }

  std::int64_t preemptions_total() const { return preemptions_total_; }
  /// Prompt tokens of requests whose first prefill completed; a re-prefill after a preemption is
  /// not counted again.
  std::int64_t prompt_tokens_total() const { return prompt_tokens_total_; }
  std::int64_t generation_tokens_total() const { return generation_tokens_total_; }

 private:
  struct Request {
    RequestId id = 0;
    double arrival_s = 0.0;
    std::int64_t prompt_tokens = 0;
    std::int64_t output_tokens = 0;
    std::int64_t generated = 0;  ///< output tokens produced so far
    std::int64_t computed = 0;   ///< tokens whose KV is in the cache
    std::int64_t blocks = 0;     ///< KV blocks held
    bool prefilling = false;     ///< admitted, KV of its known tokens not all computed yet
    bool prompt_counted = false;
    bool admitted_once = false;
    bool done = false;  ///< finished or aborted
    /// Tokens known so far: prompt + generated. When computed reaches it, a token is sampled.
    std::int64_t known_tokens() const { return prompt_tokens + generated; }
  };

  std::int64_t blocks_for(std::int64_t tokens) const;
  void free_blocks(Request& request);

  EnginePreset preset_;
  std::int64_t budget_blocks_ = 0;
  std::int64_t blocks_used_ = 0;
  std::vector<Request> requests_;   ///< indexed by RequestId
  std::vector<RequestId> pending_;  ///< not yet arrived, sorted by (arrival_s, id)
  std::deque<RequestId> waiting_;   ///< arrived, FCFS (preempted ones at the front)
  std::vector<RequestId> running_;  ///< admission order, oldest first
  std::int64_t preemptions_total_ = 0;
  std::int64_t prompt_tokens_total_ = 0;
  std::int64_t generation_tokens_total_ = 0;
};

}  // namespace llmpace::sim
