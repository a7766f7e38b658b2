#include "llmpace/metrics/sample_set.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace llmpace::metrics {
namespace {

double histogram_value(double sample) { return sample < 0 ? 0.0 : sample; }

}  // namespace

void SampleSet::add(double sample) {
  ++count_;
  if (exact_) {
    if (count_ <= kExactSampleLimit) {
      // Room for every sample kept, taken at the first: growing never moves them (see header).
      if (samples_.capacity() == 0) samples_.reserve(kExactSampleLimit);
      samples_.push_back(sample);  // all an exact set does per sample
      return;
    }
    let_go_of_samples();
  }
  add_to_moments(sample, count_);
  histogram_.record(histogram_value(sample));
}

void SampleSet::add_to_moments(double sample, std::size_t samples) {
  const double delta = sample - mean_;
  mean_ += delta / static_cast<double>(samples);
  squared_deviations_ += delta * (sample - mean_);
  min_ = samples == 1 ? sample : std::min(min_, sample);
  max_ = samples == 1 ? sample : std::max(max_, sample);
}

void SampleSet::let_go_of_samples() {
  exact_ = false;
  for (std::size_t i = 0; i < samples_.size(); ++i) {
    add_to_moments(samples_[i], i + 1);
    histogram_.record(histogram_value(samples_[i]));
  }
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
  // Chan et al.'s pairwise combination of the running moments.
  const auto n = static_cast<double>(count_);
  const auto m = static_cast<double>(other.count_);
  const double delta = other.mean_ - mean_;
  mean_ += delta * m / (n + m);
  squared_deviations_ += other.squared_deviations_ + delta * delta * n * m / (n + m);
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  histogram_.merge(other.histogram_);
  other = SampleSet{};
}

LogHistogram SampleSet::histogram() const {
  if (!exact_) return histogram_;
  LogHistogram histogram;
  for (const double sample : samples_) histogram.record(histogram_value(sample));
  return histogram;
}

DistributionSummary SampleSet::summarize() const {
  if (exact_) return metrics::summarize(samples_);
  DistributionSummary summary;
  summary.count = count_;
  summary.mean = mean_;
  summary.stddev = std::sqrt(squared_deviations_ / static_cast<double>(count_));
  summary.min = min_;
  summary.max = max_;
  for (const PercentileField& field : kPercentileFields) {
    // The histogram clamps to its own extremes, which are the samples' but for negatives.
    summary.*field.member = std::clamp(histogram_.quantile(field.rank / 100.0), min_, max_);
  }
  summary.percentiles_exact = false;
  return summary;
}

}  // namespace llmpace::metrics
