// Builds Exposition objects by hand for the readings and summary tests, so that they test the
// vocabulary without the text parser.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "llmpace/telemetry/exposition.hpp"

namespace llmpace::telemetry::test {

class ExpositionBuilder {
 public:
  ExpositionBuilder& add(std::string name, std::vector<Label> labels, double value) {
    Sample sample;
    sample.name = std::move(name);
    sample.labels = std::move(labels);
    sample.value = value;
    exposition_.samples.push_back(std::move(sample));
    return *this;
  }

  /// A histogram's _bucket, _sum and _count samples: `cumulative` per bound of `bounds` (the +Inf
  /// bucket is added with the last cumulative count unless `with_inf` is false).
  ExpositionBuilder& histogram(const std::string& name, const std::vector<Label>& labels,
                               const std::vector<double>& bounds,
                               const std::vector<double>& cumulative, double sum,
                               bool with_inf = true) {
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      std::vector<Label> with_le = labels;
      with_le.push_back({"le", format_bound(bounds[i])});
      add(name + "_bucket", std::move(with_le), cumulative[i]);
    }
    const double count = cumulative.empty() ? 0.0 : cumulative.back();
    if (with_inf) {
      std::vector<Label> with_le = labels;
      with_le.push_back({"le", "+Inf"});
      add(name + "_bucket", std::move(with_le), count);
    }
    add(name + "_sum", labels, sum);
    add(name + "_count", labels, count);
    return *this;
  }

  [[nodiscard]] const Exposition& get() const { return exposition_; }

 private:
  static std::string format_bound(double bound) {
    std::string text = std::to_string(bound);  // "0.250000": still a number, as servers vary
    return text;
  }

  Exposition exposition_;
};

}  // namespace llmpace::telemetry::test
