#include "llmpace/sim/sim_settings.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "llmpace/core/setting_error.hpp"

using namespace llmpace;
using namespace llmpace::sim;
using namespace std::chrono_literals;
using Catch::Contains;

namespace {

// The SettingError that resolving `settings` throws; fails the test when none is thrown.
SettingError resolve_error(const SimSettings& settings) {
  try {
    resolve_sim_options(settings);
  } catch (const SettingError& error) {
    return error;
  }
  FAIL("no SettingError");
  return SettingError("", "");
}

// Checks the key and a part of the message, and that the message names no flag.
void check_error(const SimSettings& settings, const std::string& key, const std::string& words) {
  const SettingError error = resolve_error(settings);
  INFO(error.what());
  CHECK(error.setting() == key);
  CHECK_THAT(error.message(), Contains(words));
  CHECK(error.message().find("--") == std::string::npos);
}

SimSettings with_preset(const char* name = "fast") {
  SimSettings settings;
  settings.preset = name;
  return settings;
}

}  // namespace

TEST_CASE("no settings resolve to the defaults given") {
  const SimOptions plain = resolve_sim_options({});
  const SimOptions expected;
  CHECK(plain.host == expected.host);
  CHECK(plain.port == expected.port);
  CHECK(plain.model == expected.model);
  CHECK(plain.ttft == expected.ttft);
  CHECK(plain.itl == expected.itl);
  CHECK(plain.jitter == expected.jitter);
  CHECK(plain.seed == expected.seed);
  CHECK_FALSE(plain.preset.has_value());
  CHECK(plain.faults.empty());
  CHECK(plain.metrics_flavor == MetricsFlavor::vllm);

  SimOptions defaults;
  defaults.port = 8000;
  defaults.ttft = 7ms;
  defaults.faults = {{FaultKind::stall, 0.5}};
  const SimOptions kept = resolve_sim_options({}, defaults);
  CHECK(kept.port == 8000);
  CHECK(kept.ttft == 7ms);
  REQUIRE(kept.faults.size() == 1);
  CHECK(kept.faults[0].kind == FaultKind::stall);
}

