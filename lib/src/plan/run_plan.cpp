#include "llmpace/plan/run_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <thread>

#include "llmpace/core/setting_error.hpp"
#include "llmpace/http/tls_context.hpp"
#include "llmpace/http/url.hpp"
#include "llmpace/scenario/references.hpp"
#include "llmpace/scenario/scenario_writer.hpp"
#include "llmpace/sim/sim_settings.hpp"

namespace llmpace::plan {
namespace {

constexpr std::string_view kSimTarget = "sim";
constexpr std::int64_t kMaxThreads = 256;

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

http::Header parse_header(const std::string& text, const char* key = "header") {
  const std::optional<scenario::HeaderParts> parts = scenario::split_header(text);
  if (!parts) {
    throw SettingError(key, fmt::format("expected \"Name: value\", got '{}'", text));
  }
  std::string name(parts->name);
  std::string value = about_setting(key, [&] { return scenario::expand_references(parts->value); });
  if (name.find_first_of(" \t\r\n") != std::string::npos ||
      value.find_first_of("\r\n") != std::string::npos) {
    throw SettingError(key, fmt::format("invalid header name or value in '{}'", name));
  }
  return {std::move(name), std::move(value)};
}

Nanoseconds positive_seconds(double seconds, const char* key) {
  // Checked before the conversion, which NaN or huge values would overflow.
  if (!(seconds > 0) || !std::isfinite(seconds) || seconds > 1e9) {
    throw SettingError(key, "must be a positive number of seconds");
  }
  return from_seconds(seconds);
}

/// The benchmark's key of a simulator setting: the --sim-* ones carry the prefix.
std::string benchmark_sim_key(std::string_view key) {
  if (key == "ttft_ms" || key == "itl_ms" || key == "jitter" || key == "preset") {
    return "sim_" + std::string(key);
  }
  return std::string(key);
}

/// The simulator's own resolver (the one `llmpace sim` uses), its errors keyed as the
/// benchmark's settings.
sim::SimOptions resolve_embedded_sim(const scenario::RunSettings& settings) {
  sim::SimSettings sim;
  sim.ttft_ms = settings.sim_ttft_ms;
  sim.itl_ms = settings.sim_itl_ms;
  sim.jitter = settings.sim_jitter;
  sim.preset = settings.sim_preset;
  sim.seed = settings.seed;
  sim.model = settings.model;
  try {
    return sim::resolve_sim_options(sim);
  } catch (const SettingError& error) {
    const std::string message = name_settings(
        error.message(), [](std::string_view key) { return "{" + benchmark_sim_key(key) + "}"; });
    throw SettingError(error.setting().empty() ? "" : benchmark_sim_key(error.setting()), message);
  }
}

engine::Target resolve_target(const scenario::RunSettings& settings, RunPlan& plan) {
  engine::Target target;
  if (!settings.target) throw SettingError("target", "is required (a URL, or sim)");
  if (*settings.target == kSimTarget) {
    plan.embedded_sim = resolve_embedded_sim(settings);
    target.client.base_url = http::parse_url("http://127.0.0.1:1");  // replaced once it listens
    plan.target_description = "the built-in simulator";
  } else {
    target.client.base_url =
        about_setting("target", [&] { return http::parse_url(*settings.target); });
    plan.target_description = target.client.base_url.to_string();
  }
  const auto api = openai::parse_api_kind(*settings.api);
  if (!api) {
    throw SettingError("api", fmt::format("unknown API '{}' (chat, completions)", *settings.api));
  }
  target.api = *api;
  target.model = settings.model.value_or("");
  if (settings.api_key) {
    target.client.api_key =
        about_setting("api_key", [&] { return scenario::expand_references(*settings.api_key); });
  }
  for (const auto& header : settings.header.value_or(std::vector<std::string>{})) {
    target.client.extra_headers.push_back(parse_header(header));
  }
  target.client.tls.insecure = *settings.insecure;
  target.client.tls.ca_cert_file = settings.ca_cert.value_or("");
  auto& timeouts = target.client.timeouts;
  timeouts.request_total = positive_seconds(*settings.request_timeout, "request_timeout");
  timeouts.connect = positive_seconds(*settings.connect_timeout, "connect_timeout");
  timeouts.tls_handshake = timeouts.connect;
  timeouts.idle = positive_seconds(*settings.idle_timeout, "idle_timeout");
  if (target.client.base_url.is_tls()) {
    target.tls_context =
        about_setting("ca_cert", [&] { return http::make_client_tls_context(target.client.tls); });
  }
  return target;
}

profile::ProfileSettings profile_settings(const scenario::RunSettings& settings) {
  profile::ProfileSettings out;
  out.profile = *settings.profile;
  out.rate = settings.rate.value_or("");
  out.max_concurrency = settings.max_concurrency;
  out.burstiness = *settings.burstiness;
  out.rampup_s = *settings.rampup;
  out.sweep_strategy = *settings.sweep_strategy;
  out.seed = *settings.seed;
  out.max_requests = settings.max_requests;
  out.max_seconds = settings.max_seconds;
  out.max_errors = settings.max_errors;
  out.max_error_rate = settings.max_error_rate;
  out.drain = *settings.drain;
  out.when_full = *settings.when_full;
  out.warmup = settings.warmup.value_or("");
  out.cooldown = settings.cooldown.value_or("");
  return out;
}

Nanoseconds non_negative_seconds(double seconds, const char* key) {
  if (!(seconds >= 0) || !std::isfinite(seconds) || seconds > 1e9) {
    throw SettingError(key, "must be a number of seconds, 0 or more");
  }
  return from_seconds(seconds);
}

TelemetryPlan resolve_telemetry(const scenario::RunSettings& settings) {
  TelemetryPlan out;
  const std::string& server = *settings.server_metrics;
  if (server == "off") {
    out.server = TelemetryPlan::ServerSource::off;
  } else if (server == "auto") {
    out.server = TelemetryPlan::ServerSource::automatic;
  } else {
    out.server = TelemetryPlan::ServerSource::url;
    out.server_url = about_setting("server_metrics", [&] { return http::parse_url(server); });
  }
  for (const std::string& url : settings.gpu_metrics.value_or(std::vector<std::string>{})) {
    out.gpu_urls.push_back(about_setting("gpu_metrics", [&] { return http::parse_url(url); }));
  }
  out.interval = positive_seconds(*settings.scrape_interval, "scrape_interval");
  if (out.interval < Milliseconds{100}) {
    throw SettingError("scrape_interval", "must be at least 0.1 seconds");
  }
  for (const auto& header : settings.metrics_header.value_or(std::vector<std::string>{})) {
    http::Header parsed = parse_header(header, "metrics_header");
    out.headers.push_back(std::move(parsed));
  }
  if (settings.metrics_api_key) {
    out.api_key = about_setting(
        "metrics_api_key", [&] { return scenario::expand_references(*settings.metrics_api_key); });
  }
  out.settle_timeout = non_negative_seconds(*settings.settle_timeout, "settle_timeout");
  out.settle_pause = non_negative_seconds(*settings.settle_pause, "settle_pause");
  out.stop_on_saturation = *settings.stop_on_saturation;
  return out;
}

workload::WorkloadSettings workload_settings(const scenario::RunSettings& settings) {
  workload::WorkloadSettings out;
  out.data = *settings.data;
  out.data_column = settings.data_column.value_or("");
  out.data_samples = settings.data_samples;
  out.tokenizer = *settings.tokenizer;
  out.time_scale = *settings.time_scale;
  out.time_unit = *settings.time_unit;
  out.seed = *settings.seed;
  out.replay = *settings.profile == "replay";
  return out;
}

void check_multi_turn(const RunPlan& plan) {
  if (!plan.workload.synthetic || plan.workload.synthetic->turns <= 1) return;
  // A follow-up waits for the reply it carries: only closed loops send turns in sequence.
  if (plan.target.api != openai::ApiKind::chat_completions) {
    throw SettingError("data", "turns=K needs {api} chat (follow-ups carry the conversation)");
  }
  const profile::ProfileSpec& first = plan.profiles.benchmarks.front();
  if (plan.profiles.sweep || profile::is_open_loop(first.kind)) {
    throw SettingError("data", "turns=K applies to {profile} synchronous and concurrent");
  }
}

nlohmann::json or_null(const auto& optional) {
  return optional ? nlohmann::json(*optional) : nlohmann::json();
}

std::string telemetry_source(const TelemetryPlan& telemetry) {
  switch (telemetry.server) {
    case TelemetryPlan::ServerSource::off:
      return "off";
    case TelemetryPlan::ServerSource::automatic:
      return "auto";
    case TelemetryPlan::ServerSource::url:
      break;
  }
  return telemetry.server_url->to_string();
}

nlohmann::json make_run_config(const RunPlan& plan) {
  const scenario::RunSettings& settings = plan.settings;
  const profile::ProfileSpec& first = plan.profiles.benchmarks.front();
  nlohmann::json headers = nlohmann::json::array();
  for (const auto& header : plan.target.client.extra_headers) headers.push_back(header.name);
  nlohmann::json gpu_urls = nlohmann::json::array();
  for (const auto& url : plan.telemetry.gpu_urls) gpu_urls.push_back(url.to_string());
  nlohmann::json run = {
      {"target",
       plan.embedded_sim ? std::string(kSimTarget) : plan.target.client.base_url.to_string()},
      {"api", std::string(openai::to_string(plan.target.api))},
      {"model", plan.target.model},
      {"profile", *settings.profile},
      {"rate", or_null(settings.rate)},
      {"max_concurrency", or_null(first.max_concurrency)},
      {"max_requests", or_null(first.max_requests)},
      {"max_seconds",
       first.max_duration ? nlohmann::json(to_seconds(*first.max_duration)) : nlohmann::json()},
      {"max_errors", or_null(first.max_errors)},
      {"max_error_rate", or_null(first.max_error_rate)},
      {"warmup", or_null(settings.warmup)},
      {"cooldown", or_null(settings.cooldown)},
      {"drain", first.drain},
      {"when_full", std::string(profile::to_string(first.when_full))},
      {"threads", plan.threads},
      {"slo", plan.slo.empty() ? nlohmann::json() : nlohmann::json(plan.slo.to_string())},
      {"data", plan.workload.run_config},
      {"tokenizer", *settings.tokenizer},
      {"seed", *settings.seed},
      {"burstiness", *settings.burstiness},
      {"rampup_s", *settings.rampup},
      {"headers", headers},
      {"api_key_set", !plan.target.client.api_key.empty()},
      {"insecure", *settings.insecure},
      {"request_timeout_s", *settings.request_timeout},
      {"server_metrics", telemetry_source(plan.telemetry)},
      {"gpu_metrics", gpu_urls},
      {"scrape_interval_s", to_seconds(plan.telemetry.interval)},
      {"settle_timeout_s", to_seconds(plan.telemetry.settle_timeout)},
      {"settle_pause_s", to_seconds(plan.telemetry.settle_pause)},
      {"stop_on_saturation", plan.telemetry.stop_on_saturation},
  };
  const ScaleOutPlan& scale_out = plan.scale_out;
  if (scale_out.shard.sharded()) {
    run["shard"] = {{"index", scale_out.shard.index}, {"count", scale_out.shard.count}};
  }
  if (!scale_out.run_id.empty()) run["run_id"] = scale_out.run_id;
  if (scale_out.start_at) run["start_at"] = scale_out.start_at_text;
  if (plan.embedded_sim) {
    run["simulator"] = {{"ttft_ms", *settings.sim_ttft_ms},
                        {"itl_ms", *settings.sim_itl_ms},
                        {"jitter", *settings.sim_jitter},
                        {"preset", or_null(settings.sim_preset)}};
  }
  return run;
}

}  // namespace

RunPlan resolve_run_plan(const scenario::RunSettings& given) {
  RunPlan plan;
  plan.settings = scenario::overlay(scenario::RunSettings::defaults(), given);
  const scenario::RunSettings& settings = plan.settings;
  plan.created_at = utc_now_iso8601();
  plan.target = resolve_target(settings, plan);

  // Workload first: a replay's timestamps are part of its profile. Files are read now, so that
  // a bad one stops the run before any load.
  plan.workload = workload::resolve_workload_plan(workload_settings(settings));
  profile::ProfileSettings profiles = profile_settings(settings);
  profiles.replay_offsets = plan.workload.replay_offsets;
  plan.profiles = profile::resolve_profile_plan(profiles);
  check_multi_turn(plan);
  plan.scale_out = resolve_scale_out(settings, plan.profiles, std::chrono::system_clock::now());
  plan.telemetry = resolve_telemetry(settings);

  const std::int64_t threads = settings.threads.value_or(0);
  if (threads < 0 || threads > kMaxThreads) {
    throw SettingError("threads", fmt::format("must be from 1 to {}", kMaxThreads));
  }
  plan.threads = threads > 0 ? static_cast<int>(threads)
                             : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  plan.settings.threads = plan.threads;
  plan.quiet = *settings.quiet;
  if (settings.slo)
    plan.slo = about_setting("slo", [&] { return metrics::parse_slo(*settings.slo); });
  plan.output_paths = settings.output.value_or(std::vector<std::string>{});
  plan.run_config = make_run_config(plan);
  return plan;
}

ResolvedScenario resolved_scenario(const RunPlan& plan) {
  scenario::RunSettings settings = plan.settings;
  if (!plan.target.model.empty()) settings.model = plan.target.model;
  // Where reports go and how the console looks are the caller's, not the benchmark's: a repeat
  // must not overwrite the report it was made from.
  settings.output.reset();
  settings.quiet.reset();
  settings.shard.reset();
  settings.shards.reset();
  settings.run_id.reset();
  settings.start_at.reset();
  settings.start_file.reset();
  scenario::SecretFreeSettings secret_free = scenario::without_secrets(settings);
  return {scenario::settings_to_json(secret_free.settings), std::move(secret_free.omitted)};
}

}  // namespace llmpace::plan
