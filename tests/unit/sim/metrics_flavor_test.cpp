// SimMetrics in each flavour: vLLM's cache_config_info and waiting-by-reason gauges, the legacy
// names, and llama.cpp's llamacpp: metrics with values that follow the served requests.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "llmpace/sim/gpu_preset.hpp"
#include "llmpace/sim/sim_metrics.hpp"

using namespace llmpace;
using namespace llmpace::sim;
using namespace std::chrono_literals;

namespace {

const GpuPreset& preset(std::string_view name) {
  const GpuPreset* found = find_preset(name);
  REQUIRE(found != nullptr);
  return *found;
}

// The sample lines of `text` as (name{labels}, value) pairs, in order.
std::vector<std::pair<std::string, std::string>> samples(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    out.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  return out;
}

// Sum of the values of every sample whose name (before its labels) is `name`.
double sum_of(const std::string& text, const std::string& name) {
  double sum = 0.0;
  for (const auto& [key, value] : samples(text)) {
    if (key.substr(0, key.find('{')) == name) sum += std::stod(value);
  }
  return sum;
}

// One successful request: `prompt` tokens scheduled 10 ms after arrival, first token 100 ms
// after arrival, then `output - 1` more tokens 20 ms apart.
ServedRequest served(std::int64_t prompt, std::int64_t output, std::vector<TimePoint>& times) {
  ServedRequest request;
  request.prompt_tokens = prompt;
  request.generation_tokens = output;
  request.arrived = TimePoint{} + 1s;
  request.scheduled = request.arrived + 10ms;
  times.clear();
  for (std::int64_t i = 0; i < output; ++i) times.push_back(request.arrived + 100ms + i * 20ms);
  request.token_times = times;
  request.done = times.back() + 1ms;
  return request;
}

}  // namespace

TEST_CASE("flavour names parse back", "[metrics]") {
  for (const MetricsFlavor flavor :
       {MetricsFlavor::vllm, MetricsFlavor::vllm_legacy, MetricsFlavor::llamacpp}) {
    CHECK(parse_metrics_flavor(to_string(flavor)) == flavor);
  }
  CHECK(to_string(MetricsFlavor::vllm_legacy) == "vllm-legacy");
  CHECK_FALSE(parse_metrics_flavor("sglang").has_value());
  CHECK_FALSE(parse_metrics_flavor("").has_value());
}

TEST_CASE("cache_config_info carries the preset's KV cache configuration as labels", "[metrics]") {
  const GpuPreset& bf16 = preset("mistral-small-24b-bf16-h100");
  const CacheConfigInfo config = cache_config_info(bf16);
  CHECK(config.block_size == 16);
  CHECK(config.num_gpu_blocks == kv_budget_blocks(bf16));
  CHECK(config.num_gpu_blocks == 8392);
  CHECK(config.gpu_memory_utilization == 0.9);
  CHECK(config.cache_dtype == "auto");

  const SimMetrics metrics{131072, config};
  const std::string text = metrics.render_prometheus("m");
  CHECK_THAT(text, Catch::Contains("# TYPE vllm:cache_config_info gauge\n"));
  // vLLM's labels as str() prints them, sorted as its multiprocess collector sorts them, and no
  // model_name label.
  CHECK_THAT(text, Catch::Contains(
                       "vllm:cache_config_info{block_size=\"16\",cache_dtype=\"auto\","
                       "enable_prefix_caching=\"True\",engine=\"0\",gpu_memory_utilization=\"0.9\","
                       "is_attention_free=\"False\",kv_cache_size_tokens=\"134272\","
                       "num_gpu_blocks=\"8392\",num_gpu_blocks_override=\"None\","
                       "prefix_caching_hash_algo=\"sha256\",sliding_window=\"None\"} 1.0\n"));
  // The legacy flavour has it too (vLLM has had it since 0.4).
  CHECK_THAT(metrics.render_prometheus("m", MetricsFlavor::vllm_legacy),
             Catch::Contains("vllm:cache_config_info{block_size=\"16\""));

  GpuPreset changed = bf16;
  changed.model.kv_bytes_per_element = 1;
  changed.num_gpu_blocks_override = 500;
  changed.block_size_tokens = 32;
  changed.gpu.gpu_memory_utilization = 0.95;
  const std::string other = SimMetrics{131072, cache_config_info(changed)}.render_prometheus("m");
  CHECK_THAT(other, Catch::Contains("block_size=\"32\",cache_dtype=\"fp8\","));
  CHECK_THAT(other, Catch::Contains("gpu_memory_utilization=\"0.95\""));
  CHECK_THAT(other, Catch::Contains("kv_cache_size_tokens=\"16000\",num_gpu_blocks=\"500\","
                                    "num_gpu_blocks_override=\"500\""));

  // Without a cache (the simple model) vLLM's info gauge is absent rather than made up.
  CHECK(SimMetrics{}.render_prometheus("m").find("cache_config_info") == std::string::npos);
}

