// LogHistogram: bucket keys from the bits of a double; the layout is described in the header.
#include "llmpace/metrics/log_histogram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "llmpace/core/error.hpp"

namespace llmpace::metrics {
namespace {

constexpr int kMantissaBits = 52;
constexpr int kExponentBias = 1023;
constexpr int kMaxSubBucketBits = 16;  // 2^-17 < 1e-5, the finest precision accepted
constexpr double kFinestRelativeError = 1e-5;
constexpr double kCoarsestRelativeError = 0.5;

/// Finite and >= 0: a value a histogram records.
bool recordable(double value) { return value >= 0 && std::isfinite(value); }

[[noreturn]] void refuse(double value) {
  throw std::invalid_argument(fmt::format("LogHistogram: cannot record {}", value));
}

[[noreturn]] void malformed(std::string_view field, std::string_view problem) {
  throw ConfigError(fmt::format("histogram: '{}' {}", field, problem));
}

const nlohmann::json& field_of(const nlohmann::json& json, const char* key) {
  if (!json.is_object()) malformed("histogram", "is not an object");
  const auto found = json.find(key);
  if (found == json.end()) malformed(key, "is missing");
  return *found;
}

std::uint64_t unsigned_of(const nlohmann::json& value, std::string_view name) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(value.get<std::int64_t>());
  }
  malformed(name, "is not a non-negative integer");
}

double number_of(const nlohmann::json& json, const char* key) {
  const nlohmann::json& value = field_of(json, key);
  if (!value.is_number() || !std::isfinite(value.get<double>())) malformed(key, "is not a number");
  return value.get<double>();
}

}  // namespace

LogHistogram::LogHistogram(double relative_error, double zero_floor)
    : sub_bucket_bits_(0),
      zero_floor_(zero_floor),
      min_(std::numeric_limits<double>::infinity()),
      max_(-std::numeric_limits<double>::infinity()) {
  if (!(relative_error >= kFinestRelativeError && relative_error <= kCoarsestRelativeError)) {
    throw std::invalid_argument(fmt::format("LogHistogram: relative error {} is not in [{}, {}]",
                                            relative_error, kFinestRelativeError,
                                            kCoarsestRelativeError));
  }
  if (!std::isfinite(zero_floor) || zero_floor < std::numeric_limits<double>::min()) {
    throw std::invalid_argument(
        fmt::format("LogHistogram: zero floor {} is below the smallest normal double", zero_floor));
  }
  while (std::ldexp(1.0, -(sub_bucket_bits_ + 1)) > relative_error) ++sub_bucket_bits_;
}

std::int64_t LogHistogram::key_of(double value) const {
  return static_cast<std::int64_t>(std::bit_cast<std::uint64_t>(value) >>
                                   (kMantissaBits - sub_bucket_bits_));
}

void LogHistogram::cover(std::int64_t low_key, std::int64_t high_key) {
  const std::int64_t low = (low_key >> sub_bucket_bits_) << sub_bucket_bits_;
  const std::int64_t end = ((high_key >> sub_bucket_bits_) + 1) << sub_bucket_bits_;
  if (counts_.empty()) {
    first_key_ = low;
    counts_.assign(static_cast<std::size_t>(end - low), 0);
    return;
  }
  const std::int64_t current_end = first_key_ + static_cast<std::int64_t>(counts_.size());
  if (low < first_key_) {
    counts_.insert(counts_.begin(), static_cast<std::size_t>(first_key_ - low), 0);
    first_key_ = low;
  }
  if (end > current_end) counts_.resize(static_cast<std::size_t>(end - first_key_), 0);
}

void LogHistogram::record(double value, std::uint64_t count) {
  if (!recordable(value)) refuse(value);
  if (count == 0) return;
  count_ += count;
  sum_ += count == 1 ? value : value * static_cast<double>(count);
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  if (value < zero_floor_) {
    zero_count_ += count;
    return;
  }
  const std::int64_t key = key_of(value);
  if (key < first_key_ || key >= first_key_ + static_cast<std::int64_t>(counts_.size())) {
    cover(key, key);
  }
  counts_[static_cast<std::size_t>(key - first_key_)] += count;
}

