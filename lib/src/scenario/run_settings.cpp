#include "llmpace/scenario/run_settings.hpp"

#include <algorithm>

namespace llmpace::scenario {

const std::array<SettingField, 52> kRunSettingFields{{
    {"target", &RunSettings::target},
    {"model", &RunSettings::model},
    {"api", &RunSettings::api},
    {"api_key", &RunSettings::api_key},
    {"header", &RunSettings::header},
    {"insecure", &RunSettings::insecure},
    {"ca_cert", &RunSettings::ca_cert},
    {"request_timeout", &RunSettings::request_timeout},
    {"connect_timeout", &RunSettings::connect_timeout},
    {"idle_timeout", &RunSettings::idle_timeout},
    {"profile", &RunSettings::profile},
    {"rate", &RunSettings::rate},
    {"max_concurrency", &RunSettings::max_concurrency},
    {"when_full", &RunSettings::when_full},
    {"burstiness", &RunSettings::burstiness},
    {"rampup", &RunSettings::rampup},
    {"sweep_strategy", &RunSettings::sweep_strategy},
    {"max_requests", &RunSettings::max_requests},
    {"max_seconds", &RunSettings::max_seconds},
    {"max_errors", &RunSettings::max_errors},
    {"max_error_rate", &RunSettings::max_error_rate},
    {"drain", &RunSettings::drain},
    {"warmup", &RunSettings::warmup},
    {"cooldown", &RunSettings::cooldown},
    {"threads", &RunSettings::threads},
    {"shard", &RunSettings::shard},
    {"shards", &RunSettings::shards},
    {"run_id", &RunSettings::run_id},
    {"start_at", &RunSettings::start_at},
    {"start_file", &RunSettings::start_file},
    {"data", &RunSettings::data},
    {"data_column", &RunSettings::data_column},
    {"data_samples", &RunSettings::data_samples},
    {"tokenizer", &RunSettings::tokenizer},
    {"time_scale", &RunSettings::time_scale},
    {"time_unit", &RunSettings::time_unit},
    {"seed", &RunSettings::seed},
    {"output", &RunSettings::output},
    {"slo", &RunSettings::slo},
    {"quiet", &RunSettings::quiet},
    {"server_metrics", &RunSettings::server_metrics},
    {"gpu_metrics", &RunSettings::gpu_metrics},
    {"scrape_interval", &RunSettings::scrape_interval},
    {"metrics_header", &RunSettings::metrics_header},
    {"metrics_api_key", &RunSettings::metrics_api_key},
    {"settle_timeout", &RunSettings::settle_timeout},
    {"settle_pause", &RunSettings::settle_pause},
    {"stop_on_saturation", &RunSettings::stop_on_saturation},
    {"sim_ttft_ms", &RunSettings::sim_ttft_ms},
    {"sim_itl_ms", &RunSettings::sim_itl_ms},
    {"sim_jitter", &RunSettings::sim_jitter},
    {"sim_preset", &RunSettings::sim_preset},
}};

RunSettings RunSettings::defaults() {
  RunSettings settings;
  settings.api = "chat";
  settings.insecure = false;
  settings.request_timeout = 600;
  settings.connect_timeout = 10;
  settings.idle_timeout = 120;
  settings.profile = "synchronous";
  settings.when_full = "queue";
  settings.burstiness = 1.0;
  settings.rampup = 0;
  settings.sweep_strategy = "constant";
  settings.drain = false;
  settings.data = "prompt_tokens=256,output_tokens=128";
  settings.tokenizer = "auto";
  settings.time_scale = 1.0;
  settings.time_unit = "auto";
  settings.seed = 42;
  settings.quiet = false;
  settings.server_metrics = "auto";
  settings.scrape_interval = 1.0;
  settings.settle_timeout = 60.0;
  settings.settle_pause = 0.0;
  settings.stop_on_saturation = false;
  settings.sim_ttft_ms = 50;
  settings.sim_itl_ms = 10;
  settings.sim_jitter = 0.05;
  return settings;
}

const SettingField* find_setting(std::string_view key) {
  const auto found = std::find_if(kRunSettingFields.begin(), kRunSettingFields.end(),
                                  [key](const SettingField& field) { return field.key == key; });
  return found == kRunSettingFields.end() ? nullptr : &*found;
}

bool is_set(const RunSettings& settings, const SettingField& field) {
  return std::visit([&](auto member) { return (settings.*member).has_value(); }, field.member);
}

RunSettings overlay(RunSettings base, const RunSettings& top) {
  for (const SettingField& field : kRunSettingFields) {
    std::visit(
        [&](auto member) {
          if ((top.*member).has_value()) base.*member = top.*member;
        },
        field.member);
  }
  return base;
}

std::optional<HeaderParts> split_header(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view value = text.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  return HeaderParts{text.substr(0, colon), value};
}

}  // namespace llmpace::scenario