TEST_CASE("waiting requests by reason add up to the waiting gauge", "[metrics]") {
  SimMetrics metrics;
  for (const std::int64_t waiting : {0, 1, 7, 250}) {
    metrics.set_inference_gauges({.running = 3, .waiting = waiting});
    const std::string text = metrics.render_prometheus("m");
    INFO("waiting " << waiting);
    CHECK(sum_of(text, "vllm:num_requests_waiting_by_reason") ==
          sum_of(text, "vllm:num_requests_waiting"));
    CHECK(sum_of(text, "vllm:num_requests_waiting") == static_cast<double>(waiting));
    const std::string labels = R"(engine="0",model_name="m")";
    CHECK_THAT(text, Catch::Contains("vllm:num_requests_waiting_by_reason{" + labels +
                                     ",reason=\"capacity\"} " + std::to_string(waiting) + ".0\n"));
    CHECK_THAT(text, Catch::Contains("vllm:num_requests_waiting_by_reason{" + labels +
                                     ",reason=\"deferred\"} 0.0\n"));
    CHECK_THAT(text, Catch::Contains("# TYPE vllm:num_requests_waiting_by_reason gauge\n"));
  }
  // vLLM before 0.10 had no such gauge.
  CHECK(metrics.render_prometheus("m", MetricsFlavor::vllm_legacy)
            .find("num_requests_waiting_by_reason") == std::string::npos);
}

TEST_CASE("the llama.cpp flavour serves llama-server's names, types and order", "[metrics]") {
  SimMetrics metrics{131072, cache_config_info(preset("fast"))};
  const std::string text = metrics.render_prometheus("ignored", MetricsFlavor::llamacpp);
  CHECK(text.find("vllm:") == std::string::npos);
  CHECK(text.find('{') == std::string::npos);  // no labels at all

  const std::vector<std::pair<std::string, std::string>> expected{
      {"prompt_tokens_total", "counter"},    {"prompt_seconds_total", "counter"},
      {"tokens_predicted_total", "counter"}, {"tokens_predicted_seconds_total", "counter"},
      {"n_decode_total", "counter"},         {"n_busy_slots_per_decode", "counter"},
      {"prompt_tokens_seconds", "gauge"},    {"predicted_tokens_seconds", "gauge"},
      {"kv_cache_usage_ratio", "gauge"},     {"kv_cache_tokens", "gauge"},
      {"requests_processing", "gauge"},      {"requests_deferred", "gauge"}};
  std::vector<std::pair<std::string, std::string>> typed;
  const std::regex type_line(R"(# TYPE llamacpp:(\w+) (\w+))");
  const std::regex help_line(R"(# HELP llamacpp:(\w+) \S.*)");
  std::istringstream lines(text);
  std::string line;
  std::string last_help;
  while (std::getline(lines, line)) {
    std::smatch match;
    if (std::regex_match(line, match, help_line)) {
      last_help = match[1];
    } else if (std::regex_match(line, match, type_line)) {
      CHECK(match[1] == last_help);  // HELP, then TYPE, then the sample
      typed.emplace_back(match[1], match[2]);
    }
  }
  CHECK(typed == expected);
  for (const auto& [name, value] : samples(text)) CHECK(value == "0");
  CHECK_THAT(text, Catch::Contains("# HELP llamacpp:kv_cache_usage_ratio KV-cache usage. 1 means "
                                   "100 percent usage.\n"));
}

