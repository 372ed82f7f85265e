#include "distributions.h"

#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

namespace scnvme::sim {

namespace {

uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Zipf by rejection-inversion (Hörmann and Derflinger, 1996): O(1) per sample, no table, any
// exponent > 0. h is the density's continuous envelope, H its integral.
double helper1(double x) { return std::abs(x) > 1e-8 ? std::log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x)); }
double helper2(double x) { return std::abs(x) > 1e-8 ? std::expm1(x) / x : 1 + x * 0.5 * (1 + x * (1.0 / 3) * (1 + 0.25 * x)); }
double h(double x, double s) { return std::exp(-s * std::log(x)); }
double big_h(double x, double s) {
  const double lx = std::log(x);
  return helper2((1 - s) * lx) * lx;
}
double big_h_inverse(double x, double s) {
  double t = x * (1 - s);
  if (t < -1) t = -1;
  return std::exp(helper1(t) * x);
}

}  // namespace

bool parse_distribution(const std::string& text, Distribution& out, std::string& why) {
  why = "expected random, zipf:THETA (> 0), pareto:H (0 < H < 1) or normal:SIGMA (percent of the range, 0 < SIGMA <= 100)";
  if (text == "random") {
    out = Distribution{};
    return true;
  }
  const auto colon = text.find(':');
  if (colon == std::string::npos) return false;
  const std::string kind = text.substr(0, colon), arg = text.substr(colon + 1);
  double v = 0;
  std::size_t pos = 0;
  try {
    v = std::stod(arg, &pos);
  } catch (const std::exception&) {
    return false;
  }
  if (pos != arg.size() || !std::isfinite(v)) return false;
  if (kind == "zipf" && v > 0) out = {Distribution::Kind::Zipf, v};
  else if (kind == "pareto" && v > 0 && v < 1) out = {Distribution::Kind::Pareto, v};
  else if ((kind == "normal" || kind == "gauss") && v > 0 && v <= 100) out = {Distribution::Kind::Normal, v};
  else return false;
  return true;
}

std::string distribution_name(const Distribution& d) {
  char buf[48];
  switch (d.kind) {
    case Distribution::Kind::Random: return "random";
    case Distribution::Kind::Zipf: std::snprintf(buf, sizeof buf, "zipf:%g", d.param); break;
    case Distribution::Kind::Pareto: std::snprintf(buf, sizeof buf, "pareto:%g", d.param); break;
    case Distribution::Kind::Normal: std::snprintf(buf, sizeof buf, "normal:%g", d.param); break;
  }
  return buf;
}

BlockPicker::BlockPicker(const Distribution& d, uint64_t blocks, uint64_t seed) : d_(d), n_(blocks ? blocks : 1) {
  if (d_.kind == Distribution::Kind::Zipf || d_.kind == Distribution::Kind::Pareto) {
    // rank -> (rank * mult + off) mod n: a bijection when mult and n are coprime.
    mult_ = (splitmix(seed ^ 0x5A5A) | 1) % n_;
    while (n_ > 1 && std::gcd(mult_, n_) != 1) mult_ = (mult_ + 1) % n_;
    if (n_ == 1) mult_ = 0;
    off_ = splitmix(seed ^ 0xA5A5) % n_;
  }
  if (d_.kind == Distribution::Kind::Zipf) {
    s_ = d_.param;
    h_x1_ = big_h(1.5, s_) - 1;
    h_n_ = big_h(static_cast<double>(n_) + 0.5, s_);
    sv_ = 2 - big_h_inverse(big_h(2.5, s_) - h(2, s_), s_);
  }
  if (d_.kind == Distribution::Kind::Pareto) pareto_pow_ = std::log(d_.param) / std::log(1 - d_.param);  // as fio
}

uint64_t BlockPicker::block_of_rank(uint64_t rank) const {
  if (d_.kind != Distribution::Kind::Zipf && d_.kind != Distribution::Kind::Pareto) return rank;
  return static_cast<uint64_t>((static_cast<unsigned __int128>(rank) * mult_ + off_) % n_);
}

uint64_t BlockPicker::zipf_rank(std::mt19937_64& rng) const {
  for (;;) {
    const double u = h_n_ + uniform(rng) * (h_x1_ - h_n_);
    const double x = big_h_inverse(u, s_);
    double k = std::floor(x + 0.5);
    if (k < 1) k = 1;
    else if (k > static_cast<double>(n_)) k = static_cast<double>(n_);
    if (k - x <= sv_ || u >= big_h(k + 0.5, s_) - h(k, s_)) return static_cast<uint64_t>(k) - 1;
  }
}

uint64_t BlockPicker::next(std::mt19937_64& rng) {
  switch (d_.kind) {
    case Distribution::Kind::Random: return rng() % n_;
    case Distribution::Kind::Zipf: return block_of_rank(zipf_rank(rng));
    case Distribution::Kind::Pareto: {
      const uint64_t rank = static_cast<uint64_t>(std::pow(uniform(rng), pareto_pow_) * static_cast<double>(n_));
      return block_of_rank(std::min(rank, n_ - 1));
    }
    case Distribution::Kind::Normal: {
      // Centred on the middle; σ is a percentage of the range; draws outside it are drawn again.
      const double centre = static_cast<double>(n_) / 2, sigma = d_.param / 100 * static_cast<double>(n_);
      for (int attempt = 0; attempt < 64; ++attempt) {
        const double x = std::floor(centre + sigma * normal_(rng));
        if (x >= 0 && x < static_cast<double>(n_)) return static_cast<uint64_t>(x);
      }
      return n_ / 2;
    }
  }
  return 0;
}

void BlockPicker::persist(checkpoint::Archive& a) {
  std::string state;  // the standard's textual form of the distribution's state
  if (!a.loading()) {
    std::ostringstream out;
    out << normal_;
    state = out.str();
  }
  a.io(state);
  if (a.loading()) {
    std::istringstream in(state);
    in >> normal_;
    if (!in) a.fail("the normal distribution's state");
  }
}

}  // namespace scnvme::sim
