#include "llmpace/metrics/sample_set.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace llmpace::metrics {
namespace {

double histogram_value(double sample) { return sample < 0 ? 0.0 : sample; }

/// The smallest of `samples`; 0 when there are none.
double min_of(std::span<const double> samples) {
  return samples.empty() ? 0.0 : std::ranges::min(samples);
}

/// Records `samples`, the smallest of which is `min`, in `histogram`, a negative one as 0 (see
/// SampleSet::histogram()). Throws std::invalid_argument, recording none, at a non-finite one.
void record_samples(LogHistogram& histogram, std::span<const double> samples, double min) {
  if (min >= 0) {
    histogram.record(samples);  // as they are: the usual case
    return;
  }
  // A copy, allocated: no clock should give a negative sample.
  std::vector<double> values(samples.size());
  std::transform(samples.begin(), samples.end(), values.begin(), histogram_value);
  histogram.record(values);
}

}  // namespace

void SampleSet::add_out_of_line(double sample) {
  if (exact_ && count_ < kExactSampleLimit) {
    // Room for every sample kept, taken at the first: growing never moves them (see header).
    if (samples_.capacity() == 0) samples_.reserve(kExactSampleLimit);
    samples_.push_back(sample);  // all an exact set does per sample
    ++count_;
    return;
  }
  if (exact_) let_go_of_samples();
  // Folded before appending, not after: a fold that throws leaves the buffer full, not overrun.
  if (pending_count_ == pending_.size()) fold_pending();
  pending_[pending_count_++] = sample;
  ++count_;
}

SampleSet::Moments SampleSet::moments_of(std::span<const double> samples) {
  Moments moments;
  if (samples.empty()) return moments;
  double sum = 0;
  moments.min = samples.front();
  moments.max = samples.front();
  for (const double sample : samples) {
    sum += sample;
    moments.min = std::min(moments.min, sample);
    moments.max = std::max(moments.max, sample);
  }
  moments.count = samples.size();
  moments.mean = sum / static_cast<double>(samples.size());
  for (const double sample : samples) {
    const double deviation = sample - moments.mean;
    moments.squared_deviations += deviation * deviation;
  }
  return moments;
}

SampleSet::Moments SampleSet::combined(const Moments& a, const Moments& b) {
  if (b.count == 0) return a;
  if (a.count == 0) return b;
  const auto n = static_cast<double>(a.count);
  const auto m = static_cast<double>(b.count);
  const double delta = b.mean - a.mean;
  Moments both;
  both.count = a.count + b.count;
  both.mean = a.mean + delta * m / (n + m);
  both.squared_deviations =
      a.squared_deviations + b.squared_deviations + delta * delta * n * m / (n + m);
  both.min = std::min(a.min, b.min);
  both.max = std::max(a.max, b.max);
  return both;
}

void SampleSet::fold(std::span<const double> samples) {
  const Moments batch = moments_of(samples);
  // Before the moments change: the histogram may refuse a sample, and then nothing has changed.
  record_samples(histogram_, samples, batch.min);
  moments_ = combined(moments_, batch);
}

void SampleSet::fold_pending() {
  fold(pending());
  pending_count_ = 0;
}

void SampleSet::let_go_of_samples() {
  fold(samples_);
  exact_ = false;
  std::vector<double>().swap(samples_);
}

void SampleSet::merge(SampleSet&& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    *this = std::move(other);
    return;
  }
  if (exact_ && other.exact_ && count_ + other.count_ <= kExactSampleLimit) {
    samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
    count_ += other.count_;
    other = SampleSet{};
    return;
  }
  if (exact_) let_go_of_samples();
  if (other.exact_) other.let_go_of_samples();
  // This set's pending samples can stay pending; the other's join the folded state.
  other.fold_pending();
  moments_ = combined(moments_, other.moments_);
  histogram_.merge(other.histogram_);
  count_ += other.count_;
  other = SampleSet{};
}

LogHistogram SampleSet::histogram() const {
  // The samples kept (while exact_) or the ones pending (after): the other span is empty.
  LogHistogram histogram = histogram_;
  record_samples(histogram, samples_, min_of(samples_));
  record_samples(histogram, pending(), min_of(pending()));
  return histogram;
}

DistributionSummary SampleSet::summarize() const {
  if (exact_) return metrics::summarize(samples_);
  const Moments moments = combined(moments_, moments_of(pending()));
  const LogHistogram histogram = this->histogram();
  DistributionSummary summary;
  summary.count = count_;
  summary.mean = moments.mean;
  summary.stddev = std::sqrt(moments.squared_deviations / static_cast<double>(moments.count));
  summary.min = moments.min;
  summary.max = moments.max;
  for (const PercentileField& field : kPercentileFields) {
    // The histogram clamps to its own extremes, which are the samples' but for negatives.
    summary.*field.member =
        std::clamp(histogram.quantile(field.rank / 100.0), moments.min, moments.max);
  }
  summary.percentiles_exact = false;
  return summary;
}

}  // namespace llmpace::metrics
