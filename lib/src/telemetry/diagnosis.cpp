// One benchmark's diagnosis: the rules in order of precedence (diagnosis_server_rules.cpp,
// diagnosis_client_rules.cpp), the headroom verdict, the remedies and the wall names.
#include "llmpace/telemetry/diagnosis.hpp"

#include <fmt/format.h>

#include <array>
#include <stdexcept>
#include <utility>

#include "diagnosis_rules.hpp"
#include "diagnosis_text.hpp"

namespace llmpace::telemetry {
namespace {

using detail::client_bound_rule;
using detail::compute_rule;
using detail::Context;
using detail::gpu_activity_of;
using detail::kv_cache_rule;
using detail::latency_floor_rule;
using detail::ms;
using detail::num;
using detail::over_saturation_rule;
using detail::percent;
using detail::percent_of_fraction;
using detail::RuleOutcome;
using metrics::BenchmarkMetrics;

constexpr std::string_view kClientOnlyPrefix = "client data only: ";

// --- Headroom ---------------------------------------------------------------------------------

std::string headroom_verdict(const Context& c) {
  const BenchmarkMetrics& m = c.m;
  if (m.requests.successful == 0) {
    // What the incomplete requests measured is all there is (docs/metrics.md#incomplete-requests).
    const metrics::IncompleteFigures& incomplete = m.incomplete;
    std::string measured;
    if (incomplete.ttft_ms.count > 0) {
      measured += fmt::format("; {} got a first token (TTFT p50 {})", incomplete.with_first_token,
                              ms(incomplete.ttft_ms.p50));
    }
    if (incomplete.waited_ms.count > 0) {
      measured += fmt::format("; {} got none in {} (p50)", incomplete.waited_ms.count,
                              ms(incomplete.waited_ms.p50));
    }
    return fmt::format(
        "no wall identified, but no request succeeded ({} incomplete, {} errored){}: "
        "too little to judge; a longer benchmark or a lower load would tell",
        m.requests.incomplete, m.requests.errored, measured);
  }
  std::vector<std::string> parts;
  if (c.server != nullptr && c.server->kv_cache_usage) {
    parts.push_back(
        fmt::format("KV usage p95 {}", percent_of_fraction(c.server->kv_cache_usage->p95)));
  }
  if (c.server != nullptr && c.server->requests_waiting) {
    parts.push_back(
        fmt::format("{} requests waiting on average", num(c.server->requests_waiting->mean)));
  }
  if (c.gpu) parts.push_back(fmt::format("GPU activity {}", percent(c.gpu->percent)));
  if (c.single_stream) {
    parts.push_back(fmt::format("floor: TTFT p50 {}, TPOT p50 {} at concurrency 1",
                                ms(m.ttft_ms.p50), m.tpot_ms.count > 0 ? ms(m.tpot_ms.p50) : "-"));
  } else if (c.client_data_only) {
    parts.push_back(fmt::format("TTFT p50 {}, TPOT p50 {} with {} requests in flight on average",
                                ms(m.ttft_ms.p50), m.tpot_ms.count > 0 ? ms(m.tpot_ms.p50) : "-",
                                num(m.concurrency.mean)));
  }
  if (m.goodput) {
    const bool met = m.goodput->fraction >= kKneeGoodputFraction;
    parts.push_back(fmt::format("{}{} of requests met the SLO", met ? "" : "but only ",
                                percent_of_fraction(m.goodput->fraction)));
  } else if (c.input.slo.empty() && c.single_stream) {
    parts.push_back("no SLO given");
  }
  if (parts.empty()) return "no wall reached";
  return fmt::format("no wall reached: {}", fmt::join(parts, ", "));
}

std::string_view remedy_of(Wall wall) {
  switch (wall) {
    case Wall::kv_cache:
      return "More KV-cache memory per replica: tensor parallelism over more GPUs, a quantised "
             "model (e.g. INT4 weights) or KV cache (--kv-cache-dtype fp8), or a lower "
             "--max-num-seqs so fewer requests share the cache; or more replicas.";
    case Wall::compute:
      return "More compute per token: more replicas or GPUs (tensor or data parallelism), a "
             "quantised model (fp8/INT4 weights), speculative decoding; or a lower --max-num-seqs "
             "to trade throughput for TPOT.";
    case Wall::latency_floor:
      return "Load cannot fix a floor: a smaller or quantised model, a faster GPU, tensor "
             "parallelism (each token's work split), speculative decoding for TPOT; prefix "
             "caching and shorter prompts for TTFT.";
    case Wall::client_bound:
      return "Give the load generator room: more --threads, a bigger machine or several pods, "
             "reused connections; read the latencies from the schedule (ttft_from_scheduled_ms) "
             "or lower the rate.";
    case Wall::over_saturation:
      return "The rate is above what the server sustains: lower it to the sweep's knee or add "
             "replicas; --stop-on-saturation ends such benchmarks early.";
    case Wall::headroom:
      return "The server kept up with room to spare: raise the rate or concurrency to find its "
             "wall.";
  }
  return "";
}

Context context_of(const DiagnosisInput& input) {
  const BenchmarkMetrics& m = *input.metrics;
  const TelemetrySummary* telemetry = input.telemetry;
  const ServerTelemetry* server =
      telemetry != nullptr && telemetry->server ? &*telemetry->server : nullptr;
  Context c{input, m, telemetry, server, gpu_activity_of(telemetry)};
  c.client_data_only = server == nullptr && !c.gpu;
  c.single_stream = input.profile == ProfileKind::synchronous ||
                    (input.profile == ProfileKind::concurrent && input.rate && *input.rate <= 1) ||
                    m.concurrency.max == 1;
  c.open_loop = input.profile == ProfileKind::constant || input.profile == ProfileKind::poisson;
  return c;
}

}  // namespace

std::string_view to_string(Wall wall) {
  switch (wall) {
    case Wall::kv_cache:
      return "kv_cache_wall";
    case Wall::compute:
      return "compute_wall";
    case Wall::latency_floor:
      return "latency_floor";
    case Wall::client_bound:
      return "client_bound";
    case Wall::over_saturation:
      return "over_saturation";
    case Wall::headroom:
      return "headroom";
  }
  return "unknown";
}

std::optional<Wall> parse_wall(std::string_view name) {
  for (const Wall wall : {Wall::kv_cache, Wall::compute, Wall::latency_floor, Wall::client_bound,
                          Wall::over_saturation, Wall::headroom}) {
    if (name == to_string(wall)) return wall;
  }
  return std::nullopt;
}

std::string_view title_of(Wall wall) {
  switch (wall) {
    case Wall::kv_cache:
      return "KV-cache wall";
    case Wall::compute:
      return "Compute wall";
    case Wall::latency_floor:
      return "Latency floor";
    case Wall::client_bound:
      return "Client-bound";
    case Wall::over_saturation:
      return "Over-saturation";
    case Wall::headroom:
      return "Headroom";
  }
  return "Unknown";
}

Diagnosis diagnose_benchmark(const DiagnosisInput& input) {
  if (input.metrics == nullptr) throw std::invalid_argument("diagnose_benchmark: no metrics");
  const Context c = context_of(input);
  const std::array<std::pair<Wall, RuleOutcome>, 5> rules{{
      {Wall::kv_cache, kv_cache_rule(c)},
      {Wall::compute, compute_rule(c)},
      {Wall::over_saturation, over_saturation_rule(c)},
      {Wall::latency_floor, latency_floor_rule(c)},
      {Wall::client_bound, client_bound_rule(c)},
  }};

  Diagnosis diagnosis;
  diagnosis.client_data_only = c.client_data_only;
  const metrics::RequestCounts& requests = c.m.requests;
  diagnosis.evidence.push_back(fmt::format("requests: {} successful, {} incomplete, {} errored",
                                           requests.successful, requests.incomplete,
                                           requests.errored));
  if (c.client_data_only) {
    diagnosis.evidence.push_back(
        input.telemetry == nullptr
            ? "telemetry: not scraped; the server and GPU rules were not checked"
            : "telemetry: no server or GPU figures; the server and GPU rules were not checked");
  }
  if (input.telemetry != nullptr) {
    for (const std::string& note : input.telemetry->notes) {
      diagnosis.evidence.push_back("telemetry: " + note);
    }
  }
  const RuleOutcome* winner = nullptr;
  for (const auto& [wall, outcome] : rules) {
    diagnosis.evidence.push_back(outcome.evidence);
    if (winner == nullptr && outcome.fired) {
      winner = &outcome;
      diagnosis.wall = wall;
    }
  }
  std::string tail;
  if (winner != nullptr) {
    tail = winner->verdict;
    const RuleOutcome& over_saturation = rules[2].second;
    if ((diagnosis.wall == Wall::kv_cache || diagnosis.wall == Wall::compute) &&
        over_saturation.fired) {
      tail += "; the queue grew without bound";
    }
  } else {
    diagnosis.wall = Wall::headroom;
    tail = headroom_verdict(c);
  }
  diagnosis.verdict = fmt::format("{}{}: {}", c.client_data_only ? kClientOnlyPrefix : "",
                                  title_of(diagnosis.wall), tail);
  diagnosis.remedy = std::string(remedy_of(diagnosis.wall));
  return diagnosis;
}

std::optional<UnloadedReference> unloaded_reference_of(std::span<const DiagnosisInput> inputs) {
  const DiagnosisInput* chosen = nullptr;
  for (const DiagnosisInput& input : inputs) {
    if (input.metrics == nullptr || input.metrics->ttft_ms.count == 0) continue;
    if (input.profile == ProfileKind::synchronous) {
      chosen = &input;
      break;
    }
    if (chosen == nullptr || input.metrics->concurrency.mean < chosen->metrics->concurrency.mean) {
      chosen = &input;
    }
  }
  if (chosen == nullptr) return std::nullopt;
  if (chosen->profile != ProfileKind::synchronous &&
      chosen->metrics->concurrency.mean > kUnloadedConcurrencyMax) {
    return std::nullopt;
  }
  const BenchmarkMetrics& m = *chosen->metrics;
  return UnloadedReference{m.ttft_ms.p50, m.tpot_ms.count > 0 ? m.tpot_ms.p50 : 0.0};
}

}  // namespace llmpace::telemetry
