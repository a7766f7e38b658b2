// InferenceModel: a pure, deterministic continuous-batching step loop in the style of vLLM's V1
// scheduler, simplified, priced with the roofline of a GpuPreset (roofline.hpp).
//
// Time is a double in seconds that the caller passes in and gets back; there is no clock, no I/O
// and no Asio. The caller drives it: `r = step(now)`, then `now = r.end_s`; when a step comes back
// empty (end_s == start_s), nothing is runnable and the caller waits for next_arrival_s().
//
// Thread affinity: none. An InferenceModel is a plain value with no shared state; use one from one
// thread at a time (it is not synchronised). Two models built and driven the same way produce
// identical results.
//
// The model, per step:
// - Requests whose arrival_s <= now_s join the waiting queue in (arrival_s, id) order.
// - Running requests are visited in admission order (oldest first). A decoding request schedules
//   one token; if that token starts a new KV block and no block is free, the most recently
//   admitted running request is preempted (recompute preemption: all its blocks are released, it
//   goes to the FRONT of the waiting queue and must later re-prefill prompt + tokens generated so
//   far, less any prefix-cache hit);
//   that may be the visited request itself. A running request in the middle of a chunked prefill
//   then gets the next chunk, as far as the step's token budget allows (it holds blocks for its
//   whole prefill since admission, so it never needs more during the prefill).
// - If nothing was preempted in this step, waiting requests are admitted FCFS (head-of-line
//   blocking: the first that does not fit stops admission) while running < max_num_seqs, the token
//   budget (max_num_batched_tokens minus the tokens already scheduled) is not used up, and blocks
//   for the whole prefill (ceil(tokens / block_size_tokens), fewer with a prefix-cache hit, see
//   below) are free. A prefill larger than the remaining budget is chunked across steps.
// - The step lasts roofline step_s of the batch formed: weights once, every decode (with its
//   context) and every prefill chunk (with its earlier chunks as context). A request whose
//   prefill completes, or that decodes, in the step produces one token at end_s (the prefill's
//   token is its TokenEvent index 0, or index = generated-so-far after a preemption). A request
//   that has produced output_tokens tokens finishes: its blocks are released.
//
// Prefix caching (on unless the model is built with prefix_caching = false; vLLM V1 enables it by
// default), in the style of vLLM V1's KVCacheManager:
// - The caller may pass one chained hash per full prompt block (hash i stands for prompt tokens
//   0 .. (i + 1) * block_size_tokens - 1). Blocks past the last hash are never cached.
// - KV blocks are reference counted and may be shared. At every admission, including a
//   re-admission after a preemption, the longest run of the request's leading hashes found in the
//   cache is its hit: those blocks are shared (refcount + 1) and their tokens count as computed, so
//   its prefill starts after them with them as context. The hit is capped at known tokens - 1,
//   rounded down to whole blocks, so at least one token is computed to sample from (an identical
//   prompt recomputes its last block, as vLLM does). Admission needs free blocks only for the rest
//   of its prefill plus the hit blocks nobody held; free blocks include cached blocks nobody holds.
// - When a step completes a full prompt block that has a hash, the block is cached under it,
//   unless that hash is already cached (then the cached block stays and this one is a private
//   copy). Decode-generated blocks have no hash and are never cached.
// - A request that finishes, is preempted or is aborted releases its blocks, last block first.
//   A block nobody holds stays cached (evictable) if it has a hash, else it is plainly free. A new
//   block is a plainly free one if any, else the cached block released longest ago (its hash is
//   evicted).
// - KV usage (kv_blocks_used, kv_usage_fraction) counts blocks held by requests (refcount > 0);
//   cached blocks nobody holds are free, as in vLLM's kv_cache_usage.
// - Counters, in tokens: at every admission, queries += known tokens and hits += hit tokens.
//   (Recent vLLM counts the lookups of re-admitted requests apart, in preempted_queries and
//   preempted_hits, and exports only the others; here both kinds are counted.)
//
// What it leaves out: hashing tokens (the caller's job) and caching decode-generated blocks; vLLM's
// single free-block queue (it recycles uncached and cached free blocks in one LRU order, so it may
// evict a cached block while an uncached free one exists); swap preemption and priority
// scheduling; max_model_len, stop strings, sampling and detokenisation (every request generates
// exactly output_tokens); CPU/GPU overlap (async scheduling) and speculative decoding; any
// randomness or jitter; the KV-cache watermark and the partial-prefill limits vLLM applies;
// per-request kernel efficiency (roofline at peak rates, see roofline.hpp).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
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

