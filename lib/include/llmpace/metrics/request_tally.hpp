// RequestTally: a benchmark's requests, taken in one at a time as each ends and kept in a form
// whose memory does not grow with their tokens and grows by a few bytes per request, so an
// hour-long run holds what compute_metrics() needs without keeping every record.
//
// What it keeps, per request added: nothing of its token times (the gaps go into a SampleSet
// as they are added, the chunks into counts per kChunkBin of the benchmark), and one Interval
// (sent, done: 24 bytes) of each measured request that was sent and ended, for the exact time
// integral and maximum of requests in flight and the timeline. Each distribution is a SampleSet:
// exact up to SampleSet::kExactSampleLimit samples, then within 2^-10 (sample_set.hpp). Apart
// from that, compute_metrics() gives for a tally what it gives for the same records. It also
// intersects the bounds each response's Date header puts on the server's clock (ServerClock).
//
// merge() combines the tallies of a benchmark's workers into the tally of all their requests.
//
// Lifetime and threads: a value. One worker thread adds to its own tally; the coordinator merges
// them once the workers have stopped.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/core/time.hpp"
#include "llmpace/metrics/first_messages.hpp"
#include "llmpace/metrics/incomplete_tally.hpp"
#include "llmpace/metrics/mergeable_data.hpp"
#include "llmpace/metrics/request_record.hpp"
#include "llmpace/metrics/sample_set.hpp"
#include "llmpace/metrics/slo.hpp"

namespace llmpace::metrics {

struct BenchmarkResult;
struct BenchmarkMetrics;

class RequestTally {
 public:
  /// Token chunks are counted per bin of this length from the benchmark's start (for the
  /// timeline's chunk rate): 4 bytes per 10 ms of the run, 1.4 MiB an hour.
  static constexpr Nanoseconds kChunkBin = std::chrono::milliseconds(10);

  /// A measured request that was sent and ended.
  struct Interval {
    TimePoint sent;
    TimePoint done;
    bool successful = false;
    /// The order compute_metrics() reads intervals in: by `sent`, then `done`.
    [[nodiscard]] static bool in_order(const Interval& a, const Interval& b) {
      return a.sent < b.sent || (a.sent == b.sent && a.done < b.done);
    }
  };

  RequestTally() = default;
  /// `benchmark_start` places the chunk bins; `slo` is what goodput counts requests against.
  RequestTally(TimePoint benchmark_start, Slo slo) : origin_(benchmark_start), slo_(slo) {}

  void add(const RequestRecord& record);
  /// Adds `other`'s requests (a tally of the same benchmark start and SLO).
  void merge(RequestTally&& other);

  /// Puts the intervals in order of `sent`, as compute_metrics() reads them: sorted here once,
  /// they need no sorted copy there (which would hold as much again).
  void sort_intervals();
  [[nodiscard]] bool intervals_sorted() const;

  /// Requests added, of any phase and outcome.
  [[nodiscard]] std::size_t size() const { return added_; }
  /// One past the highest request index added; 0 when none.
  [[nodiscard]] std::uint64_t end_index() const { return end_index_; }

 private:
  friend BenchmarkMetrics compute_metrics(const BenchmarkResult& result, const RequestTally& tally);

  /// The key the usage problem's first message is kept under.
  static constexpr std::string_view kUsageKey = "usage";

  /// The SampleSet of `member` of BenchmarkMetrics (its place in kDistributionFields, found at
  /// compile time).
  template <DistributionSummary BenchmarkMetrics::*member>
  SampleSet& distribution();
  void add_server_date(const RequestRecord& record);
  void add_successful(const RequestRecord& record);
  void add_chunks(const RequestRecord& record);

  TimePoint origin_;
  Slo slo_;
  std::size_t added_ = 0;
  std::uint64_t end_index_ = 0;

  // Counts of the measured window (RequestCounts but `dropped`, which the engine counts).
  std::size_t successful_ = 0;
  std::size_t incomplete_ = 0;
  std::size_t errored_ = 0;
  std::size_t warmup_ = 0;
  std::size_t cooldown_ = 0;
  std::size_t waited_for_slot_ = 0;
  std::map<std::string, std::size_t> errors_by_kind_;
  FirstMessages first_errors_;
  std::size_t usage_problems_ = 0;
  FirstMessages first_usage_problem_;  // one key

  /// In the order of kDistributionFields.
  std::array<SampleSet, kDistributionCount> distributions_;
  SampleSet unqueued_dispatch_lag_ms_;  // requests that did not wait for a concurrency slot
  IncompleteTally incomplete_figures_;
  std::size_t with_usage_ = 0;  // successful requests whose output count came from `usage`
  double output_tokens_ = 0;    // of successful requests
  double prompt_tokens_ = 0;
  std::size_t slo_met_ = 0;

  // The measured window when there is a warmup or cooldown (any request outside it).
  bool windowed_ = false;
  TimePoint first_measured_scheduled_ = TimePoint::max();
  TimePoint last_measured_done_ = TimePoint::min();

  // Bounds on (server's Unix time − seconds since origin_), from the responses' Date headers.
  std::size_t dated_responses_ = 0;
  double server_offset_low_s_ = -std::numeric_limits<double>::infinity();
  double server_offset_high_s_ = std::numeric_limits<double>::infinity();

  // A deque: growing never moves what is kept, so adding never stalls the worker's event loop.
  std::deque<Interval> intervals_;
  std::vector<std::uint32_t> chunks_per_bin_;  // measured requests' token chunks per kChunkBin
};

}  // namespace llmpace::metrics
