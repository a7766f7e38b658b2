#include "llmpace/telemetry/readings.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "unit/telemetry/exposition_builder.hpp"

using llmpace::telemetry::Exposition;
using llmpace::telemetry::GpuReading;
using llmpace::telemetry::HistogramReading;
using llmpace::telemetry::Label;
using llmpace::telemetry::parse_server_flavor;
using llmpace::telemetry::read_gpu_metrics;
using llmpace::telemetry::read_server_metrics;
using llmpace::telemetry::ServerFlavor;
using llmpace::telemetry::ServerReading;
using llmpace::telemetry::test::ExpositionBuilder;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const std::vector<double> kTtftBounds{0.01, 0.1, 1.0};
const std::vector<double> kItlBounds{0.005, 0.05, 0.5};

/// The numbers of one vLLM engine, written with `prefix` and the current or pre-0.10 names.
void add_vllm(ExpositionBuilder& out, const std::string& prefix, bool legacy,
              const std::vector<Label>& labels, double scale = 1.0) {
  out.add(prefix + (legacy ? "gpu_cache_usage_perc" : "kv_cache_usage_perc"), labels, 0.25);
  out.add(prefix + "num_requests_running", labels, 3 * scale);
  out.add(prefix + "num_requests_waiting", labels, 2 * scale);
  out.add(prefix + "num_preemptions_total", labels, 4 * scale);
  out.add(prefix + "prompt_tokens_total", labels, 1000 * scale);
  out.add(prefix + "generation_tokens_total", labels, 500 * scale);
  const std::string cache = prefix + (legacy ? "gpu_prefix_cache_" : "prefix_cache_");
  out.add(cache + "queries_total", labels, 800 * scale);
  out.add(cache + "hits_total", labels, 200 * scale);
  out.histogram(prefix + "time_to_first_token_seconds", labels, kTtftBounds,
                {1 * scale, 5 * scale, 9 * scale}, 3.5 * scale);
  out.histogram(prefix + (legacy ? "time_per_output_token_seconds" : "inter_token_latency_seconds"),
                labels, kItlBounds, {10 * scale, 90 * scale, 100 * scale}, 4.0 * scale);
  if (!legacy) {
    std::vector<Label> waiting = labels;
    waiting.push_back({"reason", "capacity"});
    out.add(prefix + "num_requests_waiting_by_reason", waiting, 2 * scale);
    out.histogram(prefix + "request_time_per_output_token_seconds", labels, kItlBounds,
                  {0, 8 * scale, 9 * scale}, 0.4 * scale);
  }
  out.histogram(prefix + "e2e_request_latency_seconds", labels, {1.0, 10.0}, {2 * scale, 9 * scale},
                30 * scale);
  out.histogram(prefix + "request_queue_time_seconds", labels, {0.3, 1.0}, {8 * scale, 9 * scale},
                0.5 * scale);
}

void add_cache_config(ExpositionBuilder& out, const std::string& prefix, const std::string& engine,
                      const std::string& blocks) {
  out.add(prefix + "cache_config_info",
          {{"block_size", "16"},
           {"cache_dtype", "auto"},
           {"engine", engine},
           {"num_gpu_blocks", blocks}},
          1.0);
}

const std::vector<Label> kEngine0{{"engine", "0"}, {"model_name", "m"}};
const std::vector<Label> kEngine1{{"engine", "1"}, {"model_name", "m"}};

void check_histogram(const std::optional<HistogramReading>& histogram,
                     const std::vector<double>& bounds, const std::vector<double>& cumulative,
                     double sum) {
  REQUIRE(histogram);
  std::vector<double> with_inf = bounds;
  with_inf.push_back(std::numeric_limits<double>::infinity());
  std::vector<double> counts = cumulative;
  counts.push_back(cumulative.back());
  CHECK(histogram->upper_bounds == with_inf);
  CHECK(histogram->cumulative_counts == counts);
  CHECK(histogram->sum == Approx(sum));
  CHECK(histogram->count == cumulative.back());
}

