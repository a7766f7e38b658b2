// See console_observer.hpp.
#include "console_observer.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <utility>

#include "output_files.hpp"

namespace llmpace::app {

ConsoleObserver::ConsoleObserver(const plan::RunPlan& plan, std::string stage_prefix)
    : plan_(plan),
      stage_prefix_(std::move(stage_prefix)),
      progress_(stderr, report::choose_progress_mode(plan.quiet, isatty(STDERR_FILENO) == 1)) {
  for (const auto& path : plan.output_paths) {
    if (output_format(path, true) == OutputFormat::jsonl) {
      request_logs_.push_back(std::make_unique<report::RequestLogWriter>(path));
    }
  }
}

void ConsoleObserver::on_note(std::string_view text, bool warning) {
  if (warning) {
    fmt::print(stderr, "llmpace: warning: {}\n", text);
  } else if (!plan_.quiet) {
    fmt::print(stderr, "llmpace: note: {}\n", text);
  }
}

void ConsoleObserver::on_benchmark_start(std::size_t index, std::size_t count,
                                         const profile::ProfileSpec& spec) {
  const std::string stage = count > 1 ? fmt::format("[{}/{}] ", index + 1, count) : "";
  label_ = stage_prefix_ + stage + profile::describe(spec);
  if (plan_.quiet) return;
  const engine::Shard& shard = plan_.scale_out.shard;
  const std::string shard_text =
      shard.sharded() ? fmt::format(", shard {} of {}", shard.index, shard.count) : "";
  fmt::print(stderr, "llmpace: {} benchmark of '{}' at {} ({} per benchmark, {} threads{})\n",
             label_, plan_.target.model, plan_.target_description,
             plan_.profiles.limits_description, plan_.threads, shard_text);
}

void ConsoleObserver::on_progress(const metrics::ProgressSnapshot& snapshot) {
  progress_.update(label_, snapshot);
}

void ConsoleObserver::on_record(const metrics::RequestRecord& record, TimePoint start,
                                std::size_t benchmark_index) {
  for (auto& log : request_logs_) log->append(record, start, benchmark_index);  // it locks
}

void ConsoleObserver::finish_progress() { progress_.finish(); }

void ConsoleObserver::close_logs() {
  for (auto& log : request_logs_) log->close();
}

}  // namespace llmpace::app
