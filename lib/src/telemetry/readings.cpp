// read_server_metrics(): the names of vLLM, its kserve_vllm: copies and llama.cpp mapped onto
// llmpace's vocabulary (docs/telemetry.md#vocabulary). GPUs: gpu_readings.cpp.
#include "llmpace/telemetry/readings.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <unordered_map>
#include <utility>

#include "sample_values.hpp"

namespace llmpace::telemetry {
namespace {

using detail::label_of;
using detail::label_or_empty;
using detail::valid_count;
using detail::valid_fraction;

constexpr double kInf = std::numeric_limits<double>::infinity();

/// A number written as a label value ("0.25", "+Inf", "16"); nullopt when it is not one.
std::optional<double> parse_number(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

/// Identifies a series within a metric: its labels sorted by name, `le` left out when asked.
std::string series_key(const Sample& sample, bool without_le) {
  std::vector<const Label*> labels;
  labels.reserve(sample.labels.size());
  for (const Label& label : sample.labels) {
    if (!(without_le && label.name == "le")) labels.push_back(&label);
  }
  std::sort(labels.begin(), labels.end(),
            [](const Label* a, const Label* b) { return a->name < b->name; });
  std::string key;
  for (const Label* label : labels) {
    key.append(label->name).push_back('\x1f');
    key.append(label->value).push_back('\x1e');
  }
  return key;
}

/// The samples of one scrape that belong to the model asked for, indexed by name.
class SampleIndex {
 public:
  SampleIndex(const Exposition& exposition, std::string_view model_name) {
    for (const Sample& sample : exposition.samples) {
      if (!model_name.empty()) {
        const std::optional<std::string_view> model = label_of(sample, "model_name");
        if (model && *model != model_name) continue;
      }
      by_name_[sample.name].push_back(&sample);
    }
  }

  [[nodiscard]] const std::vector<const Sample*>* find(std::string_view name) const {
    const auto found = by_name_.find(std::string(name));
    return found == by_name_.end() ? nullptr : &found->second;
  }

  /// The first candidate name with samples; nullptr when none has any.
  [[nodiscard]] const std::vector<const Sample*>* first_of(
      const std::vector<std::string>& candidates) const {
    for (const std::string& name : candidates) {
      if (const auto* samples = find(name); samples != nullptr && !samples->empty()) return samples;
    }
    return nullptr;
  }

  /// The first candidate histogram (a base name) that has `_bucket` samples.
  [[nodiscard]] std::optional<std::string> first_histogram(
      const std::vector<std::string>& candidates) const {
    for (const std::string& name : candidates) {
      if (const auto* samples = find(name + "_bucket"); samples != nullptr && !samples->empty()) {
        return name;
      }
    }
    return std::nullopt;
  }

 private:
  std::unordered_map<std::string, std::vector<const Sample*>> by_name_;
};

/// The vLLM family's prefixes, the original first: a figure is read from one prefix only.
constexpr std::array<std::string_view, 2> kVllmPrefixes{"vllm:", "kserve_vllm:"};

/// Candidate names, in order: each vLLM prefix with each vLLM name, then llama.cpp's names.
std::vector<std::string> candidates(std::initializer_list<std::string_view> vllm_names,
                                    std::initializer_list<std::string_view> llamacpp_names = {}) {
  std::vector<std::string> names;
  for (const std::string_view prefix : kVllmPrefixes) {
    for (const std::string_view name : vllm_names)
      names.push_back(std::string(prefix) + std::string(name));
  }
  for (const std::string_view name : llamacpp_names) {
    names.push_back("llamacpp:" + std::string(name));
  }
  return names;
}

/// A counter's candidates: each name with "_total" (as exposed), then without (exporters that
/// drop the suffix).
std::vector<std::string> counter_candidates(
    std::initializer_list<std::string_view> vllm_names,
    std::initializer_list<std::string_view> llamacpp_names = {}) {
  std::vector<std::string> names;
  for (const std::string& name : candidates(vllm_names, llamacpp_names)) {
    names.push_back(name + "_total");
    names.push_back(name);
  }
  return names;
}

/// One value per series (duplicate series, which a broken exporter can repeat, count once);
/// nullopt when any value fails `valid`.
std::optional<std::vector<std::pair<const Sample*, double>>> series_values(
    const std::vector<const Sample*>& samples, bool (*valid)(double)) {
  std::vector<std::pair<const Sample*, double>> values;
  std::vector<std::string> seen;
  for (const Sample* sample : samples) {
    std::string key = series_key(*sample, false);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    if (!valid(sample->value)) return std::nullopt;
    seen.push_back(std::move(key));
    values.emplace_back(sample, sample->value);
  }
  return values;
}

/// The sum over series of the first candidate that has samples.
std::optional<double> summed(const SampleIndex& index, const std::vector<std::string>& names) {
  const auto* samples = index.first_of(names);
  if (samples == nullptr) return std::nullopt;
  const auto values = series_values(*samples, valid_count);
  if (!values) return std::nullopt;
  double total = 0.0;
  for (const auto& [sample, value] : *values) total += value;
  return total;
}

/// KV capacity in tokens per engine label ("" without one), from cache_config_info.
std::map<std::string, double> kv_capacity_by_engine(const SampleIndex& index) {
  std::map<std::string, double> capacity;
  const auto* samples = index.first_of(candidates({"cache_config_info"}));
  if (samples == nullptr) return capacity;
  for (const Sample* sample : *samples) {
    const auto blocks = parse_number(label_of(*sample, "num_gpu_blocks").value_or(""));
    const auto block_size = parse_number(label_of(*sample, "block_size").value_or(""));
    if (!blocks || !block_size || !valid_count(*blocks) || !valid_count(*block_size)) continue;
    capacity.emplace(label_or_empty(*sample, "engine"), *blocks * *block_size);
  }
  return capacity;
}

/// The mean KV usage over the engines, weighted by capacity when every engine's is known.
std::optional<double> kv_usage(const SampleIndex& index,
                               const std::map<std::string, double>& capacity) {
  const auto* samples = index.first_of(
      candidates({"kv_cache_usage_perc", "gpu_cache_usage_perc"}, {"kv_cache_usage_ratio"}));
  if (samples == nullptr) return std::nullopt;
  const auto values = series_values(*samples, valid_fraction);
  if (!values || values->empty()) return std::nullopt;
  double weighted = 0.0;
  double weights = 0.0;
  bool all_known = true;
  for (const auto& [sample, value] : *values) {
    const auto found = capacity.find(label_or_empty(*sample, "engine"));
    if (found == capacity.end() || found->second <= 0.0) {
      all_known = false;
      break;
    }
    weighted += value * found->second;
    weights += found->second;
  }
  if (!all_known) {
    weighted = 0.0;
    weights = 0.0;
    for (const auto& [sample, value] : *values) {
      weighted += value;
      weights += 1.0;
    }
  }
  return std::clamp(weighted / weights, 0.0, 1.0);
}

std::map<std::string, double> waiting_by_reason(const SampleIndex& index) {
  std::map<std::string, double> by_reason;
  const auto* samples = index.first_of(candidates({"num_requests_waiting_by_reason"}));
  if (samples == nullptr) return by_reason;
  const auto values = series_values(*samples, valid_count);
  if (!values) return by_reason;
  for (const auto& [sample, value] : *values) {
    by_reason[label_or_empty(*sample, "reason")] += value;
  }
  return by_reason;
}

/// One series of a histogram: cumulative counts by upper bound, ascending.
struct BucketSeries {
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
  std::optional<double> sum;
};

/// Checks one series: +Inf present, no bound twice, counts finite and non-decreasing.
bool valid_series(BucketSeries& series) {
  std::sort(series.buckets.begin(), series.buckets.end());
  if (series.buckets.empty() || series.buckets.back().first != kInf) return false;
  if (!series.sum || !valid_count(*series.sum)) return false;
  double previous_count = 0.0;
  double previous_bound = -kInf;
  for (const auto& [bound, count] : series.buckets) {
    if (bound == previous_bound || !valid_count(count) || count < previous_count) return false;
    previous_bound = bound;
    previous_count = count;
  }
  return true;
}

/// The histogram `name` merged over its series; nullopt when absent or any series is broken.
std::optional<HistogramReading> histogram(const SampleIndex& index, const std::string& name) {
  const auto* bucket_samples = index.find(name + "_bucket");
  if (bucket_samples == nullptr) return std::nullopt;
  std::map<std::string, BucketSeries> series;
  for (const Sample* sample : *bucket_samples) {
    const auto le = label_of(*sample, "le");
    const std::optional<double> bound = le ? parse_number(*le) : std::nullopt;
    if (!bound || std::isnan(*bound)) return std::nullopt;
    series[series_key(*sample, true)].buckets.emplace_back(*bound, sample->value);
  }
  if (const auto* sums = index.find(name + "_sum"); sums != nullptr) {
    for (const Sample* sample : *sums) {
      const auto found = series.find(series_key(*sample, false));
      if (found != series.end() && !found->second.sum) found->second.sum = sample->value;
    }
  }
  // Bounds every series has: cumulative counts there are exact, so their sums are too.
  std::vector<double> common;
  bool first = true;
  for (auto& [key, one] : series) {
    if (!valid_series(one)) return std::nullopt;
    std::vector<double> bounds;
    for (const auto& [bound, count] : one.buckets) bounds.push_back(bound);
    if (first) {
      common = std::move(bounds);
      first = false;
    } else {
      std::vector<double> both;
      std::set_intersection(common.begin(), common.end(), bounds.begin(), bounds.end(),
                            std::back_inserter(both));
      common = std::move(both);
    }
  }
  if (common.empty()) return std::nullopt;
  HistogramReading reading;
  reading.upper_bounds = common;
  reading.cumulative_counts.assign(common.size(), 0.0);
  for (const auto& [key, one] : series) {
    std::size_t at = 0;
    for (const auto& [bound, count] : one.buckets) {
      while (at < common.size() && common[at] < bound) ++at;
      if (at < common.size() && common[at] == bound) reading.cumulative_counts[at] += count;
    }
    reading.sum += *one.sum;
  }
  reading.count = reading.cumulative_counts.back();
  return reading;
}

std::optional<HistogramReading> first_histogram(const SampleIndex& index,
                                                const std::vector<std::string>& names) {
  const std::optional<std::string> name = index.first_histogram(names);
  return name ? histogram(index, *name) : std::nullopt;
}

ServerFlavor flavor_of(const Exposition& exposition) {
  bool vllm = false;
  bool vllm_current = false;
  bool vllm_old = false;
  bool kserve = false;
  bool llamacpp = false;
  for (const Sample& sample : exposition.samples) {
    const std::string_view name = sample.name;
    if (name.starts_with("vllm:")) {
      vllm = true;
      if (name == "vllm:kv_cache_usage_perc" ||
          name.starts_with("vllm:inter_token_latency_seconds")) {
        vllm_current = true;
      } else if (name == "vllm:gpu_cache_usage_perc" ||
                 name.starts_with("vllm:time_per_output_token_seconds")) {
        vllm_old = true;
      }
    } else if (name.starts_with("kserve_vllm:")) {
      kserve = true;
    } else if (name.starts_with("llamacpp:")) {
      llamacpp = true;
    }
  }
  if (vllm) return vllm_old && !vllm_current ? ServerFlavor::vllm_legacy : ServerFlavor::vllm;
  if (kserve) return ServerFlavor::kserve_vllm;
  if (llamacpp) return ServerFlavor::llamacpp;
  return ServerFlavor::unknown;
}

std::vector<std::string> model_names_of(const Exposition& exposition) {
  std::vector<std::string> names;
  for (const Sample& sample : exposition.samples) {
    const auto model = label_of(sample, "model_name");
    if (model && std::find(names.begin(), names.end(), *model) == names.end()) {
      names.emplace_back(*model);
    }
  }
  return names;
}

}  // namespace

std::string_view to_string(ServerFlavor flavor) {
  switch (flavor) {
    case ServerFlavor::vllm:
      return "vllm";
    case ServerFlavor::vllm_legacy:
      return "vllm_legacy";
    case ServerFlavor::kserve_vllm:
      return "kserve_vllm";
    case ServerFlavor::llamacpp:
      return "llamacpp";
    case ServerFlavor::unknown:
      break;
  }
  return "unknown";
}

std::optional<ServerFlavor> parse_server_flavor(std::string_view text) {
  for (const ServerFlavor flavor :
       {ServerFlavor::unknown, ServerFlavor::vllm, ServerFlavor::vllm_legacy,
        ServerFlavor::kserve_vllm, ServerFlavor::llamacpp}) {
    if (to_string(flavor) == text) return flavor;
  }
  return std::nullopt;
}

ServerReading read_server_metrics(const Exposition& exposition, std::string_view model_name) {
  const SampleIndex index(exposition, model_name);
  ServerReading reading;
  reading.flavor = flavor_of(exposition);
  reading.model_names = model_names_of(exposition);

  const std::map<std::string, double> capacity = kv_capacity_by_engine(index);
  if (!capacity.empty()) {
    double total = 0.0;
    for (const auto& [engine, tokens] : capacity) total += tokens;
    reading.kv_capacity_tokens = total;
  }
  reading.kv_cache_usage = kv_usage(index, capacity);
  reading.requests_running =
      summed(index, candidates({"num_requests_running"}, {"requests_processing"}));
  reading.requests_waiting =
      summed(index, candidates({"num_requests_waiting"}, {"requests_deferred"}));
  reading.requests_waiting_by_reason = waiting_by_reason(index);

  reading.preemptions_total = summed(index, counter_candidates({"num_preemptions"}));
  reading.prompt_tokens_total =
      summed(index, counter_candidates({"prompt_tokens"}, {"prompt_tokens"}));
  reading.generation_tokens_total =
      summed(index, counter_candidates({"generation_tokens"}, {"tokens_predicted"}));
  reading.prefix_cache_queries_total =
      summed(index, counter_candidates({"prefix_cache_queries", "gpu_prefix_cache_queries"}));
  reading.prefix_cache_hits_total =
      summed(index, counter_candidates({"prefix_cache_hits", "gpu_prefix_cache_hits"}));

  reading.ttft_seconds = first_histogram(index, candidates({"time_to_first_token_seconds"}));
  reading.itl_seconds = first_histogram(
      index, candidates({"inter_token_latency_seconds", "time_per_output_token_seconds"}));
  reading.tpot_seconds =
      first_histogram(index, candidates({"request_time_per_output_token_seconds"}));
  reading.e2e_seconds = first_histogram(index, candidates({"e2e_request_latency_seconds"}));
  reading.queue_seconds = first_histogram(index, candidates({"request_queue_time_seconds"}));
  return reading;
}

}  // namespace llmpace::telemetry