/// The figures every flavour of vLLM gives for add_vllm's numbers.
void check_vllm_figures(const ServerReading& reading) {
  CHECK(reading.kv_cache_usage == 0.25);
  CHECK(reading.requests_running == 3);
  CHECK(reading.requests_waiting == 2);
  CHECK(reading.preemptions_total == 4);
  CHECK(reading.prompt_tokens_total == 1000);
  CHECK(reading.generation_tokens_total == 500);
  CHECK(reading.prefix_cache_queries_total == 800);
  CHECK(reading.prefix_cache_hits_total == 200);
  check_histogram(reading.ttft_seconds, kTtftBounds, {1, 5, 9}, 3.5);
  check_histogram(reading.itl_seconds, kItlBounds, {10, 90, 100}, 4.0);
  check_histogram(reading.e2e_seconds, {1.0, 10.0}, {2, 9}, 30);
  check_histogram(reading.queue_seconds, {0.3, 1.0}, {8, 9}, 0.5);
  CHECK(reading.model_names == std::vector<std::string>{"m"});
}

}  // namespace

TEST_CASE("readings: current vLLM names", "[readings]") {
  ExpositionBuilder out;
  add_vllm(out, "vllm:", false, kEngine0);
  add_cache_config(out, "vllm:", "0", "1000");
  const ServerReading reading = read_server_metrics(out.get(), "m");
  CHECK(reading.flavor == ServerFlavor::vllm);
  check_vllm_figures(reading);
  check_histogram(reading.tpot_seconds, kItlBounds, {0, 8, 9}, 0.4);
  CHECK(reading.requests_waiting_by_reason == std::map<std::string, double>{{"capacity", 2}});
  CHECK(reading.kv_capacity_tokens == 16000);
}

TEST_CASE("readings: vLLM before 0.10 gives the same figures", "[readings]") {
  ExpositionBuilder out;
  add_vllm(out, "vllm:", true, kEngine0);
  const ServerReading reading = read_server_metrics(out.get(), "m");
  CHECK(reading.flavor == ServerFlavor::vllm_legacy);
  check_vllm_figures(reading);
  CHECK_FALSE(reading.tpot_seconds);
  CHECK(reading.requests_waiting_by_reason.empty());
  CHECK_FALSE(reading.kv_capacity_tokens);
}

TEST_CASE("readings: vLLM 0.9 exposes old and new names together: each counted once",
          "[readings]") {
  ExpositionBuilder out;
  add_vllm(out, "vllm:", false, kEngine0);
  // The deprecated copies, with other numbers: the current names win, nothing is added.
  out.add("vllm:gpu_cache_usage_perc", kEngine0, 0.9);
  out.add("vllm:gpu_prefix_cache_queries_total", kEngine0, 1);
  out.histogram("vllm:time_per_output_token_seconds", kEngine0, kItlBounds, {1, 1, 1}, 1);
  const ServerReading reading = read_server_metrics(out.get(), "m");
  CHECK(reading.flavor == ServerFlavor::vllm);
  check_vllm_figures(reading);
}

TEST_CASE("readings: kserve_vllm copies alone give the same figures", "[readings]") {
  ExpositionBuilder out;
  add_vllm(out, "kserve_vllm:", false, kEngine0);
  add_cache_config(out, "kserve_vllm:", "0", "1000");
  const ServerReading reading = read_server_metrics(out.get(), "m");
  CHECK(reading.flavor == ServerFlavor::kserve_vllm);
  check_vllm_figures(reading);
  check_histogram(reading.tpot_seconds, kItlBounds, {0, 8, 9}, 0.4);
  CHECK(reading.kv_capacity_tokens == 16000);
}

TEST_CASE("readings: vllm: and kserve_vllm: copies together are not double counted", "[readings]") {
  ExpositionBuilder out;
  add_vllm(out, "kserve_vllm:", false, kEngine0, 7.0);  // other numbers: must not be used
  add_vllm(out, "vllm:", false, kEngine0);
  add_cache_config(out, "kserve_vllm:", "0", "5");
  add_cache_config(out, "vllm:", "0", "1000");
  const ServerReading reading = read_server_metrics(out.get(), "m");
  CHECK(reading.flavor == ServerFlavor::vllm);
  check_vllm_figures(reading);
  CHECK(reading.kv_capacity_tokens == 16000);
}

