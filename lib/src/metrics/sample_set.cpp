#include "llmpace/metrics/sample_set.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace llmpace::metrics {

void SampleSet::add(double sample) {
  ++count_;
  const double delta = sample - mean_;
  mean_ += delta / static_cast<double>(count_);
  squared_deviations_ += delta * (sample - mean_);
  min_ = count_ == 1 ? sample : std::min(min_, sample);
  max_ = count_ == 1 ? sample : std::max(max_, sample);
  histogram_.record(sample < 0 ? 0.0 : sample);
  if (!exact_) return;
  if (count_ > kExactSampleLimit) {
    let_go_of_samples();
    return;
  }
  samples_.push_back(sample);
}

void SampleSet::merge(SampleSet&& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    *this = std::move(other);
    return;
  }
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
  if (exact_ && other.exact_ && count_ <= kExactSampleLimit) {
    samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
  } else {
    let_go_of_samples();
  }
  other = SampleSet{};
}

void SampleSet::let_go_of_samples() {
  exact_ = false;
  std::vector<double>().swap(samples_);
}

DistributionSummary SampleSet::summarize() const {
  DistributionSummary summary;
  if (exact_) {
    summary = metrics::summarize(samples_);
  } else {
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
  }
  return summary;
}

}  // namespace llmpace::metrics
