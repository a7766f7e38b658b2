// The latency model, the /metrics counters and option validation: no sockets involved.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <string_view>
#include <vector>

#include "llmpace/core/setting_error.hpp"
#include "llmpace/sim/latency_model.hpp"
#include "llmpace/sim/sim_metrics.hpp"
#include "llmpace/sim/sim_options.hpp"

using namespace std::chrono_literals;
using namespace llmpace;
using namespace llmpace::sim;

TEST_CASE("without jitter the simple model returns the configured delays") {
  SimpleLatencyModel model{40ms, 10ms, 0.0, 1};
  CHECK(model.time_to_first_token(1000) == 40ms);
  CHECK(model.inter_token_latency() == 10ms);
}

TEST_CASE("jitter is seeded, clamped to 3 sigma and centred on the base delay") {
  SimpleLatencyModel a{100ms, 10ms, 0.1, 7};
  SimpleLatencyModel b{100ms, 10ms, 0.1, 7};
  std::vector<Nanoseconds> gaps;
  for (int i = 0; i < 5000; ++i) {
    const auto gap = a.inter_token_latency();
    CHECK(gap == b.inter_token_latency());
    gaps.push_back(gap);
  }
  const auto [low, high] = std::minmax_element(gaps.begin(), gaps.end());
  CHECK(*low >= 7ms);
  CHECK(*high <= 13ms);
  std::nth_element(gaps.begin(), gaps.begin() + 2500, gaps.end());
  CHECK(to_ms(gaps[2500]) == Approx(10.0).epsilon(0.02));

  SimpleLatencyModel other_seed{100ms, 10ms, 0.1, 8};
  CHECK(other_seed.time_to_first_token(1) !=
        SimpleLatencyModel{100ms, 10ms, 0.1, 7}.time_to_first_token(1));
}

TEST_CASE("a large jitter never yields a negative delay") {
  SimpleLatencyModel model{10ms, 10ms, 1.0, 3};
  for (int i = 0; i < 1000; ++i) CHECK(model.inter_token_latency() >= Nanoseconds::zero());
}

TEST_CASE("metrics render vLLM names in the Prometheus text format") {
  SimMetrics metrics;
  metrics.on_request_started();
  metrics.on_request_started();
  ServedRequest served;
  served.prompt_tokens = 10;
  served.generation_tokens = 5;
  served.arrived = TimePoint{} + 1s;
  served.scheduled = served.arrived + 10ms;
  std::vector<TimePoint> token_times;
  for (int i = 0; i < 5; ++i) token_times.push_back(served.arrived + 30ms + i * 20ms);
  served.token_times = token_times;
  served.done = served.arrived + 700ms;
  metrics.on_request_succeeded(served);
  metrics.on_request_ended();
  CHECK(metrics.running() == 1);

  const std::string text = metrics.render_prometheus("my-model");
  const auto has = [&](std::string_view line) {
    INFO(line);
    CHECK(text.find(line) != std::string::npos);
  };
  const std::string labels = R"(engine="0",model_name="my-model")";
  has("# TYPE vllm:num_requests_running gauge\n");
  has("vllm:num_requests_running{" + labels + "} 1.0\n");
  has("vllm:num_requests_waiting{" + labels + "} 0.0\n");
  has("# TYPE vllm:prompt_tokens_total counter\n");
  has("vllm:prompt_tokens_total{" + labels + "} 10.0\n");
  has("vllm:generation_tokens_total{" + labels + "} 5.0\n");
  has("vllm:request_success_total{" + labels + R"(,finished_reason="length"} 1.0)" + "\n");
  has("vllm:request_success_total{" + labels + R"(,finished_reason="stop"} 0.0)" + "\n");
  has("# TYPE vllm:time_to_first_token_seconds histogram\n");
  has("vllm:time_to_first_token_seconds_bucket{" + labels + R"(,le="0.02"} 0.0)" + "\n");
  has("vllm:time_to_first_token_seconds_bucket{" + labels + R"(,le="0.04"} 1.0)" + "\n");
  has("vllm:time_to_first_token_seconds_bucket{" + labels + R"(,le="+Inf"} 1.0)" + "\n");
  has("vllm:time_to_first_token_seconds_count{" + labels + "} 1.0\n");
  has("vllm:time_to_first_token_seconds_sum{" + labels + "} 0.03\n");
  has("vllm:e2e_request_latency_seconds_bucket{" + labels + R"(,le="0.5"} 0.0)" + "\n");
  has("vllm:e2e_request_latency_seconds_bucket{" + labels + R"(,le="0.8"} 1.0)" + "\n");
  has("vllm:e2e_request_latency_seconds_sum{" + labels + "} 0.7\n");
  has("vllm:inter_token_latency_seconds_bucket{" + labels + R"(,le="0.01"} 0.0)" + "\n");
  has("vllm:inter_token_latency_seconds_bucket{" + labels + R"(,le="0.025"} 4.0)" + "\n");
  has("vllm:inter_token_latency_seconds_count{" + labels + "} 4.0\n");
  has("vllm:request_queue_time_seconds_sum{" + labels + "} 0.01\n");
  has("vllm:request_prefill_time_seconds_sum{" + labels + "} 0.02\n");
  has("vllm:request_decode_time_seconds_sum{" + labels + "} 0.08\n");
  has("vllm:request_time_per_output_token_seconds_sum{" + labels + "} 0.02\n");
  has("vllm:request_generation_tokens_bucket{" + labels + R"(,le="5.0"} 1.0)" + "\n");
  has("vllm:kv_cache_usage_perc{" + labels + "} 0.0\n");
  CHECK(text.find("vllm:gpu_cache_usage_perc") == std::string::npos);
  CHECK(metrics.requests_succeeded() == 1);

  const std::string legacy = metrics.render_prometheus("my-model", MetricsFlavor::vllm_legacy);
  CHECK(legacy.find("vllm:gpu_cache_usage_perc{") != std::string::npos);
  CHECK(legacy.find("vllm:time_per_output_token_seconds_count{") != std::string::npos);
  CHECK(legacy.find("vllm:kv_cache_usage_perc") == std::string::npos);
  CHECK(legacy.find("vllm:inter_token_latency_seconds") == std::string::npos);
}