TEST_CASE("readings: llama.cpp's names give the figures it has, and no others", "[readings]") {
  ExpositionBuilder out;
  out.add("llamacpp:prompt_tokens_total", {}, 1000);
  out.add("llamacpp:prompt_seconds_total", {}, 12.5);
  out.add("llamacpp:tokens_predicted_total", {}, 500);
  out.add("llamacpp:prompt_tokens_seconds", {}, 80);
  out.add("llamacpp:requests_processing", {}, 3);
  out.add("llamacpp:requests_deferred", {}, 2);
  out.add("llamacpp:kv_cache_usage_ratio", {}, 0.25);
  out.add("llamacpp:n_busy_slots_per_decode", {}, 2.5);
  const ServerReading reading = read_server_metrics(out.get(), "");
  CHECK(reading.flavor == ServerFlavor::llamacpp);
  CHECK(reading.kv_cache_usage == 0.25);
  CHECK(reading.requests_running == 3);
  CHECK(reading.requests_waiting == 2);
  CHECK(reading.prompt_tokens_total == 1000);
  CHECK(reading.generation_tokens_total == 500);
  CHECK_FALSE(reading.preemptions_total);
  CHECK_FALSE(reading.prefix_cache_queries_total);
  CHECK_FALSE(reading.ttft_seconds);
  CHECK_FALSE(reading.itl_seconds);
  CHECK_FALSE(reading.kv_capacity_tokens);
  CHECK(reading.model_names.empty());

  // Current llama-server builds no longer expose the KV ratio: the figure is absent, not 0.
  ExpositionBuilder without_kv;
  without_kv.add("llamacpp:requests_processing", {}, 3);
  CHECK_FALSE(read_server_metrics(without_kv.get(), "").kv_cache_usage);
}

TEST_CASE("readings: a counter without the _total suffix is read", "[readings]") {
  ExpositionBuilder out;
  out.add("vllm:prompt_tokens", kEngine0, 42);
  out.add("vllm:generation_tokens_total", kEngine0, 7);
  out.add("vllm:generation_tokens", kEngine0, 99);  // the _total form wins
  const ServerReading reading = read_server_metrics(out.get(), "");
  CHECK(reading.prompt_tokens_total == 42);
  CHECK(reading.generation_tokens_total == 7);
}

TEST_CASE("readings: the model filter keeps the model's samples and those without a model",
          "[readings]") {
  ExpositionBuilder out;
  add_vllm(out, "vllm:", false, {{"engine", "0"}, {"model_name", "a"}});
  add_vllm(out, "vllm:", false, {{"engine", "0"}, {"model_name", "b"}}, 10.0);
  add_cache_config(out, "vllm:", "0", "1000");  // no model_name label: kept

  const ServerReading a = read_server_metrics(out.get(), "a");
  CHECK(a.requests_running == 3);
  CHECK(a.prompt_tokens_total == 1000);
  REQUIRE(a.ttft_seconds);
  CHECK(a.ttft_seconds->count == 9);
  CHECK(a.kv_capacity_tokens == 16000);
  CHECK(a.model_names == std::vector<std::string>{"a", "b"});

  const ServerReading b = read_server_metrics(out.get(), "b");
  CHECK(b.requests_running == 30);
  CHECK(b.prompt_tokens_total == 10000);

  const ServerReading all = read_server_metrics(out.get(), "");
  CHECK(all.requests_running == 33);
  REQUIRE(all.ttft_seconds);
  CHECK(all.ttft_seconds->count == 99);

  const ServerReading none = read_server_metrics(out.get(), "c");
  CHECK_FALSE(none.requests_running);
  CHECK_FALSE(none.kv_cache_usage);
  CHECK_FALSE(none.ttft_seconds);
  CHECK(none.kv_capacity_tokens == 16000);
  CHECK(none.model_names == std::vector<std::string>{"a", "b"});
}

