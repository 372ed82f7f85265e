// Latency statistics in bounded memory: exact count, min, max, mean and standard deviation, and
// percentiles from a log-linear histogram (as fio's, finer) whose error is at most 1/512 of the value.
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

/// Latencies in ns. Values below 512 have a bucket each; every octave [2^e, 2^(e+1)) above is
/// split into 512 equal buckets, so a bucket is at most 1/512 of its values wide and the memory
/// does not grow with the number of samples (about 8 KiB per octave reached). A percentile is the
/// nearest-rank sample's bucket, reported as the mean of the samples in it: exact when they are
/// equal (a deterministic model's common case) and within the bucket's width otherwise; the 0th
/// and 100th percentiles are the exact min and max.
class LatencyStats {
 public:
  static constexpr unsigned kSubBits = 9;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;

  void add(uint64_t ns) {
    const std::size_t i = bucket_of(ns);
    if (i >= bins_.size()) bins_.resize(i + 1);
    Bin& b = bins_[i];
    ++b.count;
    b.offsets += ns - bucket_low(i);
    min_ = n_ == 0 ? ns : std::min(min_, ns);
    max_ = std::max(max_, ns);
    ++n_;
    sum_ += ns;
    sum_squares_ += static_cast<unsigned __int128>(ns) * ns;
  }
  void merge(const LatencyStats& o) {
    if (o.n_ == 0) return;
    if (o.bins_.size() > bins_.size()) bins_.resize(o.bins_.size());
    for (std::size_t i = 0; i < o.bins_.size(); ++i) {
      bins_[i].count += o.bins_[i].count;
      bins_[i].offsets += o.bins_[i].offsets;
    }
    min_ = n_ == 0 ? o.min_ : std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
    n_ += o.n_;
    sum_ += o.sum_;
    sum_squares_ += o.sum_squares_;
  }
  uint64_t count() const { return n_; }
  uint64_t min() const { return min_; }
  uint64_t max() const { return max_; }
  double mean() const {
    return n_ == 0 ? 0 : static_cast<double>(static_cast<long double>(sum_) / static_cast<long double>(n_));
  }
  /// Sample standard deviation.
  double stdev() const {
    if (n_ < 2) return 0;
    const long double n = static_cast<long double>(n_);
    const long double s = static_cast<long double>(sum_);
    const long double var = (static_cast<long double>(sum_squares_) - s * s / n) / (n - 1);
    return var > 0 ? static_cast<double>(std::sqrt(var)) : 0.0;
  }
  /// Nearest-rank percentile, p in [0, 100], to the histogram's resolution (see the class).
  uint64_t percentile(double p) const {
    if (n_ == 0) return 0;
    const uint64_t rank = nearest_rank(p, n_);
    if (rank == 0) return min_;
    if (rank == n_ - 1) return max_;
    uint64_t below = 0;
    for (std::size_t i = 0; i < bins_.size(); ++i) {
      const Bin& b = bins_[i];
      if (below + b.count > rank) return std::clamp(bucket_low(i) + b.offsets / b.count, min_, max_);
      below += b.count;
    }
    return max_;
  }
  /// The histogram's bucket of a value, and the lowest value in a bucket.
  static std::size_t bucket_of(uint64_t v) {
    if (v < kSub) return static_cast<std::size_t>(v);
    const unsigned e = 63u - static_cast<unsigned>(__builtin_clzll(v));  // v in [2^e, 2^(e+1)), e >= kSubBits
    const unsigned shift = e - kSubBits;
    return static_cast<std::size_t>((uint64_t{shift + 1} << kSubBits) + ((v >> shift) - kSub));
  }
  static uint64_t bucket_low(std::size_t i) {
    if (i < kSub) return i;
    const unsigned shift = static_cast<unsigned>(i >> kSubBits) - 1u;
    return (kSub + (i & (kSub - 1))) << shift;
  }
  /// Checkpoints: the histogram and the sums.
  template <typename Archive>
  void persist(Archive& a) {
    a.io(bins_);
    a.io(n_);
    a.io(min_);
    a.io(max_);
    persist_wide(a, sum_);
    persist_wide(a, sum_squares_);
  }

 private:
  struct Bin {
    uint64_t count = 0;
    uint64_t offsets = 0;  // the sum of (value - the bucket's lowest value)
    template <typename Archive>
    void persist(Archive& a) {
      a.io(count);
      a.io(offsets);
    }
  };
  template <typename Archive>
  static void persist_wide(Archive& a, unsigned __int128& v) {
    uint64_t lo = static_cast<uint64_t>(v), hi = static_cast<uint64_t>(v >> 64);
    a.io(lo);
    a.io(hi);
    v = (static_cast<unsigned __int128>(hi) << 64) | lo;
  }

  std::vector<Bin> bins_;
  uint64_t n_ = 0, min_ = 0, max_ = 0;
  unsigned __int128 sum_ = 0, sum_squares_ = 0;  // exact: the mean and deviation do not drift
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
