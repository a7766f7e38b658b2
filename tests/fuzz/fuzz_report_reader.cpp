// Fuzz target: the JSON report reader (report/json_reader.hpp). Input that parses as JSON goes to
// report_from_json, which either throws ConfigError or returns a report; a report read is then
// written and read again (report::to_json), and must come back the same.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_support.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/report/json_reader.hpp"
#include "llmpace/report/json_writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const nlohmann::json document = nlohmann::json::parse(data, data + size, /*cb=*/nullptr,
                                                        /*allow_exceptions=*/false);
  if (document.is_discarded()) return 0;
  llmpace::report::Report report;
  try {
    report = llmpace::report::report_from_json(document, "fuzz");
  } catch (const llmpace::ConfigError&) {
    return 0;
  }
  const nlohmann::json written = llmpace::report::to_json(report);
  const nlohmann::json rewritten =
      llmpace::report::to_json(llmpace::report::report_from_json(written, "fuzz (written)"));
  FUZZ_CHECK(rewritten == written);
  return 0;
}