TEST_CASE("inference gauges replace the in-flight count once an inference model reports") {
  SimMetrics metrics;
  metrics.on_request_started();
  CHECK(metrics.running() == 1);
  metrics.set_inference_gauges({.running = 7,
                                .waiting = 3,
                                .kv_cache_usage = 0.5,
                                .preemptions_total = 2,
                                .prefix_cache_queries_total = 100,
                                .prefix_cache_hits_total = 40});
  CHECK(metrics.running() == 7);
  const std::string text = metrics.render_prometheus("m");
  const std::string labels = R"({engine="0",model_name="m"} )";
  CHECK_THAT(text, Catch::Contains("vllm:num_requests_waiting" + labels + "3.0\n"));
  CHECK_THAT(text, Catch::Contains("vllm:kv_cache_usage_perc" + labels + "0.5\n"));
  CHECK_THAT(text, Catch::Contains("vllm:num_preemptions_total" + labels + "2.0\n"));
  CHECK_THAT(text, Catch::Contains("vllm:prefix_cache_hits_total" + labels + "40.0\n"));
}

TEST_CASE("a histogram bucket includes its upper bound") {
  const std::array bounds{0.1, 1.0};
  AtomicHistogram histogram{bounds};
  histogram.observe(100ms);
  histogram.observe(2s);
  std::string out;
  histogram.render(out, "h", R"(a="b")");
  CHECK(out ==
        "h_bucket{a=\"b\",le=\"0.1\"} 1.0\nh_bucket{a=\"b\",le=\"1.0\"} 1.0\n"
        "h_bucket{a=\"b\",le=\"+Inf\"} 2.0\nh_count{a=\"b\"} 2.0\nh_sum{a=\"b\"} 2.1\n");
}

TEST_CASE("option validation names the setting by its key") {
  const auto rejects = [](auto change, std::string_view key) {
    SimOptions options;
    change(options);
    INFO(key);
    CHECK_THROWS_MATCHES(validate_sim_options(options), SettingError,
                         Catch::Predicate<SettingError>(
                             [key](const SettingError& error) { return error.setting() == key; }));
  };
  CHECK_NOTHROW(validate_sim_options(SimOptions{}));
  rejects([](SimOptions& o) { o.ttft = -1ms; }, "ttft_ms");
  rejects([](SimOptions& o) { o.itl = 2h; }, "itl_ms");
  rejects([](SimOptions& o) { o.jitter = -0.1; }, "jitter");
  rejects([](SimOptions& o) { o.fail_rate = 1.5; }, "fail_rate");
  rejects([](SimOptions& o) { o.default_output_tokens = 0; }, "default_output_tokens");
  rejects([](SimOptions& o) { o.threads = 0; }, "threads");
  rejects([](SimOptions& o) { o.model.clear(); }, "model");
  // Two settings that clash: no key, both named in the message.
  SimOptions options;
  options.tls_cert_file = "c.pem";
  CHECK_THROWS_WITH(validate_sim_options(options),
                    "{tls_cert_file} and {tls_key_file} must be given together");
}
