// The vocabulary fed by the parser: the captured /metrics bodies of tests/data/prometheus, and two
// scrapes of text through to the summary.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "llmpace/telemetry/exposition.hpp"
#include "llmpace/telemetry/readings.hpp"
#include "llmpace/telemetry/telemetry_summary.hpp"

using llmpace::telemetry::Exposition;
using llmpace::telemetry::GpuReading;
using llmpace::telemetry::parse_exposition;
using llmpace::telemetry::read_gpu_metrics;
using llmpace::telemetry::read_server_metrics;
using llmpace::telemetry::ServerFlavor;
using llmpace::telemetry::ServerReading;

namespace {

Exposition fixture(const std::string& name) {
  const std::string path = std::string(LLMPACE_TEST_DATA_DIR) + "/prometheus/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream body;
  body << in.rdbuf();
  return parse_exposition(body.str());
}

}  // namespace

TEST_CASE("readings from text: vLLM as prometheus_client writes it, with a kserve_vllm copy",
          "[readings_text]") {
  const Exposition exposition = fixture("vllm_real_shape.txt");
  const ServerReading reading = read_server_metrics(exposition, "meta-llama/Llama-3.1-8B-Instruct");
  CHECK(reading.flavor == ServerFlavor::vllm);
  CHECK(reading.requests_running == 12);  // the kserve_vllm: copy is not added
  CHECK(reading.requests_waiting == 3);
  CHECK(reading.requests_waiting_by_reason ==
        std::map<std::string, double>{{"capacity", 3}, {"deferred", 0}});
  CHECK(reading.kv_cache_usage == Approx(0.9731));
  CHECK(reading.kv_capacity_tokens == 29426.0 * 16);
  CHECK(reading.preemptions_total == 41);  // not num_preemptions_created
  CHECK(reading.prompt_tokens_total == 737280);
  CHECK(reading.generation_tokens_total == 184320);
  REQUIRE(reading.ttft_seconds);
  CHECK(reading.ttft_seconds->count == 180);
  CHECK(reading.ttft_seconds->sum == Approx(13.917362213134766));
  CHECK(reading.ttft_seconds->upper_bounds.size() == 23);  // vLLM's 22 bounds and +Inf
  CHECK(reading.model_names == std::vector<std::string>{"meta-llama/Llama-3.1-8B-Instruct"});
  CHECK_FALSE(read_server_metrics(exposition, "other-model").requests_running);
}

TEST_CASE("readings from text: the simulator's vLLM body", "[readings_text]") {
  const ServerReading reading = read_server_metrics(fixture("vllm_sim_mistral_small_24b.txt"), "");
  CHECK(reading.flavor == ServerFlavor::vllm);
  CHECK(reading.requests_running == 1);
  CHECK(reading.prefix_cache_queries_total == 41472);
  CHECK(reading.prefix_cache_hits_total == 0);
  REQUIRE(reading.itl_seconds);
  CHECK(reading.itl_seconds->count == 5040);
  REQUIRE(reading.tpot_seconds);
  CHECK(reading.tpot_seconds->count == 80);
  REQUIRE(reading.e2e_seconds);
  REQUIRE(reading.queue_seconds);
  CHECK(reading.queue_seconds->sum == Approx(2.129976579));
}

TEST_CASE("readings from text: llama.cpp, current and 2024 builds", "[readings_text]") {
  const ServerReading current = read_server_metrics(fixture("llamacpp.txt"), "");
  CHECK(current.flavor == ServerFlavor::llamacpp);
  CHECK(current.requests_running == 4);
  CHECK(current.requests_waiting == 2);
  CHECK(current.prompt_tokens_total == 1.23457e+06);
  CHECK(current.generation_tokens_total == 348690);
  CHECK_FALSE(current.kv_cache_usage);
  CHECK_FALSE(current.ttft_seconds);

  const ServerReading older = read_server_metrics(fixture("llamacpp_2024.txt"), "");
  CHECK(older.kv_cache_usage == Approx(0.0457764));
  CHECK(older.requests_running == 1);
  CHECK(older.generation_tokens_total == 3469);
}

