// The continuous-batching step loop of the realistic simulator; the model, its prefix cache and
// what it leaves out are described in inference_model.hpp. Pure and deterministic: no clock, no
// I/O, no randomness.
#include "llmpace/sim/inference_model.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "llmpace/sim/roofline.hpp"

namespace llmpace::sim {
namespace {

// One request's share of the batch formed in a step.
struct Scheduled {
  RequestId id = 0;
  std::int64_t tokens = 0;   // tokens whose KV this step computes
  std::int64_t context = 0;  // tokens of the same request already in the cache
  bool decode = false;
};

}  // namespace

InferenceModel::InferenceModel(const GpuPreset& preset, bool prefix_caching)
    : preset_(preset),
      prefix_caching_(prefix_caching),
      budget_blocks_(llmpace::sim::kv_budget_blocks(preset)) {
  if (budget_blocks_ <= 0) {
    throw std::invalid_argument("engine preset '" + preset.name + "' has no KV-cache budget");
  }
  if (preset_.block_size_tokens <= 0 || preset_.max_num_seqs <= 0 ||
      preset_.max_num_batched_tokens <= 0) {
    throw std::invalid_argument("engine preset '" + preset.name +
                                "' has a non-positive scheduler limit");
  }
}

std::int64_t InferenceModel::blocks_for(std::int64_t tokens) const {
  return (tokens + preset_.block_size_tokens - 1) / preset_.block_size_tokens;
}

InferenceModel::PrefixHit InferenceModel::find_prefix_hit(const Request& request) const {
  PrefixHit hit;
  if (!prefix_caching_) return hit;
  // At least one token must be computed to sample from: whole blocks of known_tokens - 1 at most.
  const std::int64_t max_blocks =
      std::min(static_cast<std::int64_t>(request.block_hashes.size()),
               (request.known_tokens() - 1) / preset_.block_size_tokens);
  for (std::int64_t i = 0; i < max_blocks; ++i) {
    const auto found = cached_.find(request.block_hashes[i]);
    if (found == cached_.end()) break;
    ++hit.blocks;
    if (pool_[found->second].refs == 0) ++hit.unheld_blocks;
  }
  return hit;
}

void InferenceModel::lru_unlink(BlockId id) {
  Block& block = pool_[id];
  if (block.lru_prev != kNoBlock) {
    pool_[block.lru_prev].lru_next = block.lru_next;
  } else {
    lru_head_ = block.lru_next;
  }
  if (block.lru_next != kNoBlock) {
    pool_[block.lru_next].lru_prev = block.lru_prev;
  } else {
    lru_tail_ = block.lru_prev;
  }
  block.lru_prev = kNoBlock;
  block.lru_next = kNoBlock;
  --blocks_cached_;
}

void InferenceModel::lru_push_back(BlockId id) {
  Block& block = pool_[id];
  block.lru_prev = lru_tail_;
  block.lru_next = kNoBlock;
  if (lru_tail_ != kNoBlock) {
    pool_[lru_tail_].lru_next = id;
  } else {
    lru_head_ = id;
  }
  lru_tail_ = id;
  ++blocks_cached_;
}

InferenceModel::BlockId InferenceModel::take_free_block() {
  // Callers check that a block is free: blocks_used_ < budget_blocks_.
  BlockId id = kNoBlock;
  if (!free_blocks_.empty()) {
    id = free_blocks_.back();
    free_blocks_.pop_back();
  } else if (static_cast<std::int64_t>(pool_.size()) < budget_blocks_) {
    id = static_cast<BlockId>(pool_.size());
    pool_.emplace_back();
  } else {
    id = lru_head_;  // evict the cached block released longest ago
    lru_unlink(id);
    cached_.erase(pool_[id].hash);
    pool_[id].cached = false;
  }
  pool_[id].refs = 1;
  ++blocks_used_;
  return id;
}

void InferenceModel::release_blocks(Request& request) {
  for (auto it = request.blocks.rbegin(); it != request.blocks.rend(); ++it) {
    Block& block = pool_[*it];
    if (--block.refs > 0) continue;
    --blocks_used_;
    if (block.cached) {
      lru_push_back(*it);
    } else {
      free_blocks_.push_back(*it);
    }
  }
  request.blocks.clear();
  request.cache_checked_blocks = 0;
}

void InferenceModel::retire(Request& request) {
  request.done = true;
  release_blocks(request);
  std::vector<BlockId>().swap(request.blocks);
  std::vector<std::uint64_t>().swap(request.block_hashes);
}

void InferenceModel::cache_computed_blocks(Request& request) {
  if (!prefix_caching_) return;
  const std::int64_t full_blocks = std::min(static_cast<std::int64_t>(request.block_hashes.size()),
                                            request.computed / preset_.block_size_tokens);
  for (std::int64_t i = request.cache_checked_blocks; i < full_blocks; ++i) {
    const std::uint64_t hash = request.block_hashes[i];
    const BlockId id = request.blocks[i];
    // A hash cached already (by a request that computed it concurrently) keeps its block; this
    // one stays a private copy, plainly free once released.
    if (cached_.try_emplace(hash, id).second) {
      pool_[id].hash = hash;
      pool_[id].cached = true;
    }
  }
  request.cache_checked_blocks = std::max(request.cache_checked_blocks, full_blocks);
}

RequestId InferenceModel::add_request(double arrival_s, std::int64_t prompt_tokens,
                                      std::int64_t output_tokens,
                                      std::vector<std::uint64_t> prompt_block_hashes) {
  if (prompt_tokens < 1 || output_tokens < 1) {
    throw std::invalid_argument("a request needs at least one prompt and one output token");
  }
  const std::int64_t full_prompt_blocks = prompt_tokens / preset_.block_size_tokens;
  if (static_cast<std::int64_t>(prompt_block_hashes.size()) > full_prompt_blocks) {
    throw std::invalid_argument(std::to_string(prompt_block_hashes.size()) +
                                " prompt block hashes for a prompt of " +
                                std::to_string(full_prompt_blocks) + " full blocks");
  }
  // The most KV the request ever holds: everything but its last output token.
  const std::int64_t peak_blocks = blocks_for(prompt_tokens + output_tokens - 1);
  if (peak_blocks > budget_blocks_) {
    throw std::invalid_argument("request needs " + std::to_string(peak_blocks) +
                                " KV blocks, more than the budget of " +
                                std::to_string(budget_blocks_));
  }
  Request request;
  request.id = static_cast<RequestId>(requests_.size());
  request.arrival_s = arrival_s;
  request.prompt_tokens = prompt_tokens;
  request.output_tokens = output_tokens;
  if (prefix_caching_) request.block_hashes = std::move(prompt_block_hashes);
  requests_.push_back(std::move(request));
  const RequestId id = requests_.back().id;
  // Keep pending_ sorted by (arrival_s, id); a new id is the largest, so upper_bound on time.
  const auto at = std::upper_bound(
      pending_.begin(), pending_.end(), arrival_s,
      [this](double time_s, RequestId other) { return time_s < requests_[other].arrival_s; });
  pending_.insert(at, id);
  return id;
}

std::optional<double> InferenceModel::next_arrival_s() const {
  if (pending_.empty()) return std::nullopt;
  return requests_[pending_.front()].arrival_s;
}

bool InferenceModel::has_work() const {
  return !running_.empty() || !waiting_.empty() || !pending_.empty();
}

double InferenceModel::kv_usage_fraction() const {
  return static_cast<double>(blocks_used_) / static_cast<double>(budget_blocks_);
}

void InferenceModel::abort(RequestId id) {
  if (id < 0 || id >= static_cast<RequestId>(requests_.size())) return;
  Request& request = requests_[id];
  if (request.done) return;
  retire(request);
  const auto drop = [id](auto& ids) {
    ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  };
  drop(pending_);
  drop(waiting_);
  drop(running_);
}

StepResult InferenceModel::step(double now_s) {
  StepResult result;
  result.start_s = now_s;
  result.end_s = now_s;

  // Arrivals join the waiting queue in (arrival_s, id) order.
  auto arrived = pending_.begin();
  while (arrived != pending_.end() && requests_[*arrived].arrival_s <= now_s) {
    waiting_.push_back(*arrived);
    ++arrived;
  }
  pending_.erase(pending_.begin(), arrived);

  std::vector<Scheduled> batch;
  std::int64_t token_budget = preset_.max_num_batched_tokens;

  // 1. Decodes, oldest first; preempt the newest running request when a block is missing.
  for (std::size_t i = 0; i < running_.size(); ++i) {
    Request& request = requests_[running_[i]];
    if (request.prefilling) continue;
    const std::int64_t needed =
        blocks_for(request.computed + 1) - static_cast<std::int64_t>(request.blocks.size());
    bool preempted_self = false;
    while (needed > budget_blocks_ - blocks_used_) {
      const RequestId victim_id = running_.back();
      running_.pop_back();
      Request& victim = requests_[victim_id];
      release_blocks(victim);
      victim.computed = 0;
      waiting_.push_front(victim_id);
      result.preempted.push_back(victim_id);
      ++preemptions_total_;
      if (victim_id == request.id) {
        preempted_self = true;
        break;
      }
    }
    if (preempted_self) break;  // it was the last running request
    for (std::int64_t k = 0; k < needed; ++k) request.blocks.push_back(take_free_block());
    batch.push_back({request.id, 1, request.computed, true});
    --token_budget;
  }

  // 2. Running requests part-way through a chunked prefill get their next chunk.
  for (const RequestId id : running_) {
    if (token_budget <= 0) break;
    Request& request = requests_[id];
    if (!request.prefilling) continue;
    const std::int64_t remaining = request.known_tokens() - request.computed;
    const std::int64_t chunk = std::min(remaining, token_budget);
    batch.push_back({id, chunk, request.computed, false});
    token_budget -= chunk;
  }

  // 3. Admissions, FCFS, unless this step had to preempt (as vLLM does). A prefix-cache hit is
  // shared, counts as computed and needs no new blocks; its unheld blocks stop being free.
  if (result.preempted.empty()) {
    while (!waiting_.empty() && token_budget > 0 &&
           static_cast<std::int64_t>(running_.size()) < preset_.max_num_seqs) {
      Request& request = requests_[waiting_.front()];
      const PrefixHit hit = find_prefix_hit(request);
      const std::int64_t new_blocks = blocks_for(request.known_tokens()) - hit.blocks;
      if (new_blocks + hit.unheld_blocks > budget_blocks_ - blocks_used_) {
        break;  // head-of-line blocking
      }
      waiting_.pop_front();
      if (!request.admitted_once) {
        request.admitted_once = true;
        result.admitted.push_back(request.id);
        // Room for its largest footprint, kept across preemptions: no reallocation per block.
        request.blocks.reserve(
            static_cast<std::size_t>(blocks_for(request.prompt_tokens + request.output_tokens)));
      }
      if (prefix_caching_) {
        prefix_cache_queries_total_ += request.known_tokens();
        prefix_cache_hits_total_ += hit.blocks * preset_.block_size_tokens;
      }
      for (std::int64_t i = 0; i < hit.blocks; ++i) {
        const BlockId id = cached_.find(request.block_hashes[i])->second;
        Block& block = pool_[id];
        if (block.refs == 0) {
          lru_unlink(id);
          ++blocks_used_;
        }
        ++block.refs;
        request.blocks.push_back(id);
      }
      for (std::int64_t k = 0; k < new_blocks; ++k) request.blocks.push_back(take_free_block());
      request.computed = hit.blocks * preset_.block_size_tokens;
      request.cache_checked_blocks = hit.blocks;
      request.prefilling = true;
      running_.push_back(request.id);
      const std::int64_t chunk = std::min(request.known_tokens() - request.computed, token_budget);
      batch.push_back({request.id, chunk, request.computed, false});
      token_budget -= chunk;
    }
  }

  result.running = static_cast<std::int64_t>(running_.size());
  result.waiting = static_cast<std::int64_t>(waiting_.size());
  result.kv_blocks_used = blocks_used_;
  if (batch.empty()) return result;

  // Price the batch: weights once, all decodes together, each prefill chunk with its context.
  StepWork work = weights_pass(preset_);
  std::int64_t decode_context_tokens = 0;
  for (const Scheduled& s : batch) {
    if (s.decode) {
      ++result.decode_sequences;
      decode_context_tokens += s.context;
    } else {
      result.prefill_tokens += s.tokens;
    }
  }
  if (result.decode_sequences > 0) {
    add_decode(work, preset_, result.decode_sequences, decode_context_tokens);
  }
  for (const Scheduled& s : batch) {
    if (!s.decode) add_prefill_chunk(work, preset_, s.tokens, s.context);
  }
  result.memory_s = memory_time_s(preset_, work);
  result.compute_s = compute_time_s(preset_, work);
  result.end_s = now_s + step_s(preset_, work);

  // Apply the step: KV written (full prompt blocks cached); a request whose known tokens are all
  // computed samples a token.
  for (const Scheduled& s : batch) {
    Request& request = requests_[s.id];
    request.computed += s.tokens;
    if (!s.decode) cache_computed_blocks(request);
    if (request.computed < request.known_tokens()) continue;  // prefill chunk, more to come
    request.prefilling = false;
    if (!request.prompt_counted) {
      request.prompt_counted = true;
      prompt_tokens_total_ += request.prompt_tokens;
    }
    result.tokens.push_back({request.id, request.generated, result.end_s});
    ++request.generated;
    ++generation_tokens_total_;
    if (request.generated == request.output_tokens) {
      retire(request);
      result.finished.push_back(request.id);
    }
  }
  if (!result.finished.empty()) {
    running_.erase(std::remove_if(running_.begin(), running_.end(),
                                  [this](RequestId id) { return requests_[id].done; }),
                   running_.end());
  }
  return result;
}

}  // namespace llmpace::sim