void LogHistogram::record(std::span<const double> values) {
  // All checked before any is recorded: a refused value leaves the histogram as it was.
  for (const double value : values) {
    if (!recordable(value)) refuse(value);
  }
  // The members the loop uses, in locals, stored once at the end. Otherwise the compiler reads
  // them again for every value, as a counter's increment might change first_key_ (both are 64-bit
  // integers) for all it knows. The sum starts from sum_, not from 0 with sum_ added at the end:
  // the rounding of recording the values one at a time.
  double sum = sum_;
  double min = min_;
  double max = max_;
  std::uint64_t zero_count = 0;
  const double zero_floor = zero_floor_;
  std::int64_t first_key = first_key_;
  std::span<std::uint64_t> counts = counts_;
  for (const double value : values) {
    sum += value;
    min = std::min(min, value);
    max = std::max(max, value);
    if (value < zero_floor) {
      ++zero_count;
      continue;
    }
    const std::int64_t key = key_of(value);
    // One comparison for both ends: below first_key, the difference wraps to a huge index.
    auto index = static_cast<std::size_t>(key - first_key);
    if (index >= counts.size()) {
      cover(key, key);
      first_key = first_key_;
      counts = counts_;
      index = static_cast<std::size_t>(key - first_key);
    }
    ++counts[index];
  }
  count_ += values.size();
  zero_count_ += zero_count;
  sum_ = sum;
  min_ = min;
  max_ = max;
}

void LogHistogram::merge(const LogHistogram& other) {
  if (other.sub_bucket_bits_ != sub_bucket_bits_ || other.zero_floor_ != zero_floor_) {
    throw ConfigError(fmt::format(
        "cannot merge histograms of different precision: relative error {} and zero floor {} "
        "against {} and {}",
        relative_error(), zero_floor_, other.relative_error(), other.zero_floor_));
  }
  if (other.count_ == 0) return;
  if (!other.counts_.empty()) {
    const auto other_size = static_cast<std::int64_t>(other.counts_.size());
    cover(other.first_key_, other.first_key_ + other_size - 1);
    const std::size_t offset = static_cast<std::size_t>(other.first_key_ - first_key_);
    for (std::size_t i = 0; i < other.counts_.size(); ++i) counts_[offset + i] += other.counts_[i];
  }
  count_ += other.count_;
  zero_count_ += other.zero_count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

double LogHistogram::mean() const { return count_ == 0 ? 0 : sum_ / static_cast<double>(count_); }

double LogHistogram::min() const { return count_ == 0 ? 0 : min_; }

double LogHistogram::max() const { return count_ == 0 ? 0 : max_; }

double LogHistogram::relative_error() const { return std::ldexp(1.0, -(sub_bucket_bits_ + 1)); }

double LogHistogram::value_at_rank(std::uint64_t rank) const {
  // The extremes are known exactly; the zero bucket's values are all within zero_floor of min.
  if (rank == count_ - 1) return max_;
  if (rank == 0 || rank < zero_count_) return min_;
  std::uint64_t remaining = rank - zero_count_;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (remaining < counts_[i]) {
      // The bucket's midpoint: its lower bound's bits with the next mantissa bit set.
      const auto key = static_cast<std::uint64_t>(first_key_ + static_cast<std::int64_t>(i));
      const int shift = kMantissaBits - sub_bucket_bits_;
      const double midpoint =
          std::bit_cast<double>((key << shift) | (std::uint64_t{1} << (shift - 1)));
      return std::clamp(midpoint, min_, max_);
    }
    remaining -= counts_[i];
  }
  return max_;  // unreachable while the counts add up to count_
}

double LogHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::isnan(q) ? 0.0 : std::clamp(q, 0.0, 1.0);
  // As percentile_of_sorted: the rank (n - 1) q, linear between the two samples around it.
  const std::uint64_t last = count_ - 1;
  const double rank = static_cast<double>(last) * q;
  const double lower_rank = std::floor(rank);
  const auto lower = std::min(static_cast<std::uint64_t>(lower_rank), last);
  const double fraction = rank - lower_rank;
  const double lower_value = value_at_rank(lower);
  if (fraction == 0 || lower == last) return lower_value;
  return std::lerp(lower_value, value_at_rank(lower + 1), fraction);
}