TEST_CASE("readings: two engines (DP ranks) are summed, KV usage is their weighted mean",
          "[readings]") {
  ExpositionBuilder out;
  out.add("vllm:num_requests_running", kEngine0, 3);
  out.add("vllm:num_requests_running", kEngine1, 4);
  out.add("vllm:prompt_tokens_total", kEngine0, 100);
  out.add("vllm:prompt_tokens_total", kEngine1, 250);
  out.add("vllm:kv_cache_usage_perc", kEngine0, 0.2);
  out.add("vllm:kv_cache_usage_perc", kEngine1, 0.8);
  out.histogram("vllm:time_to_first_token_seconds", kEngine0, kTtftBounds, {1, 2, 3}, 1.0);
  out.histogram("vllm:time_to_first_token_seconds", kEngine1, kTtftBounds, {0, 4, 5}, 2.0);

  SECTION("without capacities: the plain mean") {
    const ServerReading reading = read_server_metrics(out.get(), "m");
    CHECK(reading.requests_running == 7);
    CHECK(reading.prompt_tokens_total == 350);
    CHECK(reading.kv_cache_usage == Approx(0.5));
    check_histogram(reading.ttft_seconds, kTtftBounds, {1, 6, 8}, 3.0);
  }
  SECTION("with each engine's capacity: weighted by it") {
    add_cache_config(out, "vllm:", "0", "1000");
    add_cache_config(out, "vllm:", "1", "3000");
    const ServerReading reading = read_server_metrics(out.get(), "m");
    CHECK(reading.kv_cache_usage == Approx((0.2 * 1000 + 0.8 * 3000) / 4000));
    CHECK(reading.kv_capacity_tokens == 64000);
  }
  SECTION("a repeated series counts once") {
    out.add("vllm:num_requests_running", kEngine1, 4);
    CHECK(read_server_metrics(out.get(), "m").requests_running == 7);
  }
}

TEST_CASE("readings: histograms of different bounds merge over the bounds both have",
          "[readings]") {
  ExpositionBuilder out;
  out.histogram("vllm:time_to_first_token_seconds", kEngine0, {0.01, 0.1, 1.0}, {1, 2, 3}, 1.0);
  out.histogram("vllm:time_to_first_token_seconds", kEngine1, {0.1, 0.5, 1.0}, {4, 5, 6}, 2.0);
  const ServerReading reading = read_server_metrics(out.get(), "m");
  check_histogram(reading.ttft_seconds, {0.1, 1.0}, {6, 9}, 3.0);
}

TEST_CASE("readings: a broken histogram is dropped, not half-used", "[readings]") {
  ExpositionBuilder out;
  out.add("vllm:num_requests_running", kEngine0, 1);
  SECTION("no +Inf bucket") {
    out.histogram("vllm:time_to_first_token_seconds", kEngine0, kTtftBounds, {1, 2, 3}, 1.0, false);
  }
  SECTION("a bucket count that goes down") {
    out.histogram("vllm:time_to_first_token_seconds", kEngine0, kTtftBounds, {1, 5, 3}, 1.0);
  }
  SECTION("one engine of two broken") {
    out.histogram("vllm:time_to_first_token_seconds", kEngine0, kTtftBounds, {1, 2, 3}, 1.0);
    out.histogram("vllm:time_to_first_token_seconds", kEngine1, kTtftBounds, {1, kNaN, 3}, 1.0);
  }
  SECTION("an le that is not a number") {
    out.add("vllm:time_to_first_token_seconds_bucket", {{"le", "fast"}}, 1);
    out.histogram("vllm:time_to_first_token_seconds", kEngine0, kTtftBounds, {1, 2, 3}, 1.0);
  }
  SECTION("no _sum") { out.add("vllm:time_to_first_token_seconds_bucket", {{"le", "+Inf"}}, 1); }
  const ServerReading reading = read_server_metrics(out.get(), "");
  CHECK(reading.requests_running == 1);
  CHECK_FALSE(reading.ttft_seconds);
}

