// Fuzz target: the dataset readers (workload/dataset_file.hpp): JSONL, JSON arrays (ShareGPT,
// chat messages, {"data": [...]}), CSV and sniffed formats. load_dataset takes a path, so the
// input goes to a scratch file. Byte 0 chooses the extension (bits 0-1: .jsonl .json .csv .txt),
// shuffling (bit 2), replay's require_timestamps (bit 3), the time unit (bits 4-5) and a sample
// count (bit 6); byte 1 the sample count (1 to 8) and, with bit 7 of byte 0, a --data-column.
// The rest is the file. Loading either throws ConfigError or returns rows that a benchmark can
// send: valid UTF-8 prompts and messages (they go into JSON request bodies), counts within bounds,
// timestamps from 0 and, for replay, sorted.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/workload/dataset_file.hpp"

namespace {

using llmpace::workload::Dataset;
using llmpace::workload::DatasetOptions;
using llmpace::workload::DatasetRow;
using llmpace::workload::TimeUnit;

constexpr const char* kExtensions[] = {".jsonl", ".json", ".csv", ".txt"};
constexpr const char* kColumns[] = {"prompt",   "text",  "conversations",  "messages",
                                    "question", "input", "Request tokens", "missing"};
constexpr TimeUnit kTimeUnits[] = {TimeUnit::automatic, TimeUnit::seconds, TimeUnit::milliseconds,
                                   TimeUnit::automatic};

// Serialising throws nlohmann::json::type_error on invalid UTF-8, as a request body would.
bool serialises(const nlohmann::json& value) {
  try {
    (void)value.dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

void check_row(const DatasetRow& row) {
  FUZZ_CHECK(row.line >= 1);
  FUZZ_CHECK(serialises(nlohmann::json(row.prompt)));
  FUZZ_CHECK(serialises(row.messages));
  FUZZ_CHECK(!row.prompt.empty() || !row.messages.is_null() || row.prompt_tokens.has_value());
  if (row.reference_output) FUZZ_CHECK(serialises(nlohmann::json(*row.reference_output)));
  for (const auto& count : {row.prompt_tokens, row.output_tokens}) {
    if (count) FUZZ_CHECK(*count >= 1 && *count <= 10'000'000);
  }
  if (row.timestamp_s) FUZZ_CHECK(std::isfinite(*row.timestamp_s) && *row.timestamp_s >= 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static const llmpace::fuzz::ScratchFile scratch;
  DatasetOptions options;
  options.shuffle = (data[0] & 4) != 0;
  options.require_timestamps = (data[0] & 8) != 0;
  options.time_unit = kTimeUnits[(data[0] >> 4) & 3];
  if ((data[0] & 64) != 0) options.samples = 1 + (data[1] & 7);
  if ((data[0] & 128) != 0) options.column = kColumns[(data[1] >> 3) & 7];
  const std::string_view content(reinterpret_cast<const char*>(data) + 2, size - 2);
  const auto path = scratch.write(std::string("data") + kExtensions[data[0] & 3], content);

  Dataset dataset;
  try {
    dataset = llmpace::workload::load_dataset(path, options);
  } catch (const llmpace::ConfigError&) {
    return 0;
  }
  FUZZ_CHECK(!dataset.rows.empty());
  FUZZ_CHECK(dataset.rows.size() + dataset.skipped.size() <= dataset.rows_read);
  if (options.samples) FUZZ_CHECK(dataset.rows.size() <= *options.samples);
  for (const std::string& reason : dataset.skipped) {
    FUZZ_CHECK(serialises(nlohmann::json(reason)));
  }
  for (std::size_t i = 0; i < dataset.rows.size(); ++i) {
    const DatasetRow& row = dataset.rows[i];
    check_row(row);
    if (options.require_timestamps) {
      FUZZ_CHECK(row.timestamp_s.has_value());
      if (i > 0) FUZZ_CHECK(*dataset.rows[i - 1].timestamp_s <= *row.timestamp_s);
    }
  }
  return 0;
}
