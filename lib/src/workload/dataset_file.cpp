#include "llmpace/workload/dataset_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

#include "csv_reader.hpp"
#include "dataset_columns.hpp"
#include "json_array_scanner.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/core/random.hpp"

namespace llmpace::workload {
namespace {

using detail::Cell;
using detail::RawTimestamp;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

/// The whole file, read at once (it is sliced into rows without copies).
std::string read_file(const std::filesystem::path& path, const std::string& shown) {
  auto fail = [&](int error) {
    return ConfigError(fmt::format("--data {}: cannot read: {}", shown, std::strerror(error)));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw fail(errno);
  std::string data;
  std::size_t min_free = 65536;  // pipes: read in large pieces
  struct stat info {};
  if (::fstat(fd, &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      ::close(fd);
      throw fail(EISDIR);
    }
    if (S_ISREG(info.st_mode)) {
      data.reserve(static_cast<std::size_t>(info.st_size) + 1);
      min_free = 1;  // the file, then a read that returns 0: no 1 MiB buffer for a small file
    }
  }
  std::size_t size = 0;
  for (;;) {
    // Regular files fill the reserved space in one read; pipes grow the buffer.
    if (data.capacity() - size < min_free)
      data.reserve(std::max<std::size_t>(2 * data.capacity(), 1 << 20));
    data.resize(data.capacity());
    const ssize_t got = ::read(fd, data.data() + size, data.size() - size);
    if (got < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      throw fail(error);
    }
    if (got == 0) break;
    size += static_cast<std::size_t>(got);
  }
  ::close(fd);
  data.resize(size);
  return data;
}

std::string lower_extension(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  for (char& c : extension) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return extension;
}

/// Fisher-Yates over core/random.hpp, written out because std::shuffle's algorithm is
/// unspecified.
void shuffle_rows(std::vector<DatasetRow>& rows, std::uint64_t seed) {
  Rng rng(seed);
  for (std::size_t i = rows.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(uniform_below(rng, i));
    if (j != i - 1) std::swap(rows[i - 1], rows[j]);
  }
}

/// The cells of a JSON object; the row owns nothing.
class JsonRowView final : public detail::RowView {
 public:
  explicit JsonRowView(nlohmann::json& object)
      : object_(object.get_ref<nlohmann::json::object_t&>()) {}

  Cell find(std::string_view name) override {
    auto it = object_.find(name);
    if (it == object_.end()) {
      it = std::find_if(object_.begin(), object_.end(),
                        [&](const auto& item) { return detail::iequals(item.first, name); });
      if (it == object_.end()) return {};
    }
    return Cell{.json = &it->second, .text = nullptr, .name = it->first};
  }

  void column_names(std::vector<std::string>& names) const override {
    for (const auto& item : object_) names.push_back(item.first);
  }

 private:
  nlohmann::json::object_t& object_;
};

/// Where each column is in a CSV header, looked up once per name.
class CsvColumns {
 public:
  explicit CsvColumns(std::vector<std::string> header) : header_(std::move(header)) {
    for (auto& name : header_) {
      const auto begin = name.find_first_not_of(" \t");
      const auto end = name.find_last_not_of(" \t");
      name = begin == std::string::npos ? std::string() : name.substr(begin, end - begin + 1);
    }
  }

  std::optional<std::size_t> index(std::string_view name) {
    for (const auto& [known, position] : cache_) {
      if (known == name) return position;
    }
    std::optional<std::size_t> position;
    for (std::size_t i = 0; i < header_.size() && !position; ++i) {
      if (header_[i] == name) position = i;
    }
    for (std::size_t i = 0; i < header_.size() && !position; ++i) {
      if (detail::iequals(header_[i], name)) position = i;
    }
    cache_.emplace_back(std::string(name), position);
    return position;
  }

  const std::vector<std::string>& header() const { return header_; }

 private:
  std::vector<std::string> header_;
  std::vector<std::pair<std::string, std::optional<std::size_t>>> cache_;
};

class CsvRowView final : public detail::RowView {
 public:
  CsvRowView(CsvColumns& columns, std::vector<std::string>& fields)
      : columns_(columns), fields_(fields) {}

  Cell find(std::string_view name) override {
    const auto position = columns_.index(name);
    if (!position || *position >= fields_.size()) return {};
    return Cell{.json = nullptr, .text = &fields_[*position], .name = columns_.header()[*position]};
  }

  void column_names(std::vector<std::string>& names) const override {
    names.insert(names.end(), columns_.header().begin(), columns_.header().end());
  }

 private:
  CsvColumns& columns_;
  std::vector<std::string>& fields_;
};

/// Line numbers of increasing offsets, counted in one pass over the text.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}

  std::size_t line_at(std::size_t offset) {
    for (; pos_ < offset && pos_ < text_.size(); ++pos_) {
      if (text_[pos_] == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
      }
    }
    return line_;
  }
  /// 1-based column of the offset last given to line_at.
  std::size_t column_at(std::size_t offset) const { return offset - line_start_ + 1; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t line_start_ = 0;
};

std::size_t line_of(std::string_view text, std::size_t offset) {
  return 1 + static_cast<std::size_t>(std::count(
                 text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

/// "invalid JSON at column 12: syntax error while parsing object - ..." with the line and column
/// in the file, from nlohmann's message whose line and column count from the row's first byte.
std::string describe_parse_error(const std::exception& error, std::size_t start_line,
                                 std::size_t start_column) {
  std::string_view message = error.what();
  if (const auto bracket = message.find("] ");
      message.starts_with("[json.exception") && bracket != std::string_view::npos) {
    message.remove_prefix(bracket + 2);
  }
  std::string where;
  constexpr std::string_view kAt = "parse error at line ";
  if (message.starts_with(kAt)) {
    std::size_t line = 0;
    std::size_t column = 0;
    const char* p = message.data() + kAt.size();
    const char* end = message.data() + message.size();
    auto [after_line, e1] = std::from_chars(p, end, line);
    constexpr std::string_view kColumn = ", column ";
    if (e1 == std::errc{} &&
        std::string_view(after_line, static_cast<std::size_t>(end - after_line))
            .starts_with(kColumn)) {
      auto [after_column, e2] = std::from_chars(after_line + kColumn.size(), end, column);
      if (e2 == std::errc{} && end - after_column >= 2 && after_column[0] == ':') {
        message =
            std::string_view(after_column + 2, static_cast<std::size_t>(end - after_column - 2));
        where = line <= 1 ? fmt::format(" at column {}", start_column + column - 1)
                          : fmt::format(" at line {}, column {}", start_line + line - 1, column);
      }
    }
  } else if (message.starts_with("parse error: ")) {
    message.remove_prefix(13);
  }
  constexpr std::size_t kLimit = 160;
  std::string text(message.substr(0, kLimit));
  if (message.size() > kLimit) {
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80)
      text.pop_back();
    if (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0xC0) text.pop_back();
    text += "...";
  }
  return fmt::format("invalid JSON{}: {}", where, text);
}

std::string join(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string joined;
  for (const auto& name : names) {
    if (!joined.empty()) joined += ", ";
    joined += name;
  }
  return joined;
}

class Loader {
 public:
  Loader(const std::filesystem::path& path, const DatasetOptions& options)
      : shown_(path.string()), options_(options), extractor_(options.column) {}

  Dataset load(const std::filesystem::path& path) {
    const std::string data = read_file(path, shown_);
    std::string_view text = data;
    if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
    choose_and_read(text, lower_extension(path));
    finish();
    return std::move(dataset_);
  }

 private:
  void choose_and_read(std::string_view text, const std::string& extension) {
    if (extension == ".jsonl" || extension == ".ndjson") return read_json_lines(text);
    if (extension == ".csv") return read_csv(text);
    const std::size_t first = detail::skip_json_space(text, 0);
    if (first >= text.size()) {
      dataset_.format = extension == ".json" ? DatasetFormat::json_array : DatasetFormat::jsonl;
      return;  // empty
    }
    if (text[first] == '[') return read_json_array(text, first, false);
    if (text[first] == '{') {
      // One object holding the array ({"data": [...]}), or else JSON lines (often named .json).
      if (const auto array = detail::find_wrapped_array(text)) {
        return read_json_array(text, *array, true);
      }
      return read_json_lines(text);
    }
    if (extension == ".json") {
      const std::size_t end = std::min(text.find_first_of(" \t\r\n", first), first + 20);
      throw ConfigError(fmt::format(
          "{}:{}: not a JSON array, an object holding one, or JSON lines (starts with '{}')",
          shown_, line_of(text, first), text.substr(first, end - first)));
    }
    read_csv(text);
  }

  void read_json_lines(std::string_view text) {
    dataset_.format = DatasetFormat::jsonl;
    std::size_t line = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      ++line;
      const std::size_t newline = text.find('\n', pos);
      const std::size_t end = newline == std::string_view::npos ? text.size() : newline;
      std::string_view row = text.substr(pos, end - pos);
      pos = end + 1;
      const std::size_t begin = detail::skip_json_space(row, 0);
      if (begin == row.size()) continue;  // blank line
      add_json(row.substr(begin), line, begin + 1);
    }
  }

  void read_json_array(std::string_view text, std::size_t open, bool wrapped) {
    dataset_.format = DatasetFormat::json_array;
    detail::JsonArrayScan scan;
    try {
      scan = detail::scan_json_array(text, open);
    } catch (const detail::JsonScanError& error) {
      throw ConfigError(
          fmt::format("{}:{}: {}", shown_, line_of(text, error.offset), error.what()));
    }
    if (!wrapped) {
      if (const std::size_t rest = detail::skip_json_space(text, scan.end); rest < text.size()) {
        throw ConfigError(fmt::format("{}:{}: unexpected text after the JSON array", shown_,
                                      line_of(text, rest)));
      }
    }
    LineCounter lines(text);
    for (const auto& element : scan.elements) {
      const std::size_t line = lines.line_at(element.begin);
      if (element.begin == element.end) {
        ++dataset_.rows_read;
        bad(line, "empty array element");
        continue;
      }
      add_json(text.substr(element.begin, element.end - element.begin), line,
               lines.column_at(element.begin));
    }
  }

  void read_csv(std::string_view text) {
    dataset_.format = DatasetFormat::csv;
    detail::CsvReader reader(text);
    detail::CsvRecord record;
    if (!reader.next(record)) return;  // empty
    if (!record.error.empty()) {
      throw ConfigError(
          fmt::format("{}:{}: malformed CSV header: {}", shown_, record.line, record.error));
    }
    CsvColumns columns(std::move(record.fields));
    has_columns_ = true;
    record.fields.clear();
    while (reader.next(record)) {
      ++dataset_.rows_read;
      if (!record.error.empty()) {
        bad(record.line, record.error);
        continue;
      }
      if (record.fields.size() != columns.header().size()) {
        bad(record.line, fmt::format("{} fields, but the header has {}", record.fields.size(),
                                     columns.header().size()));
        continue;
      }
      CsvRowView view(columns, record.fields);
      DatasetRow row;
      std::optional<RawTimestamp> timestamp;
      std::string reason = extractor_.extract(view, row, timestamp);
      keep(std::move(row), timestamp, std::move(reason), record.line);
    }
  }

  /// One JSON row (a JSONL line or an array element) starting at `line`, `column`.
  void add_json(std::string_view text, std::size_t line, std::size_t column) {
    ++dataset_.rows_read;
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(text.data(), text.data() + text.size());
    } catch (const nlohmann::json::exception& error) {
      bad(line, describe_parse_error(error, line, column));
      return;
    }
    DatasetRow row;
    std::optional<RawTimestamp> timestamp;
    std::string reason;
    if (value.is_object()) {
      has_columns_ = true;
      JsonRowView view(value);
      reason = extractor_.extract(view, row, timestamp);
    } else if (value.is_string()) {
      reason = extractor_.extract_bare_prompt(std::move(value.get_ref<std::string&>()), row);
    } else {
      reason = fmt::format("not a JSON object but {}", value.type_name());
    }
    keep(std::move(row), timestamp, std::move(reason), line);
  }

  void keep(DatasetRow row, std::optional<RawTimestamp> timestamp, std::string reason,
            std::size_t line) {
    if (reason.empty() && options_.require_timestamps && !timestamp) {
      reason = extractor_.timestamp_column().empty()
                   ? "no timestamp: none of the columns timestamp, timestamp_s, timestamp_ms, "
                     "time, arrival_time"
                   : fmt::format("no timestamp: '{}' is missing or empty",
                                 extractor_.timestamp_column());
    }
    if (!reason.empty()) return bad(line, reason);
    row.line = line;
    dataset_.rows.push_back(std::move(row));
    raw_times_.push_back(timestamp);
  }

  void bad(std::size_t line, std::string_view reason) {
    // Valid UTF-8, so that reports can carry it (a parser's "last read" may quote raw bytes).
    dataset_.skipped.push_back(
        detail::to_valid_utf8(fmt::format("{}:{}: {}", shown_, line, reason)));
  }

  void finish() {
    if (dataset_.rows_read == 0) throw ConfigError(fmt::format("{}: empty dataset", shown_));
    if (!options_.column.empty() && !extractor_.named_column_found() && has_columns_) {
      throw ConfigError(
          fmt::format("{}: --data-column '{}' is not a column of any row (columns: {})", shown_,
                      options_.column, join(extractor_.columns_seen())));
    }
    if (dataset_.rows.empty()) {
      throw ConfigError(fmt::format("{}: no usable rows ({} read, first problem: {})", shown_,
                                    dataset_.rows_read, dataset_.skipped.front()));
    }
    dataset_.prompt_column = extractor_.prompt_column();
    apply_timestamps();
    if (options_.require_timestamps) {
      std::stable_sort(
          dataset_.rows.begin(), dataset_.rows.end(),
          [](const DatasetRow& a, const DatasetRow& b) { return *a.timestamp_s < *b.timestamp_s; });
    } else if (options_.shuffle) {
      shuffle_rows(dataset_.rows, options_.seed);
    }
    if (options_.samples && *options_.samples < dataset_.rows.size()) {
      dataset_.rows.erase(dataset_.rows.begin() + static_cast<std::ptrdiff_t>(*options_.samples),
                          dataset_.rows.end());
    }
  }

  /// Converts the file's timestamps to seconds after the earliest usable row.
  void apply_timestamps() {
    std::optional<double> earliest;
    bool all_integer = true;
    for (const auto& raw : raw_times_) {
      if (!raw) continue;
      earliest = earliest ? std::min(*earliest, raw->value) : raw->value;
      all_integer = all_integer && raw->integer;
    }
    if (!earliest) return;
    const std::string& column = extractor_.timestamp_column();
    bool milliseconds = options_.time_unit == TimeUnit::milliseconds;
    if (options_.time_unit == TimeUnit::automatic) {
      const bool ms_column =
          column.size() >= 3 && detail::iequals(column.substr(column.size() - 3), "_ms");
      const bool mooncake =
          detail::iequals(column, "timestamp") && all_integer && extractor_.saw_input_length();
      milliseconds = ms_column || mooncake;
    }
    const double scale = milliseconds ? 1e-3 : 1.0;
    for (std::size_t i = 0; i < raw_times_.size(); ++i) {
      // The earliest is subtracted first: epoch times keep their precision.
      if (raw_times_[i]) dataset_.rows[i].timestamp_s = (raw_times_[i]->value - *earliest) * scale;
    }
  }

  std::string shown_;
  const DatasetOptions& options_;
  detail::RowExtractor extractor_;
  Dataset dataset_;
  std::vector<std::optional<RawTimestamp>> raw_times_;  // parallel to dataset_.rows
  bool has_columns_ = false;                            // some row had named columns
};

}  // namespace

bool looks_like_dataset_path(const std::string& data) {
  if (data.find('=') == std::string::npos) return true;
  std::error_code error;
  return std::filesystem::is_regular_file(data, error);
}

Dataset load_dataset(const std::filesystem::path& path, const DatasetOptions& options) {
  if (options.samples && *options.samples == 0) {
    throw ConfigError("--data-samples must be at least 1");
  }
  return Loader(path, options).load(path);
}

}  // namespace llmpace::workload