TEST_CASE("readings: impossible values leave the figure empty", "[readings]") {
  ExpositionBuilder out;
  out.add("vllm:num_requests_running", kEngine0, kNaN);
  out.add("vllm:num_requests_waiting", kEngine0, 2);
  out.add("vllm:num_requests_waiting", kEngine1, -1);
  out.add("vllm:kv_cache_usage_perc", kEngine0, 1.5);
  out.add("vllm:prompt_tokens_total", kEngine0, std::numeric_limits<double>::infinity());
  out.add("vllm:generation_tokens_total", kEngine0, 12);
  const ServerReading reading = read_server_metrics(out.get(), "");
  CHECK_FALSE(reading.requests_running);
  CHECK_FALSE(reading.requests_waiting);
  CHECK_FALSE(reading.kv_cache_usage);
  CHECK_FALSE(reading.prompt_tokens_total);
  CHECK(reading.generation_tokens_total == 12);
}

TEST_CASE("readings: cache_config_info before the blocks are known gives no capacity",
          "[readings]") {
  ExpositionBuilder out;
  add_cache_config(out, "vllm:", "0", "None");
  CHECK_FALSE(read_server_metrics(out.get(), "").kv_capacity_tokens);
}

TEST_CASE("readings: no known family is flavour unknown with every figure empty", "[readings]") {
  ExpositionBuilder out;
  out.add("go_goroutines", {}, 12);
  out.add("process_cpu_seconds_total", {}, 3.5);
  const ServerReading reading = read_server_metrics(out.get(), "");
  CHECK(reading.flavor == ServerFlavor::unknown);
  CHECK_FALSE(reading.requests_running);
  CHECK_FALSE(reading.prompt_tokens_total);
}

TEST_CASE("readings: flavour names round trip", "[readings]") {
  for (const ServerFlavor flavor :
       {ServerFlavor::unknown, ServerFlavor::vllm, ServerFlavor::vllm_legacy,
        ServerFlavor::kserve_vllm, ServerFlavor::llamacpp}) {
    CHECK(parse_server_flavor(to_string(flavor)) == flavor);
  }
  CHECK(to_string(ServerFlavor::vllm_legacy) == "vllm_legacy");
  CHECK_FALSE(parse_server_flavor("tgi"));
}

namespace {

std::vector<Label> dcgm_labels(const std::string& gpu, const std::string& uuid) {
  return {{"gpu", gpu},
          {"UUID", uuid},
          {"device", "nvidia" + gpu},
          {"modelName", "NVIDIA H100 80GB HBM3"},
          {"Hostname", "node-1"},
          {"DCGM_FI_DRIVER_VERSION", "550.54.15"}};
}

void add_dcgm(ExpositionBuilder& out, const std::vector<Label>& labels, double util,
              double fb_used) {
  out.add("DCGM_FI_DEV_SM_CLOCK", labels, 1980);
  out.add("DCGM_FI_DEV_GPU_TEMP", labels, 61);
  out.add("DCGM_FI_DEV_POWER_USAGE", labels, 512.5);
  out.add("DCGM_FI_DEV_GPU_UTIL", labels, util);
  out.add("DCGM_FI_DEV_FB_FREE", labels, 81559 - fb_used);
  out.add("DCGM_FI_DEV_FB_USED", labels, fb_used);
  out.add("DCGM_FI_PROF_GR_ENGINE_ACTIVE", labels, util / 100);
  out.add("DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", labels, 0.4);
  out.add("DCGM_FI_PROF_DRAM_ACTIVE", labels, 0.6);
  out.add("DCGM_FI_DEV_XID_ERRORS", labels, 0);  // not read
}

}  // namespace