nlohmann::json LogHistogram::to_json() const {
  nlohmann::json runs = nlohmann::json::array();
  const std::int64_t one_key = std::int64_t{kExponentBias} << sub_bucket_bits_;
  bool in_run = false;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) {
      in_run = false;
      continue;
    }
    if (!in_run) {
      runs.push_back(nlohmann::json::array({first_key_ + static_cast<std::int64_t>(i) - one_key}));
      in_run = true;
    }
    runs.back().push_back(counts_[i]);
  }
  return nlohmann::json{{"relative_error", relative_error()},
                        {"sub_bucket_bits", sub_bucket_bits_},
                        {"zero_floor", zero_floor_},
                        {"count", count_},
                        {"sum", sum_},
                        {"min", min()},
                        {"max", max()},
                        {"zero_count", zero_count_},
                        {"buckets", std::move(runs)}};
}

LogHistogram LogHistogram::from_json(const nlohmann::json& json) {
  const std::uint64_t bits = unsigned_of(field_of(json, "sub_bucket_bits"), "sub_bucket_bits");
  if (bits > kMaxSubBucketBits) malformed("sub_bucket_bits", "is above 16");
  const double zero_floor = number_of(json, "zero_floor");
  if (zero_floor < std::numeric_limits<double>::min()) malformed("zero_floor", "is too small");
  LogHistogram histogram(std::ldexp(1.0, -static_cast<int>(bits + 1)), zero_floor);
  if (number_of(json, "relative_error") != histogram.relative_error()) {
    malformed("relative_error", "does not match sub_bucket_bits");
  }

  const nlohmann::json& runs = field_of(json, "buckets");
  if (!runs.is_array()) malformed("buckets", "is not an array");
  const int b = histogram.sub_bucket_bits_;
  const std::int64_t one_key = std::int64_t{kExponentBias} << b;
  const std::int64_t lowest_key = histogram.key_of(zero_floor);
  const std::int64_t end_key = std::int64_t{2047} << b;  // the first key of inf and NaN
  std::int64_t next_free_key = lowest_key;
  std::vector<std::pair<std::int64_t, std::uint64_t>> buckets;  // key, count
  std::uint64_t bucket_total = 0;
  for (const nlohmann::json& run : runs) {
    if (!run.is_array() || run.size() < 2 || !run[0].is_number_integer()) {
      malformed("buckets", "holds a run that is not [first_index, count, ...]");
    }
    if (run[0].is_number_unsigned() && run[0].get<std::uint64_t>() > std::uint64_t{1} << 32) {
      malformed("buckets", "holds an index beyond the largest double");
    }
    const std::int64_t index = run[0].get<std::int64_t>();
    if (index < lowest_key - one_key) malformed("buckets", "holds an index below the zero floor");
    const std::int64_t first_key = index + one_key;
    if (first_key >= end_key - static_cast<std::int64_t>(run.size() - 1)) {
      malformed("buckets", "holds an index beyond the largest double");
    }
    if (first_key < next_free_key) malformed("buckets", "holds runs out of order or overlapping");
    for (std::size_t i = 1; i < run.size(); ++i) {
      const std::uint64_t count = unsigned_of(run[i], "buckets");
      if (count == 0) malformed("buckets", "holds an empty bucket");
      if (count > std::numeric_limits<std::uint64_t>::max() - bucket_total) {
        malformed("buckets", "counts overflow");
      }
      bucket_total += count;
      buckets.emplace_back(first_key + static_cast<std::int64_t>(i - 1), count);
    }
    next_free_key = first_key + static_cast<std::int64_t>(run.size() - 1);
  }

  const std::uint64_t count = unsigned_of(field_of(json, "count"), "count");
  const std::uint64_t zero_count = unsigned_of(field_of(json, "zero_count"), "zero_count");
  if (zero_count > count || count - zero_count != bucket_total) {
    malformed("count", "is not zero_count plus the bucket counts");
  }
  const double min = number_of(json, "min");
  const double max = number_of(json, "max");
  if (count > 0 && !(min >= 0 && min <= max)) malformed("min", "is not in [0, max]");
  if (!buckets.empty()) {
    histogram.cover(buckets.front().first, buckets.back().first);
    for (const auto& [key, bucket_count] : buckets) {
      histogram.counts_[static_cast<std::size_t>(key - histogram.first_key_)] = bucket_count;
    }
  }
  histogram.count_ = count;
  histogram.zero_count_ = zero_count;
  histogram.sum_ = number_of(json, "sum");
  if (count > 0) {
    histogram.min_ = min;
    histogram.max_ = max;
  }
  return histogram;
}

}  // namespace llmpace::metrics
