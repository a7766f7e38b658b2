// Throughput of the Prometheus text parser (telemetry::parse_exposition) on bodies shaped as the
// scraper reads them, built from the fixtures in tests/data/prometheus:
//   vllm_8x4      the simulator's vLLM /metrics for 8 models × 4 engines (data-parallel ranks):
//                 every sample line repeated per (model, engine), families grouped (~1 MB);
//   dcgm_8_gpus   a Kubernetes node's dcgm-exporter /metrics for 8 GPUs (14 fields each);
//   llamacpp      llama.cpp's /metrics (11 unlabelled samples, the smallest body).
// bytes_per_second is the figure docs/performance.md records; items_per_second counts samples.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/telemetry/exposition.hpp"

namespace {

std::string read_fixture(const char* name) {
  const std::string path = std::string(LLMPACE_BENCH_DATA_DIR) + "/prometheus/" + name;
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

/// Each sample line of `body` written once per replacement of `from`, in place; comment lines once.
template <typename Replacements>
std::string repeat_samples(const std::string& body, std::string_view from,
                           const Replacements& replacements) {
  std::string out;
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') {
      out += line + '\n';
      continue;
    }
    for (const std::string& to : replacements) out += replace_all(line, from, to) + '\n';
  }
  return out;
}

const std::string& vllm_body() {
  static const std::string body = [] {
    std::vector<std::string> label_sets;
    for (int model = 0; model < 8; ++model) {
      for (int engine = 0; engine < 4; ++engine) {
        label_sets.push_back(fmt::format(
            "engine=\"{}\",model_name=\"mistralai/Mistral-Small-24B-Instruct-2501-replica-{}\"",
            engine, model));
      }
    }
    return repeat_samples(read_fixture("vllm_sim_mistral_small_24b.txt"),
                          "engine=\"0\",model_name=\"mistralai/Mistral-Small-24B-Instruct-2501\"",
                          label_sets);
  }();
  return body;
}

const std::string& dcgm_body() {
  static const std::string body = [] {
    std::string two_gpus = read_fixture("dcgm_exporter_k8s.txt");
    // Keep GPU 0's lines (allocated to a pod) and write them for GPUs 0 to 7.
    std::string gpu0;
    std::istringstream lines(two_gpus);
    std::string line;
    while (std::getline(lines, line)) {
      if (line[0] == '#' || line.find("gpu=\"0\"") != std::string::npos) gpu0 += line + '\n';
    }
    std::vector<std::string> gpus;
    for (int gpu = 0; gpu < 8; ++gpu) {
      gpus.push_back(
          fmt::format("gpu=\"{}\",UUID=\"GPU-5a7c3d0e-8f4b-2c91-77d6-1e0f9b2a4c1{}\"", gpu, gpu));
    }
    return repeat_samples(gpu0, "gpu=\"0\",UUID=\"GPU-5a7c3d0e-8f4b-2c91-77d6-1e0f9b2a4c11\"",
                          gpus);
  }();
  return body;
}

const std::string& llamacpp_body() {
  static const std::string body = read_fixture("llamacpp.txt");
  return body;
}

void run(benchmark::State& state, const std::string& body, std::size_t expected_samples) {
  std::size_t samples = 0;
  for (auto _ : state) {
    const llmpace::telemetry::Exposition exposition = llmpace::telemetry::parse_exposition(body);
    samples = exposition.samples.size();
    if (!exposition.skipped.empty()) {
      state.SkipWithError("the body had skipped lines");
      return;
    }
    benchmark::DoNotOptimize(exposition.samples.data());
  }
  if (samples != expected_samples) {
    state.SkipWithError(fmt::format("{} samples, expected {}", samples, expected_samples).c_str());
    return;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(body.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(samples));
  state.counters["body_kB"] = static_cast<double>(body.size()) / 1000.0;
  state.counters["samples"] = static_cast<double>(samples);
}

void vllm_8x4(benchmark::State& state) { run(state, vllm_body(), 237 * 32); }
void dcgm_8_gpus(benchmark::State& state) { run(state, dcgm_body(), 14 * 8); }
void llamacpp(benchmark::State& state) { run(state, llamacpp_body(), 11); }

BENCHMARK(vllm_8x4)->Unit(benchmark::kMillisecond);
BENCHMARK(dcgm_8_gpus)->Unit(benchmark::kMicrosecond);
BENCHMARK(llamacpp)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