TEST_CASE("every setting overrides its default") {
  SimSettings s;
  s.host = "0.0.0.0";
  s.port = 65535;
  s.model = "m";
  s.max_model_len = 4096;
  s.threads = 3;
  s.ttft_ms = 12.5;
  s.itl_ms = 0.25;
  s.jitter = 0.0;
  s.seed = 7;
  s.default_output_tokens = 9;
  s.natural_output_tokens = 30;
  s.fail_rate = 0.1;
  s.faults = {"http_429:0.2", "stall:0.1"};
  s.legacy_metric_names = true;
  s.trace_file = "t.jsonl";
  s.tls_cert_file = "c.pem";
  s.tls_key_file = "k.pem";
  const SimOptions o = resolve_sim_options(s);
  CHECK(o.host == "0.0.0.0");
  CHECK(o.port == 65535);
  CHECK(o.model == "m");
  CHECK(o.max_model_len == 4096);
  CHECK(o.threads == 3);
  CHECK(o.ttft == 12'500'000ns);
  CHECK(o.itl == 250'000ns);
  CHECK(o.jitter == 0.0);
  CHECK(o.seed == 7);
  CHECK(o.default_output_tokens == 9);
  CHECK(o.natural_output_tokens_mean == 30.0);
  CHECK(o.fail_rate == 0.1);
  REQUIRE(o.faults.size() == 2);
  CHECK(o.faults[0].kind == FaultKind::http_429);
  CHECK(o.faults[0].probability == 0.2);
  CHECK(o.faults[1].kind == FaultKind::stall);
  CHECK(o.metrics_flavor == MetricsFlavor::vllm_legacy);
  CHECK(o.trace_file == "t.jsonl");
  CHECK(o.tls_cert_file == "c.pem");
  CHECK(o.tls_key_file == "k.pem");
  CHECK_FALSE(o.dcgm_port.has_value());

  SimSettings current;
  current.legacy_metric_names = false;
  SimOptions legacy_default;
  legacy_default.metrics_flavor = MetricsFlavor::vllm_legacy;
  CHECK(resolve_sim_options(current, legacy_default).metrics_flavor == MetricsFlavor::vllm);
}

TEST_CASE("a preset with engine params, then the vLLM-named overrides") {
  SimSettings s = with_preset();
  s.engine_params = {"max_num_seqs=3", "step_overhead_s=0.002", "hbm_bytes=9e10"};
  s.max_num_batched_tokens = 512;
  s.block_size = 32;
  s.gpu_memory_utilization = 0.8;
  s.num_gpu_blocks_override = 100;
  s.dcgm_port = 0;
  const SimOptions o = resolve_sim_options(s);
  REQUIRE(o.preset.has_value());
  CHECK(o.preset->name == "fast");
  CHECK(o.preset->max_num_seqs == 3);
  CHECK(o.preset->step_overhead_s == 0.002);
  CHECK(o.preset->gpu.hbm_bytes == 90'000'000'000);
  CHECK(o.preset->max_num_batched_tokens == 512);
  CHECK(o.preset->block_size_tokens == 32);
  CHECK(o.preset->gpu.gpu_memory_utilization == 0.8);
  CHECK(o.preset->num_gpu_blocks_override == 100);
  CHECK(o.dcgm_port == std::optional<std::uint16_t>{0});

  // A named override wins over the same parameter set by engine_params.
  s.engine_params = {"max_num_seqs=3"};
  s.max_num_seqs = 5;
  CHECK(resolve_sim_options(s).preset->max_num_seqs == 5);

  // Overrides apply to the defaults' preset when no preset is named.
  SimOptions defaults;
  defaults.preset = *find_preset("fast");
  SimSettings overrides_only;
  overrides_only.max_num_seqs = 2;
  CHECK(resolve_sim_options(overrides_only, defaults).preset->max_num_seqs == 2);
}

TEST_CASE("delays are checked before they become durations") {
  const double huge = 1e300;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const double ms : {huge, nan, inf, -inf, -0.5, 3'600'000.5}) {
    INFO(ms);
    SimSettings ttft;
    ttft.ttft_ms = ms;
    check_error(ttft, "ttft_ms", "must be between 0 and 3600000 ms, got ");
    SimSettings itl;
    itl.itl_ms = ms;
    check_error(itl, "itl_ms", "must be between 0 and 3600000 ms");
  }
  SimSettings edge;
  edge.ttft_ms = 3'600'000.0;
  edge.itl_ms = 0.0;
  CHECK(resolve_sim_options(edge).ttft == std::chrono::hours{1});
  CHECK(resolve_sim_options(edge).itl == 0ns);
  // The message shows the value as given, not a converted (overflowed) duration.
  SimSettings shown;
  shown.ttft_ms = nan;
  CHECK(resolve_error(shown).message() == "must be between 0 and 3600000 ms, got nan");
  shown.ttft_ms = huge;
  CHECK(resolve_error(shown).message() == "must be between 0 and 3600000 ms, got 1e+300");
}

TEST_CASE("ports and thread counts are checked before they are narrowed") {
  SimSettings port;
  port.port = 70000;  // 70000 mod 65536 = 4464 if it were narrowed first
  check_error(port, "port", "must be a port from 0 to 65535");
  port.port = -1;
  check_error(port, "port", "got -1");
  SimSettings dcgm = with_preset();
  dcgm.dcgm_port = 65536;
  check_error(dcgm, "dcgm_port", "must be a port from 0 to 65535");
  SimSettings threads;
  threads.threads = std::int64_t{1} << 32;  // would narrow to 0
  check_error(threads, "threads", "must be between 1 and 256");
  threads.threads = 0;
  check_error(threads, "threads", "got 0");
}

TEST_CASE("each plain value out of range is an error about its key") {
  const auto error_for = [](auto change, const std::string& key, const std::string& words) {
    SimSettings s;
    change(s);
    INFO(key);
    check_error(s, key, words);
  };
  error_for([](SimSettings& s) { s.host = ""; }, "host", "must not be empty");
  error_for([](SimSettings& s) { s.model = ""; }, "model", "must not be empty");
  error_for([](SimSettings& s) { s.max_model_len = 0; }, "max_model_len", "at least 1");
  error_for([](SimSettings& s) { s.jitter = 1.5; }, "jitter", "between 0 and 1, got 1.5");
  error_for([](SimSettings& s) { s.jitter = std::nan(""); }, "jitter", "between 0 and 1");
  error_for([](SimSettings& s) { s.fail_rate = -0.1; }, "fail_rate", "between 0 and 1");
  error_for([](SimSettings& s) { s.default_output_tokens = 0; }, "default_output_tokens",
            "at least 1, got 0");
  error_for([](SimSettings& s) { s.natural_output_tokens = -1; }, "natural_output_tokens",
            "0 (off) or positive");
}

TEST_CASE("preset errors: unknown name, bad overrides, engine params, no KV memory") {
  check_error(with_preset("nope"), "preset", "unknown preset 'nope' (known: ");
  CHECK_THAT(resolve_error(with_preset("nope")).message(), Contains("fast"));

  SimSettings s = with_preset();
  s.max_num_seqs = 0;
  check_error(s, "max_num_seqs", "must be at least 1, got 0");
  s = with_preset();
  s.max_num_batched_tokens = -4;
  check_error(s, "max_num_batched_tokens", "must be at least 1");
  s = with_preset();
  s.block_size = 0;
  check_error(s, "block_size", "must be at least 1");
  s = with_preset();
  s.num_gpu_blocks_override = -1;
  check_error(s, "num_gpu_blocks_override", "must be at least 0");
  for (const double fraction : {0.0, 1.01, std::nan("")}) {
    s = with_preset();
    s.gpu_memory_utilization = fraction;
    check_error(s, "gpu_memory_utilization", "must be in (0, 1]");
  }

  s = with_preset();
  s.engine_params = {"layers"};
  check_error(s, "engine_params", "expected KEY=VALUE, got 'layers'");
  s.engine_params = {"=4"};
  check_error(s, "engine_params", "expected KEY=VALUE, got '=4'");
  s.engine_params = {"wings=2"};
  check_error(s, "engine_params", "unknown parameter 'wings' (known: layers, ");
  s.engine_params = {"layers=two"};
  check_error(s, "engine_params", "layers: 'two' is not a number");
  s.engine_params = {"layers=2.5"};
  check_error(s, "engine_params", "layers: '2.5' is not a whole number");
  s.engine_params = {"layers=0"};
  check_error(s, "engine_params", "parameter layers must be positive, got 0");

  // A valid override that leaves no KV memory: the preset as a whole is at fault.
  s = with_preset("mistral-small-24b-bf16-h100");
  s.gpu_memory_utilization = 0.5;
  check_error(s, "preset", "no memory left for the KV cache of mistral-small-24b-bf16-h100");
}

TEST_CASE("settings that need another name both in the message, with no key") {
  SimSettings overrides;
  overrides.engine_params = {"layers=2"};
  overrides.max_num_seqs = 4;
  const SettingError need_preset = resolve_error(overrides);
  CHECK(need_preset.setting().empty());
  CHECK_THAT(need_preset.message(),
             Contains("engine settings ({engine_params}, {max_num_seqs}) need {preset} (known "
                      "presets: "));
  const auto cli = [](std::string_view key) { return key.empty() ? "" : flag_name(key); };
  CHECK_THAT(need_preset.render(cli),
             Contains("engine settings (--engine-params, --max-num-seqs) need --preset"));

  SimSettings dcgm;
  dcgm.dcgm_port = 9400;
  const SettingError no_gpu = resolve_error(dcgm);
  CHECK(no_gpu.setting().empty());
  CHECK(no_gpu.message() == "{dcgm_port} needs {preset}: the simple model simulates no GPU");

  SimSettings tls;
  tls.tls_key_file = "k.pem";
  const SettingError half = resolve_error(tls);
  CHECK(half.setting().empty());
  CHECK(half.message() == "{tls_cert_file} and {tls_key_file} must be given together");
}

TEST_CASE("the metrics flavour by name, and the legacy flag as its alias") {
  SimSettings s;
  for (const auto& [name, flavor] : {std::pair{"vllm", MetricsFlavor::vllm},
                                     std::pair{"vllm-legacy", MetricsFlavor::vllm_legacy},
                                     std::pair{"llamacpp", MetricsFlavor::llamacpp}}) {
    s.metrics_flavor = name;
    CHECK(resolve_sim_options(s).metrics_flavor == flavor);
  }
  s.metrics_flavor = "vllm_legacy";
  check_error(s, "metrics_flavor", "must be vllm, vllm-legacy or llamacpp, got 'vllm_legacy'");

  // The old flag: true is vllm-legacy; false is anything else; a contradiction is refused.
  SimSettings legacy;
  legacy.legacy_metric_names = true;
  CHECK(resolve_sim_options(legacy).metrics_flavor == MetricsFlavor::vllm_legacy);
  legacy.metrics_flavor = "vllm-legacy";
  CHECK(resolve_sim_options(legacy).metrics_flavor == MetricsFlavor::vllm_legacy);
  legacy.metrics_flavor = "llamacpp";
  const SettingError clash = resolve_error(legacy);
  CHECK(clash.setting().empty());
  CHECK(clash.message() == "{legacy_metric_names} and {metrics_flavor} llamacpp disagree");
  legacy.legacy_metric_names = false;
  CHECK(resolve_sim_options(legacy).metrics_flavor == MetricsFlavor::llamacpp);
  legacy.metrics_flavor = "vllm-legacy";
  CHECK(resolve_error(legacy).setting().empty());

  // Unset, the defaults' flavour stays.
  SimOptions llamacpp_default;
  llamacpp_default.metrics_flavor = MetricsFlavor::llamacpp;
  CHECK(resolve_sim_options(SimSettings{}, llamacpp_default).metrics_flavor ==
        MetricsFlavor::llamacpp);
}

TEST_CASE("faults: each spec and the plan as a whole are errors about faults") {
  SimSettings s;
  s.faults = {"bogus:0.1"};
  check_error(s, "faults", "unknown fault kind 'bogus' in 'bogus:0.1' (kinds: http_500, ");
  s.faults = {"http_500:2"};
  check_error(s, "faults", "probability must be a number from 0 to 1, got '2'");
  s.faults = {"http_500:0.6", "stall:0.6"};
  check_error(s, "faults", "the probabilities add up to 1.2, more than 1");
  s.faults = {"stall:0.1", "stall:0.2"};
  check_error(s, "faults", "stall is given twice");
}

TEST_CASE("validate_sim_options keys its errors as the settings are named") {
  const auto rejects = [](auto change, const std::string& key, const std::string& words) {
    SimOptions options;
    change(options);
    INFO(key);
    try {
      validate_sim_options(options);
      FAIL("no SettingError");
    } catch (const SettingError& error) {
      CHECK(error.setting() == key);
      CHECK_THAT(error.message(), Contains(words));
    }
  };
  CHECK_NOTHROW(validate_sim_options(SimOptions{}));
  rejects([](SimOptions& o) { o.ttft = -1ms; }, "ttft_ms", "got -1 ms");
  rejects([](SimOptions& o) { o.itl = 2h; }, "itl_ms", "must be between 0 and 3600000 ms");
  rejects([](SimOptions& o) { o.threads = 257; }, "threads", "between 1 and 256");
  rejects(
      [](SimOptions& o) {
        o.faults = {{FaultKind::http_500, 1.5}};
      },
      "faults", "probability of http_500 must be from 0 to 1");
  rejects(
      [](SimOptions& o) {
        o.preset = *find_preset("fast");
        o.preset->max_num_seqs = 0;
      },
      "preset", "parameter max_num_seqs must be positive");
}
