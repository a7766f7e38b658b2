// The continuous-batching step loop of the realistic simulator; the model and what it leaves out
// are described in engine_model.hpp. Pure and deterministic: no clock, no I/O, no randomness.
#include "llmpace/sim/engine_model.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

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

EngineModel::EngineModel(const EnginePreset& preset)
    : preset_(preset), budget_blocks_(llmpace::sim::kv_budget_blocks(preset)) {
  if (budget_blocks_ <= 0) {
    throw std::invalid_argument("engine preset '" + preset.name + "' has no KV-cache budget");
  }
  if (preset_.block_size_tokens <= 0 || preset_.max_num_seqs <= 0 ||
      preset_.max_num_batched_tokens <= 0) {
    throw std::invalid_argument("engine preset '" + preset.name +
                                "' has a non-positive scheduler limit");
  }
}

std::int64_t EngineModel::blocks_for(std::int64_t tokens) const {
  return (tokens + preset_.block_size_tokens - 1) / preset_.block_size_tokens;
}

void EngineModel::free_blocks(Request& request) {
  blocks_used_ -= request.blocks;
  request.blocks = 0;
}

RequestId EngineModel::add_request(double arrival_s, std::int64_t prompt_tokens,
                                   std::int64_t output_tokens) {
  if (prompt_tokens < 1 || output_tokens < 1) {
    throw std::invalid_argument("a request needs at least one prompt and one output token");
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
  requests_.push_back(request);
  // Keep pending_ sorted by (arrival_s, id); a new id is the largest, so upper_bound on time.
  const auto at = std::upper_bound(
      pending_.begin(), pending_.end(), arrival_s,
      [this](double time_s, RequestId id) { return time_s < requests_[id].arrival_s; });
  pending_.insert(at, request.id);
  return request.id;
}

std::optional<double> EngineModel::next_arrival_s() const {
  if (pending_.empty()) return std::nullopt;
  return requests_[pending_.front()].arrival_s;
}

bool EngineModel::has_work() const {
  return !running_.empty() || !waiting_.empty() || !pending_.empty();
}

double EngineModel::kv_usage_fraction() const {
  return static_cast<double>(blocks_used_) / static_cast<double>(budget_blocks_);
}

void EngineModel::abort(RequestId id) {
  if (id < 0 || id >= static_cast<RequestId>(requests_.size())) return;
  Request& request = requests_[id];
  if (request.done) return;
  request.done = true;
  free_blocks(request);
  const auto drop = [id](auto& ids) {
    ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  };
  drop(pending_);
  drop(waiting_);
  drop(running_);
}

StepResult EngineModel::step(double now_s) {
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
    const std::int64_t needed = blocks_for(request.computed + 1) - request.blocks;
    bool preempted_self = false;
    while (needed > budget_blocks_ - blocks_used_) {
      const RequestId victim_id = running_.back();
      running_.pop_back();
      Request& victim = requests_[victim_id];
      free_blocks(victim);
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
    request.blocks += needed;
    blocks_used_ += needed;
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

  // 3. Admissions, FCFS, unless this step had to preempt (as vLLM does).
  if (result.preempted.empty()) {
    while (!waiting_.empty() && token_budget > 0 &&
           static_cast<std::int64_t>(running_.size()) < preset_.max_num_seqs) {
      Request& request = requests_[waiting_.front()];
      const std::int64_t needed = blocks_for(request.known_tokens());
      if (needed > budget_blocks_ - blocks_used_) break;  // head-of-line blocking
      waiting_.pop_front();
      if (!request.admitted_once) {
        request.admitted_once = true;
        result.admitted.push_back(request.id);
      }
      request.blocks = needed;
      request.prefilling = true;
      blocks_used_ += needed;
      running_.push_back(request.id);
      const std::int64_t chunk = std::min(request.known_tokens(), token_budget);
      batch.push_back({request.id, chunk, 0, false});
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
  result.end_s = now_s + step_s(preset_, work);

  // Apply the step: KV written; a request whose known tokens are all cached samples a token.
  for (const Scheduled& s : batch) {
    Request& request = requests_[s.id];
    request.computed += s.tokens;
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
      request.done = true;
      free_blocks(request);
      running_.erase(std::find(running_.begin(), running_.end(), request.id));
      result.finished.push_back(request.id);
    }
  }
  return result;
}

}  // namespace llmpace::sim