/// What one model step did. running, waiting, kv_blocks_used describe the batch as scheduled
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
  /// The roofline's two prices of the batch (roofline.hpp), before the step overhead: HBM time
  /// and dense compute time at peak rates. end_s - start_s is the overhead plus the larger one.
  double memory_s = 0.0;
  double compute_s = 0.0;

  bool empty() const { return running == 0; }
};

class InferenceModel {
 public:
  /// Copies the preset. prefix_caching switches automatic prefix caching (see the header comment);
  /// off, no block is ever cached or shared and no lookup is counted. Throws std::invalid_argument
  /// if the preset's KV budget is zero blocks or a scheduler limit is not positive.
  explicit InferenceModel(const GpuPreset& preset, bool prefix_caching = true);

  /// Queues a request that arrives at arrival_s. prompt_block_hashes holds one chained hash per
  /// full block of the prompt, from the first (hash i stands for prompt tokens
  /// 0 .. (i + 1) * block_size_tokens - 1); fewer hashes than full blocks, or none, leave the rest
  /// uncacheable. Throws std::invalid_argument if prompt_tokens < 1, output_tokens < 1, there are
  /// more hashes than full prompt blocks (prompt_tokens / block_size_tokens), or the request could
  /// never fit alone: its largest KV footprint, prompt_tokens + output_tokens - 1 tokens (the last
  /// token's KV is never written), needs more blocks than the budget. (Checking only the prompt
  /// would let such a request preempt itself forever.) Ids are 0, 1, 2, ... in call order.
  RequestId add_request(double arrival_s, std::int64_t prompt_tokens, std::int64_t output_tokens,
                        std::vector<std::uint64_t> prompt_block_hashes = {});

  /// Runs one step that starts at now_s (see the header comment).
  StepResult step(double now_s);

  /// Drops a request wherever it is (not arrived, waiting or running) and releases its KV blocks
  /// (its cached prompt blocks stay cached), as vLLM does when a client disconnects. Finished,
  /// aborted or unknown ids are ignored.
  void abort(RequestId id);

  /// Earliest arrival_s of a request not yet arrived at the last step, if any.
  std::optional<double> next_arrival_s() const;
  /// True while any request is running, waiting or not yet arrived.
  bool has_work() const;

  double kv_usage_fraction() const;  ///< used blocks / budget blocks
  /// Blocks held by at least one request; a block shared by several counts once.
  std::int64_t kv_blocks_used() const { return blocks_used_; }
  /// Cached blocks nobody holds: free, but a later request may hit them until they are evicted.
  std::int64_t kv_blocks_cached() const { return blocks_cached_; }
  std::int64_t kv_budget_blocks() const { return budget_blocks_; }
  bool prefix_caching() const { return prefix_caching_; }
  std::int64_t running() const { return static_cast<std::int64_t>(running_.size()); }
  /// Arrived requests waiting to be (re)admitted; requests not yet arrived are not counted.
  std::int64_t waiting() const { return static_cast<std::int64_t>(waiting_.size()); }

  std::int64_t preemptions_total() const { return preemptions_total_; }
  /// Prompt tokens of requests whose first prefill completed; a re-prefill after a preemption is
  /// not counted again.
  std::int64_t prompt_tokens_total() const { return prompt_tokens_total_; }
  std::int64_t generation_tokens_total() const { return generation_tokens_total_; }
  /// Tokens looked up in the prefix cache: the known tokens of every admission and re-admission.
  /// Zero with prefix caching off.
  std::int64_t prefix_cache_queries_total() const { return prefix_cache_queries_total_; }
  /// Tokens of those lookups found in the cache (the hits, capped as the header comment says).
  std::int64_t prefix_cache_hits_total() const { return prefix_cache_hits_total_; }

