// LogHistogram: a mergeable log-linear histogram of non-negative doubles (HdrHistogram's layout,
// written here because Debian packages no C++ HdrHistogram), with a stated relative error.
//
// Buckets. Each power of two [2^e, 2^(e+1)) is cut into M = 2^b equal sub-buckets, b the
// smallest with 1 / (2M) <= the requested relative error (default 1e-3: b = 9, M = 512, stated
// error 2^-10 = 0.098 %). A bucket of lower bound lo is lo / M wide at most, so its midpoint is
// within lo / (2M) of every value in it: the stated relative error holds for every value. The
// bucket of a value is the top 11 + b bits of its IEEE 754 bits (exponent and first b mantissa
// bits): one shift, no logarithm. Bucket indices count from 1.0: index i covers
// [2^e (1 + s/M), 2^e (1 + (s+1)/M)) with e = floor(i / M) and s = i mod M.
// Values below the zero floor (default 1e-6 of the unit; at least the smallest normal double) go
// to a zero bucket, whose values quantile() returns with an absolute error below the floor.
// Durations of days in milliseconds (1e8) or anything finite have no upper-bound problem.
//
// Memory. One 64-bit counter per bucket over the whole octaves between the smallest and the
// largest value seen so far, grown when a value falls outside them (so record() allocates only
// when a new octave is reached, never in steady state): 4 KiB per octave at the default precision
// (TTFTs from 1 ms to 10 s: 14 octaves, 56 KiB; 1e-6 to 1e8 ms, the most for durations: 188 KiB).
//
// count(), sum(), min() and max() are kept beside the buckets, exact (sum() in double arithmetic,
// as summing the values in the order recorded). quantile(q) follows percentile_of_sorted
// (metrics/summary.hpp, type-7 interpolation) with each sorted sample replaced by its bucket's
// midpoint clamped to [min(), max()]: within the stated relative error of the exact percentile,
// and exactly min() at q = 0 and max() at q = 1.
//
// merge() adds counts exactly, so the merge of histograms equals recording the union; histograms
// of different precision or floor are refused. to_json() / from_json() keep only the non-empty
// buckets (format in to_json), for mergeable reports.
//
// A value; not thread-safe: one owner records and reads (or guard it with a lock).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <vector>

namespace llmpace::metrics {

class LogHistogram {
 public:
  static constexpr double kDefaultRelativeError = 1e-3;
  static constexpr double kDefaultZeroFloor = 1e-6;

  /// `relative_error` in [1e-5, 0.5]; `zero_floor` finite and at least the smallest normal double.
  /// Throws std::invalid_argument otherwise.
  explicit LogHistogram(double relative_error = kDefaultRelativeError,
                        double zero_floor = kDefaultZeroFloor);

  /// Records `value` (finite, >= 0; std::invalid_argument otherwise) once, or `count` times.
  /// O(1); allocates only when `value` lies outside every octave seen so far.
  void record(double value) { record(value, 1); }
  void record(double value, std::uint64_t count);
  /// Records each of `values` once: the same as record(value) for each in turn (the same sum, to
  /// the bit), in a tighter loop (count, sum and extremes kept in locals, stored once). Every
  /// value is checked first: at one that record(value) refuses, throws std::invalid_argument
  /// having recorded none of them.
  void record(std::span<const double> values);

  /// Adds `other`'s counts, sum and extremes. Throws ConfigError (core/error.hpp) when the
  /// precision or the zero floor differ: their buckets do not line up.
  void merge(const LogHistogram& other);

  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] double sum() const { return sum_; }
  /// sum() / count(); 0 when empty.
  [[nodiscard]] double mean() const;
  /// The smallest and largest values recorded; 0 when empty.
  [[nodiscard]] double min() const;
  [[nodiscard]] double max() const;
  /// The type-7 quantile at `q` in [0, 1] (clamped; NaN is 0), within relative_error() of the
  /// exact one (absolute error below zero_floor() for values below it); 0 when empty.
  [[nodiscard]] double quantile(double q) const;

  /// The error bound actually guaranteed: 2^-(b+1) <= the requested relative error.
  [[nodiscard]] double relative_error() const;
  [[nodiscard]] int sub_bucket_bits() const { return sub_bucket_bits_; }
  [[nodiscard]] double zero_floor() const { return zero_floor_; }
  /// Counters allocated (8 bytes each): the memory the buckets take.
  [[nodiscard]] std::size_t allocated_buckets() const { return counts_.size(); }

  /// {"relative_error", "sub_bucket_bits", "zero_floor", "count", "sum", "min", "max",
  ///  "zero_count", "buckets": [[first_index, count, count, ...], ...]}: each element of
  /// "buckets" is a run of consecutive non-empty buckets, the index of its first bucket (as in
  /// the header comment, from 1.0) followed by their counts. min and max are 0 when empty.
  [[nodiscard]] nlohmann::json to_json() const;
  /// The inverse of to_json. Throws ConfigError naming the problem on a malformed document
  /// (missing field, counts that do not add up to "count", overlapping runs, ...).
  static LogHistogram from_json(const nlohmann::json& json);

 private:
  /// The top 11 + b bits of a normal positive double: its bucket, counted from 0.0's bits.
  [[nodiscard]] std::int64_t key_of(double value) const;
  /// Makes counts_ cover keys [low_key, high_key], in whole octaves.
  void cover(std::int64_t low_key, std::int64_t high_key);
  /// The value of the sorted sample at 0-based `rank` < count(), as quantile() defines it.
  [[nodiscard]] double value_at_rank(std::uint64_t rank) const;

  int sub_bucket_bits_;
  double zero_floor_;
  std::uint64_t count_ = 0;
  std::uint64_t zero_count_ = 0;
  double sum_ = 0;
  double min_;
  double max_;
  std::int64_t first_key_ = 0;         // key of counts_[0]
  std::vector<std::uint64_t> counts_;  // whole octaves; empty until a value >= zero_floor_
};

}  // namespace llmpace::metrics
