#include "output_files.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "llmpace/core/error.hpp"
#include "llmpace/report/csv_writer.hpp"
#include "llmpace/report/html_writer.hpp"
#include "llmpace/report/json_writer.hpp"

namespace llmpace::app {
namespace {

namespace fs = std::filesystem;

std::string extension_of(const std::string& path) { return fs::path(path).extension().string(); }

std::string render(OutputFormat format, const report::Report& report) {
  switch (format) {
    case OutputFormat::json:
      // replace: a byte of invalid UTF-8 that slipped into a message must not lose the report.
      return report::to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
             "\n";
    case OutputFormat::csv:
      return report::render_csv(report);
    case OutputFormat::html:
      return report::render_html({report::LabelledReport{.label = "", .report = report}});
    case OutputFormat::jsonl:
      break;
  }
  return "";
}

}  // namespace

OutputFormat output_format(const std::string& path, bool allow_request_log) {
  const std::string extension = extension_of(path);
  if (extension == ".json") return OutputFormat::json;
  if (extension == ".csv") return OutputFormat::csv;
  if (extension == ".html") return OutputFormat::html;
  if (extension == ".jsonl" && allow_request_log) return OutputFormat::jsonl;
  throw ConfigError(fmt::format("--output '{}': unsupported format '{}' (.json, .csv, .html{})",
                                path, extension, allow_request_log ? ", .jsonl" : ""));
}

void ensure_outputs_writable(const std::vector<std::string>& paths, bool allow_request_log) {
  for (const auto& path : paths) {
    output_format(path, allow_request_log);
    std::error_code error;  // a directory we may not read is "cannot write there", not a throw
    const bool existed = fs::exists(path, error);
    {
      std::ofstream probe(path, std::ios::app);
      if (!probe) {
        throw ConfigError(fmt::format("--output '{}': cannot write there", path));
      }
    }
    if (!existed) fs::remove(path, error);
  }
}

void write_text_file(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file << text;
    if (!file) throw RunError(fmt::format("cannot write '{}'", path));
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) throw RunError(fmt::format("cannot write '{}': {}", path, error.message()));
}

void write_report_file(const std::string& path, const report::Report& report) {
  const OutputFormat format = output_format(path, /*allow_request_log=*/true);
  if (format == OutputFormat::jsonl) return;  // streamed during the run
  write_text_file(path, render(format, report));
}

}  // namespace llmpace::app