TEST_CASE("llama.cpp metrics follow the served requests and the engine", "[metrics]") {
  SimMetrics metrics;
  std::vector<TimePoint> times;
  metrics.on_request_succeeded(served(100, 11, times));  // prompt 90 ms, generation 200 ms
  metrics.on_request_succeeded(served(300, 6, times));   // prompt 90 ms, generation 100 ms
  metrics.set_inference_gauges({.running = 4,
                                .waiting = 2,
                                .kv_cache_usage = 0.25,
                                .kv_cache_tokens = 1024,
                                .steps_total = 10,
                                .busy_slots_total = 35,
                                .prompt_tokens_total = 1000,
                                .generation_tokens_total = 40});
  const std::string text = metrics.render_prometheus("m", MetricsFlavor::llamacpp);
  std::map<std::string, std::string> value;
  for (const auto& [name, number] : samples(text)) value[name] = number;
  CHECK(value["llamacpp:prompt_tokens_total"] == "400");
  CHECK(value["llamacpp:tokens_predicted_total"] == "17");
  CHECK(value["llamacpp:prompt_seconds_total"] == "0.18");
  CHECK(value["llamacpp:tokens_predicted_seconds_total"] == "0.3");
  CHECK(value["llamacpp:n_decode_total"] == "10");
  CHECK(value["llamacpp:n_busy_slots_per_decode"] == "3.5");
  CHECK(std::stod(value["llamacpp:prompt_tokens_seconds"]) == Approx(400 / 0.18).epsilon(1e-5));
  CHECK(std::stod(value["llamacpp:predicted_tokens_seconds"]) == Approx(17 / 0.3).epsilon(1e-5));
  CHECK(value["llamacpp:kv_cache_usage_ratio"] == "0.25");
  CHECK(value["llamacpp:kv_cache_tokens"] == "1024");
  CHECK(value["llamacpp:requests_processing"] == "4");
  CHECK(value["llamacpp:requests_deferred"] == "2");

  // The throughput gauges cover the requests finished since the previous llama.cpp scrape, as
  // llama.cpp's "bucket"; the totals do not reset.
  const std::string again = metrics.render_prometheus("m", MetricsFlavor::llamacpp);
  CHECK_THAT(again, Catch::Contains("llamacpp:prompt_tokens_seconds 0\n"));
  CHECK_THAT(again, Catch::Contains("llamacpp:predicted_tokens_seconds 0\n"));
  CHECK_THAT(again, Catch::Contains("llamacpp:prompt_tokens_total 400\n"));
  metrics.on_request_succeeded(served(50, 2, times));  // prompt 90 ms, generation 20 ms
  const std::string third = metrics.render_prometheus("m", MetricsFlavor::llamacpp);
  CHECK(std::stod(samples(third)[6].second) == Approx(50 / 0.09).epsilon(1e-5));
  CHECK(std::stod(samples(third)[7].second) == Approx(2 / 0.02).epsilon(1e-5));
  // A vLLM scrape in between does not touch them. vLLM counts its token totals per engine step
  // (also for requests still running), llama.cpp when a request ends.
  const std::string vllm = metrics.render_prometheus("m");
  CHECK_THAT(vllm,
             Catch::Contains("vllm:prompt_tokens_total{engine=\"0\",model_name=\"m\"} 1000.0\n"));
  CHECK_THAT(vllm,
             Catch::Contains("vllm:generation_tokens_total{engine=\"0\",model_name=\"m\"} 40.0\n"));
  CHECK(samples(metrics.render_prometheus("m", MetricsFlavor::llamacpp))[0].second == "450");
}

TEST_CASE("llama.cpp values print as a C++ stream prints a double", "[metrics]") {
  SimMetrics metrics;
  std::vector<TimePoint> times;
  metrics.on_request_succeeded(served(1'234'567, 1, times));
  const std::string text = metrics.render_prometheus("m", MetricsFlavor::llamacpp);
  CHECK_THAT(text, Catch::Contains("llamacpp:prompt_tokens_total 1.23457e+06\n"));
  // The simple model (no engine): requests in flight are processing, no decode steps.
  metrics.on_request_started();
  const std::string simple = metrics.render_prometheus("m", MetricsFlavor::llamacpp);
  CHECK_THAT(simple, Catch::Contains("llamacpp:requests_processing 1\n"));
  CHECK_THAT(simple, Catch::Contains("llamacpp:n_busy_slots_per_decode 0\n"));
}
