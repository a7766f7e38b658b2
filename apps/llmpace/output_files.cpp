#include "output_files.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "llmpace/core/error.hpp"
#include "llmpace/report/json_writer.hpp"

namespace llmpace::app {
namespace {

namespace fs = std::filesystem;

std::string extension_of(const std::string& path) { return fs::path(path).extension().string(); }

}  // namespace

void ensure_outputs_writable(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    if (extension_of(path) != ".json") {
      throw ConfigError(
          fmt::format("--output '{}': unsupported format '{}' (this version writes .json)", path,
                      extension_of(path)));
    }
    const bool existed = fs::exists(path);
    {
      std::ofstream probe(path, std::ios::app);
      if (!probe) {
        throw ConfigError(fmt::format("--output '{}': cannot write there", path));
      }
    }
    if (!existed) fs::remove(path);
  }
}

void write_report_file(const std::string& path, const report::Report& report) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << report::to_json(report).dump(2) << '\n';
    if (!file) throw RunError(fmt::format("cannot write report '{}'", path));
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) throw RunError(fmt::format("cannot write report '{}': {}", path, error.message()));
}

}  // namespace llmpace::app