 private:
  using BlockId = std::int64_t;
  static constexpr BlockId kNoBlock = -1;

  struct Request {
    RequestId id = 0;
    double arrival_s = 0.0;
    std::int64_t prompt_tokens = 0;
    std::int64_t output_tokens = 0;
    std::int64_t generated = 0;               ///< output tokens produced so far
    std::int64_t computed = 0;                ///< tokens whose KV is in the cache (own or hit)
    std::vector<std::uint64_t> block_hashes;  ///< of the leading full prompt blocks
    std::vector<BlockId> blocks;              ///< KV blocks held, in token order
    /// Leading blocks of `blocks` already hit or offered to the cache; the next full block to
    /// offer is blocks[cache_checked_blocks].
    std::int64_t cache_checked_blocks = 0;
    bool prefilling = false;  ///< admitted, KV of its known tokens not all computed yet
    bool prompt_counted = false;
    bool admitted_once = false;
    bool done = false;  ///< finished or aborted
    /// Tokens known so far: prompt + generated. When computed reaches it, a token is sampled.
    std::int64_t known_tokens() const { return prompt_tokens + generated; }
  };

  /// One KV block of the fixed-budget pool. A block nobody holds is either plainly free (in
  /// free_blocks_) or cached and evictable (in the LRU list through lru_prev/lru_next).
  struct Block {
    std::uint64_t hash = 0;
    std::int64_t refs = 0;  ///< requests holding it
    bool cached = false;    ///< registered in cached_ under hash
    BlockId lru_prev = kNoBlock;
    BlockId lru_next = kNoBlock;
  };

  /// A prefix-cache lookup: how many leading blocks hit, and how many of those nobody holds (they
  /// are free blocks until the hit takes them).
  struct PrefixHit {
    std::int64_t blocks = 0;
    std::int64_t unheld_blocks = 0;
  };

  std::int64_t blocks_for(std::int64_t tokens) const;
  /// The cached run of request's leading hashes, capped so that at least one known token is left
  /// to compute. No hit with prefix caching off.
  PrefixHit find_prefix_hit(const Request& request) const;
  /// Takes a free block: plainly free, else never used, else the least recently released cached.
  BlockId take_free_block();
  /// Releases all blocks of request, last first (so its tail is evicted before its prefix).
  void release_blocks(Request& request);
  /// Marks request done, releases its blocks and drops its per-request vectors.
  void retire(Request& request);
  /// Caches the full prompt blocks with a hash that request has computed and not yet offered.
  void cache_computed_blocks(Request& request);
  void lru_unlink(BlockId id);
  void lru_push_back(BlockId id);

  GpuPreset preset_;
  bool prefix_caching_ = true;
  std::int64_t budget_blocks_ = 0;
  std::int64_t blocks_used_ = 0;    ///< blocks with refs > 0
  std::int64_t blocks_cached_ = 0;  ///< cached blocks with refs == 0 (the LRU list)
  /// Blocks used at least once, indexed by BlockId; ids from pool_.size() to the budget are free
  /// and never used (the pool grows on demand, so a huge budget costs nothing up front).
  std::vector<Block> pool_;
  std::vector<BlockId> free_blocks_;                   ///< plainly free blocks (refs 0, not cached)
  std::unordered_map<std::uint64_t, BlockId> cached_;  ///< hash -> the block cached under it
  BlockId lru_head_ = kNoBlock;                        ///< released longest ago: evicted first
  BlockId lru_tail_ = kNoBlock;
  std::vector<Request> requests_;   ///< indexed by RequestId
  std::vector<RequestId> pending_;  ///< not yet arrived, sorted by (arrival_s, id)
  std::deque<RequestId> waiting_;   ///< arrived, FCFS (preempted ones at the front)
  std::vector<RequestId> running_;  ///< admission order, oldest first
  std::int64_t preemptions_total_ = 0;
  std::int64_t prompt_tokens_total_ = 0;
  std::int64_t generation_tokens_total_ = 0;
  std::int64_t prefix_cache_queries_total_ = 0;
  std::int64_t prefix_cache_hits_total_ = 0;
};

}  // namespace llmpace::sim
