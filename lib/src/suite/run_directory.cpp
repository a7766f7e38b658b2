// See run_directory.hpp.
#include "llmpace/suite/run_directory.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <system_error>

#include "llmpace/core/error.hpp"

namespace llmpace::suite {
namespace fs = std::filesystem;

namespace {

/// True for names run_directory_name makes (with or without a "-N" suffix).
bool is_run_name(const std::string& name) {
  if (name.size() < 16 || name[8] != 'T' || name[15] != 'Z') return false;
  for (std::size_t i = 0; i < 15; ++i) {
    if (i != 8 && (name[i] < '0' || name[i] > '9')) return false;
  }
  return name.size() == 16 || name[16] == '-';
}

/// Orders run names by time, then by suffix number ("...Z" < "...Z-2" < "...Z-10").
bool earlier(const std::string& a, const std::string& b) {
  const std::string stamp_a = a.substr(0, 16);
  const std::string stamp_b = b.substr(0, 16);
  if (stamp_a != stamp_b) return stamp_a < stamp_b;
  const auto suffix = [](const std::string& name) {
    return name.size() > 17 ? std::stoul(name.substr(17)) : 1UL;
  };
  return suffix(a) < suffix(b);
}

}  // namespace

std::string run_directory_name(std::chrono::system_clock::time_point time) {
  return fmt::format("{:%Y%m%dT%H%M%SZ}", std::chrono::time_point_cast<std::chrono::seconds>(time));
}

std::string iso8601_utc(std::chrono::system_clock::time_point time) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                     std::chrono::time_point_cast<std::chrono::seconds>(time));
}

fs::path make_run_directory(const fs::path& suite_dir, std::chrono::system_clock::time_point time) {
  std::error_code error;
  fs::create_directories(suite_dir, error);
  if (error) {
    throw RunError(fmt::format("cannot create {}: {}", suite_dir.string(), error.message()));
  }
  const std::string name = run_directory_name(time);
  for (int attempt = 1; attempt < 1000; ++attempt) {
    const fs::path dir = suite_dir / (attempt == 1 ? name : fmt::format("{}-{}", name, attempt));
    if (fs::create_directory(dir, error)) return dir;
    if (error) throw RunError(fmt::format("cannot create {}: {}", dir.string(), error.message()));
  }
  throw RunError(fmt::format("cannot create a run directory in {}", suite_dir.string()));
}

std::optional<fs::path> previous_run(const fs::path& suite_dir, const fs::path& current) {
  const std::string current_name = current.filename().string();
  std::optional<std::string> best;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(suite_dir, error)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_symlink() || !entry.is_directory() || !is_run_name(name)) continue;
    if (name == current_name || (is_run_name(current_name) && !earlier(name, current_name))) {
      continue;
    }
    if (!fs::exists(entry.path() / "summary.json")) continue;
    if (!best || earlier(*best, name)) best = name;
  }
  if (!best) return std::nullopt;
  return suite_dir / *best;
}

void point_latest(const fs::path& suite_dir, const fs::path& run_dir) {
  const fs::path link = suite_dir / "latest";
  const fs::path temporary = suite_dir / ".latest.tmp";
  std::error_code error;
  fs::remove(temporary, error);
  fs::create_directory_symlink(run_dir.filename(), temporary, error);
  if (!error) fs::rename(temporary, link, error);  // rename(2) replaces the old link atomically
  if (error) {
    throw RunError(fmt::format("cannot point {} at {}: {}", link.string(),
                               run_dir.filename().string(), error.message()));
  }
}

}  // namespace llmpace::suite
