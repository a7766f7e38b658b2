// Where a suite run's files go: OUTPUT_DIR/<suite>/<UTC time>/, one directory per run, named
// YYYYMMDDTHHMMSSZ (sorting by name sorts by time; a second run in the same second gets "-2"),
// and OUTPUT_DIR/<suite>/latest, a symbolic link to the newest finished run (replaced atomically,
// so a reader never sees it missing).
//
// Touches the filesystem only; safe from any thread, one suite run at a time per directory.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace llmpace::suite {

/// "20261205T020304Z".
std::string run_directory_name(std::chrono::system_clock::time_point time);

/// "2026-12-05T02:03:04Z", as reports write created_at.
std::string iso8601_utc(std::chrono::system_clock::time_point time);

/// Creates `suite_dir`/run_directory_name(time) (or with "-2", "-3", ... when taken) and its
/// parents. Throws RunError when it cannot.
std::filesystem::path make_run_directory(const std::filesystem::path& suite_dir,
                                         std::chrono::system_clock::time_point time);

/// The newest run directory of `suite_dir` other than `current` whose name sorts before it and
/// that holds a summary.json (a run that finished); nullopt when there is none.
std::optional<std::filesystem::path> previous_run(const std::filesystem::path& suite_dir,
                                                  const std::filesystem::path& current);

/// Points `suite_dir`/latest at `run_dir` (a relative symbolic link). Throws RunError.
void point_latest(const std::filesystem::path& suite_dir, const std::filesystem::path& run_dir);

}  // namespace llmpace::suite
