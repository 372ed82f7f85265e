// Latency statistics: every sample is kept, so percentiles are exact.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace scnvme::sim {

class LatencyStats {
 public:
  void add(uint64_t ns) { samples_.push_back(ns); sorted_ = false; }
  void merge(const LatencyStats& o) {
    samples_.insert(samples_.end(), o.samples_.begin(), o.samples_.end());
    sorted_ = false;
  }
  uint64_t count() const { return samples_.size(); }
  uint64_t min() const { sort(); return samples_.empty() ? 0 : samples_.front(); }
  uint64_t max() const { sort(); return samples_.empty() ? 0 : samples_.back(); }
  double mean() const {
    if (samples_.empty()) return 0;
    long double s = 0;
    for (uint64_t v : samples_) s += v;
    return static_cast<double>(s / samples_.size());
  }
  double stdev() const {
    if (samples_.size() < 2) return 0;
    const double m = mean();
    long double s = 0;
    for (uint64_t v : samples_) s += (v - m) * (v - m);
    return std::sqrt(static_cast<double>(s / (samples_.size() - 1)));
  }
  /// Nearest-rank percentile, p in [0, 100].
  uint64_t percentile(double p) const {
    if (samples_.empty()) return 0;
    sort();
    const double rank = std::ceil(p / 100.0 * samples_.size());
    const std::size_t i = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
    return samples_[std::min(i, samples_.size() - 1)];
  }

 private:
  void sort() const {
    if (!sorted_) {
      std::sort(samples_.begin(), samples_.end());
      sorted_ = true;
    }
  }
  mutable std::vector<uint64_t> samples_;
  mutable bool sorted_ = true;
};

}  // namespace scnvme::sim
