// RunSettings: every setting of `llmpace benchmark`, flag-neutral, each one optional.
//
// The same settings come from the command line (--max-seconds), a scenario file (max_seconds: 30)
// or a suite; each front end fills a RunSettings, they are overlaid (flags over the file over the
// defaults), and the library resolves the result into a RunPlan (plan/run_plan.hpp). A setting's
// key is its long flag's name with '_' for '-'.
//
// Values stay as the user wrote them: strings that refer to the environment or a file
// ("${env:TOKEN}", "${file:/var/run/secrets/token}") are expanded only when the plan is resolved,
// so that a scenario written back from a report keeps the reference, never the secret.
//
// kRunSettingFields lists every setting once, with its key and member; the scenario reader and
// writer, the overlay and the CLI's origin tracking iterate over it.
//
// Pure data; safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace llmpace::scenario {

struct RunSettings {
  // Target.
  std::optional<std::string> target;  // URL, or "sim"
  std::optional<std::string> model;
  std::optional<std::string> api;                  // chat | completions
  std::optional<std::string> api_key;              // secret: never written back unless a reference
  std::optional<std::vector<std::string>> header;  // "Name: value"; values may be secret
  std::optional<bool> insecure;
  std::optional<std::string> ca_cert;
  std::optional<double> request_timeout;  // seconds
  std::optional<double> connect_timeout;  // seconds
  std::optional<double> idle_timeout;     // seconds
  // Load.
  std::optional<std::string> profile;
  std::optional<std::string> rate;  // "8" or "1,2,4"
  std::optional<std::int64_t> max_concurrency;
  std::optional<std::string> when_full;
  std::optional<double> burstiness;
  std::optional<double> rampup;  // seconds
  std::optional<std::string> sweep_strategy;
  std::optional<std::int64_t> max_requests;
  std::optional<double> max_seconds;
  std::optional<std::int64_t> max_errors;
  std::optional<double> max_error_rate;
  std::optional<bool> drain;
  std::optional<std::string> warmup;    // "30" (seconds) or "10%"
  std::optional<std::string> cooldown;  // likewise
  std::optional<std::int64_t> threads;
  // Scale-out (docs/scale-out.md).
  std::optional<std::string> shard;       // "I/N": this process is shard I of N
  std::optional<std::int64_t> shards;     // N, with I from $JOB_COMPLETION_INDEX
  std::optional<std::string> run_id;      // names the run the shards belong to
  std::optional<std::string> start_at;    // RFC 3339 UTC instant, or "+30s"
  std::optional<std::string> start_file;  // shard 0 publishes start_at there, others read it
  // Workload.
  std::optional<std::string> data;  // "prompt_tokens=256,output_tokens=128" or a FILE
  std::optional<std::string> data_column;
  std::optional<std::int64_t> data_samples;
  std::optional<std::string> tokenizer;
  std::optional<double> time_scale;
  std::optional<std::string> time_unit;
  std::optional<std::uint64_t> seed;
  // Output.
  std::optional<std::vector<std::string>> output;
  std::optional<std::string> slo;  // "ttft_ms=200,tpot_ms=50"
  std::optional<bool> quiet;
  // Telemetry (docs/telemetry.md).
  std::optional<std::string> server_metrics;               // auto | off | URL
  std::optional<std::vector<std::string>> gpu_metrics;     // dcgm-exporter URLs
  std::optional<double> scrape_interval;                   // seconds
  std::optional<std::vector<std::string>> metrics_header;  // "Name: value"; values may be secret
  std::optional<std::string> metrics_api_key;              // secret, like api_key
  std::optional<double> settle_timeout;  // seconds to wait for an idle server between benchmarks
  std::optional<double> settle_pause;    // seconds to pause between benchmarks without metrics
  std::optional<bool> stop_on_saturation;
  // The built-in simulator (target "sim").
  std::optional<double> sim_ttft_ms;
  std::optional<double> sim_itl_ms;
  std::optional<double> sim_jitter;
  std::optional<std::string> sim_preset;

  /// The defaults of `llmpace benchmark`: what a setting nobody gave resolves to.
  static RunSettings defaults();
};

/// What kind of value a setting holds, and so how a file spells it.
using SettingMember =
    std::variant<std::optional<std::string> RunSettings::*, std::optional<double> RunSettings::*,
                 std::optional<std::int64_t> RunSettings::*,
                 std::optional<std::uint64_t> RunSettings::*, std::optional<bool> RunSettings::*,
                 std::optional<std::vector<std::string>> RunSettings::*>;

struct SettingField {
  std::string_view key;
  SettingMember member;
};

extern const std::array<SettingField, 52> kRunSettingFields;

/// The field of `key`, or null.
const SettingField* find_setting(std::string_view key);

/// True when `settings` holds a value for `field`.
bool is_set(const RunSettings& settings, const SettingField& field);

/// `base` with every setting that `top` holds taken from `top`.
RunSettings overlay(RunSettings base, const RunSettings& top);

/// A header setting "Name: value" split at its first colon, the value without leading blanks;
/// nullopt without a colon or with an empty name.
struct HeaderParts {
  std::string_view name;
  std::string_view value;
};
std::optional<HeaderParts> split_header(std::string_view text);

}  // namespace llmpace::scenario
