// Latency statistics: every sample is kept, so percentiles are exact.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace scnvme::sim {

/// The 0-based index of the nearest-rank p-th percentile (p in [0, 100]) of n > 0 sorted samples:
/// ceil(p n / 100) - 1, with p n / 100 rounded first so that decimal percentiles land on exact
/// ranks (99.9 % of 10000 is rank 9990, not 9991 through 99.9's binary representation).
inline std::size_t nearest_rank(double p, std::size_t n) {
  const double x = p / 100.0 * static_cast<double>(n);
  const double rank = std::ceil(x - 1e-9 * std::max(1.0, x));
  const std::size_t i = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return std::min(i, n - 1);
}

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
    const std::size_t i = nearest_rank(p, samples_.size());
    return samples_[i];
  }
  /// Checkpoints: the samples in their current order (sums over them stay bit-identical).
  template <typename Archive>
  void persist(Archive& a) {
    a.io(samples_);
    a.io(sorted_);
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

/// Count, min, max, mean and standard deviation without keeping samples (Welford's method), for
/// the submission and completion latencies, whose percentiles are not reported.
class Moments {
 public:
  void add(uint64_t v) {
    ++n_;
    min_ = n_ == 1 ? v : std::min(min_, v);
    max_ = std::max(max_, v);
    const double d = static_cast<double>(v) - mean_;
    mean_ += d / static_cast<double>(n_);
    m2_ += d * (static_cast<double>(v) - mean_);
  }
  void merge(const Moments& o) {
    if (o.n_ == 0) return;
    if (n_ == 0) {
      *this = o;
      return;
    }
    const double n = static_cast<double>(n_ + o.n_);
    const double d = o.mean_ - mean_;
    m2_ += o.m2_ + d * d * static_cast<double>(n_) * static_cast<double>(o.n_) / n;
    mean_ += d * static_cast<double>(o.n_) / n;
    n_ += o.n_;
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
  }
  uint64_t count() const { return n_; }
  uint64_t min() const { return n_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return mean_; }
  double stdev() const { return n_ < 2 ? 0 : std::sqrt(m2_ / static_cast<double>(n_ - 1)); }
  template <typename Archive>
  void persist(Archive& a) {
    a.io(n_);
    a.io(min_);
    a.io(max_);
    a.io(mean_);
    a.io(m2_);
  }

 private:
  uint64_t n_ = 0, min_ = 0, max_ = 0;
  double mean_ = 0, m2_ = 0;
};

}  // namespace scnvme::sim