TEST_CASE("readings: DCGM, two GPUs", "[readings]") {
  ExpositionBuilder out;
  add_dcgm(out, dcgm_labels("0", "GPU-aaaa"), 97, 70000);
  add_dcgm(out, dcgm_labels("1", "GPU-bbbb"), 12, 1000);
  const std::vector<GpuReading> gpus = read_gpu_metrics(out.get());
  REQUIRE(gpus.size() == 2);
  CHECK(gpus[0].gpu == "0");
  CHECK(gpus[0].uuid == "GPU-aaaa");
  CHECK(gpus[0].model_name == "NVIDIA H100 80GB HBM3");
  CHECK(gpus[0].hostname == "node-1");
  CHECK(gpus[0].util_percent == 97);
  CHECK(gpus[0].gr_engine_active == Approx(0.97));
  CHECK(gpus[0].tensor_active == 0.4);
  CHECK(gpus[0].dram_active == 0.6);
  CHECK(gpus[0].fb_used_mib == 70000);
  CHECK(gpus[0].fb_free_mib == 11559);
  CHECK(gpus[0].power_w == 512.5);
  CHECK(gpus[0].temp_c == 61);
  CHECK(gpus[0].sm_clock_mhz == 1980);
  CHECK(gpus[1].uuid == "GPU-bbbb");
  CHECK(gpus[1].util_percent == 12);
  CHECK(gpus[1].fb_used_mib == 1000);
}

TEST_CASE("readings: DCGM, pods sharing a GPU are one GPU, odd values dropped", "[readings]") {
  ExpositionBuilder out;
  std::vector<Label> pod_a = dcgm_labels("0", "GPU-aaaa");
  pod_a.push_back({"pod", "a"});
  std::vector<Label> pod_b = dcgm_labels("0", "GPU-aaaa");
  pod_b.push_back({"pod", "b"});
  out.add("DCGM_FI_DEV_FB_USED", pod_a, 5000);
  out.add("DCGM_FI_DEV_FB_USED", pod_b, 5000);
  out.add("DCGM_FI_DEV_GPU_UTIL", pod_a, 140);  // beyond 100 %: dropped
  out.add("DCGM_FI_DEV_POWER_USAGE", pod_a, kNaN);
  out.add("DCGM_FI_PROF_DRAM_ACTIVE", pod_a, 1.2);
  const std::vector<GpuReading> gpus = read_gpu_metrics(out.get());
  REQUIRE(gpus.size() == 1);
  CHECK(gpus[0].fb_used_mib == 5000);  // not 10000
  CHECK_FALSE(gpus[0].util_percent);
  CHECK_FALSE(gpus[0].power_w);
  CHECK_FALSE(gpus[0].dram_active);
}

TEST_CASE("readings: DCGM without UUID is keyed by gpu and host, MIG instances apart",
          "[readings]") {
  ExpositionBuilder out;
  out.add("DCGM_FI_DEV_GPU_TEMP", {{"gpu", "0"}, {"Hostname", "a"}}, 50);
  out.add("DCGM_FI_DEV_GPU_TEMP", {{"gpu", "0"}, {"Hostname", "b"}}, 60);
  out.add("DCGM_FI_DEV_FB_USED", {{"gpu", "1"}, {"UUID", "GPU-c"}, {"GPU_I_ID", "1"}}, 100);
  out.add("DCGM_FI_DEV_FB_USED", {{"gpu", "1"}, {"UUID", "GPU-c"}, {"GPU_I_ID", "2"}}, 200);
  const std::vector<GpuReading> gpus = read_gpu_metrics(out.get());
  REQUIRE(gpus.size() == 4);
  CHECK(gpus[0].hostname == "a");
  CHECK(gpus[0].temp_c == 50);
  CHECK(gpus[1].hostname == "b");
  CHECK(gpus[1].temp_c == 60);
  CHECK(gpus[2].gpu == "1/1");
  CHECK(gpus[2].fb_used_mib == 100);
  CHECK(gpus[3].gpu == "1/2");
  CHECK(gpus[3].fb_used_mib == 200);
  CHECK(read_gpu_metrics(Exposition{}).empty());
}