TEST_CASE("readings from text: dcgm-exporter on Kubernetes, two GPUs", "[readings_text]") {
  const std::vector<GpuReading> gpus = read_gpu_metrics(fixture("dcgm_exporter_k8s.txt"));
  REQUIRE(gpus.size() == 2);
  CHECK(gpus[0].uuid == "GPU-5a7c3d0e-8f4b-2c91-77d6-1e0f9b2a4c11");
  CHECK(gpus[0].gpu == "0");
  CHECK(gpus[0].hostname == "worker-gpu-1");
  CHECK(gpus[0].model_name == "NVIDIA H100 80GB HBM3");
  CHECK(gpus[0].util_percent == 97);
  CHECK(gpus[0].power_w == Approx(612.348));
  CHECK(gpus[0].fb_used_mib == 77668);
  CHECK(gpus[0].fb_free_mib == 3411);
  CHECK(gpus[0].gr_engine_active == Approx(0.987654));
  CHECK(gpus[0].tensor_active == Approx(0.451239));
  CHECK(gpus[0].dram_active == Approx(0.783311));
  CHECK(gpus[0].sm_clock_mhz == 1980);
  CHECK(gpus[0].temp_c == 63);
  CHECK(gpus[1].gpu == "1");
  CHECK(gpus[1].util_percent == 0);
  CHECK(gpus[1].fb_used_mib == 1);
  CHECK(read_server_metrics(fixture("dcgm_exporter_k8s.txt"), "").flavor == ServerFlavor::unknown);
}

TEST_CASE("readings from text: two vLLM scrapes through to the summary", "[readings_text]") {
  // Two DP engines; the second scrape adds 4 TTFTs in (0.1, 0.25] and 2 in (0.25, 0.5].
  const auto body = [](double running, double tokens, double low, double high, double sum) {
    std::ostringstream text;
    text << "# TYPE vllm:num_requests_running gauge\n";
    for (const char* engine : {"0", "1"}) {
      const std::string labels = std::string("engine=\"") + engine + "\",model_name=\"m\"";
      text << "vllm:num_requests_running{" << labels << "} " << running << "\n"
           << "vllm:generation_tokens_total{" << labels << "} " << tokens << "\n"
           << "vllm:time_to_first_token_seconds_bucket{" << labels << ",le=\"0.1\"} 1\n"
           << "vllm:time_to_first_token_seconds_bucket{" << labels << ",le=\"0.25\"} " << low
           << "\n"
           << "vllm:time_to_first_token_seconds_bucket{" << labels << ",le=\"0.5\"} " << high
           << "\n"
           << "vllm:time_to_first_token_seconds_bucket{" << labels << ",le=\"+Inf\"} " << high
           << "\n"
           << "vllm:time_to_first_token_seconds_sum{" << labels << "} " << sum << "\n"
           << "vllm:time_to_first_token_seconds_count{" << labels << "} " << high << "\n";
    }
    return text.str();
  };
  llmpace::telemetry::TelemetryCapture capture;
  capture.benchmark_duration_s = 10;
  capture.server = {{-0.2, read_server_metrics(parse_exposition(body(0, 100, 1, 1, 0.05)), "m")},
                    {10.1, read_server_metrics(parse_exposition(body(2, 600, 3, 4, 0.80)), "m")}};
  const auto summary = llmpace::telemetry::summarise_telemetry(capture);
  REQUIRE(summary.server);
  CHECK(summary.server->generation_tokens->delta == 1000);  // 500 per engine
  CHECK(summary.server->generation_tokens->per_s == Approx(100));
  REQUIRE(summary.server->ttft);
  CHECK(summary.server->ttft->count == 6);
  CHECK(summary.server->ttft->mean_ms == Approx(1.5 / 6 * 1000));
  // rank 3 of 6: the last of the 4 in (0.1, 0.25] -> 0.1 + 0.15 * 3/4.
  CHECK(summary.server->ttft->p50->value_ms == Approx(212.5));
  // No reading inside: the closing scrape just after the end stands in for the window.
  CHECK(summary.server->requests_running->max == 4);
}
