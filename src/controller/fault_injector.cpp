// FaultInjector: arming, validation and selection of injected faults.
#include "controller/fault_injector.h"

#include <string>

#include "scnvme/config_error.h"

namespace scnvme::detail {

namespace {
// Mixed into the configuration's seed so that fault selection does not share a sequence with the
// controller's other random choices (adding a fault must not change them).
constexpr uint64_t kSeedSalt = 0x6661756c74696e6aULL;  // "faultinj"

void check_probability(double p) {
  if (!(p >= 0.0 && p <= 1.0)) throw ConfigError("fault.probability", "must be in [0, 1], got " + std::to_string(p));
}
}  // namespace

FaultInjector::FaultInjector(uint64_t seed) : rng_(seed ^ kSeedSalt) {}

std::size_t FaultInjector::next_id() {
  stats_.fired.push_back(0);
  return stats_.fired.size() - 1;
}

std::size_t FaultInjector::add_immediate() { return next_id(); }

std::size_t FaultInjector::add(const CommandFailure& f) {
  check_probability(f.probability);
  const spec::Status s = spec::Status::from_field(f.status);
  if (s.ok()) throw ConfigError("fault.status", "an injected failure needs a non-success status (SC | SCT << 8 | DNR << 14)");
  if (f.status & ~0x47FFu)
    throw ConfigError("fault.status", "only SC (bits 7:0), SCT (10:8) and DNR (14) may be set, got " + std::to_string(f.status));
  Verdict v;
  v.kind = Verdict::Kind::Fail;
  v.status = s;
  v.status.more = false;
  v.id = next_id();
  commands_.push_back({f.match, f.count, f.count == 0, f.probability, v});
  refresh();
  return v.id;
}

std::size_t FaultInjector::add(const CommandDelay& d) {
  check_probability(d.probability);
  if (!d.never && d.delay == sc_core::SC_ZERO_TIME) throw ConfigError("fault.time", "a delay must be longer than zero (or never)");
  Verdict v;
  v.kind = Verdict::Kind::Delay;
  v.delay = d.delay;
  v.never = d.never;
  v.id = next_id();
  commands_.push_back({d.match, d.count, d.count == 0, d.probability, v});
  refresh();
  return v.id;
}

std::size_t FaultInjector::add(const InterruptDrop& d) {
  const std::size_t id = next_id();
  drops_.push_back({d, d.count, d.count == 0, id});
  refresh();
  return id;
}

std::size_t FaultInjector::add(const MediaError& m) {
  const std::size_t id = next_id();
  media_.emplace_back(m, id);
  return id;
}

void FaultInjector::refresh() {
  commands_armed_ = false;
  for (const auto& r : commands_) commands_armed_ = commands_armed_ || r.unlimited || r.left > 0;
  interrupts_armed_ = false;
  for (const auto& r : drops_) interrupts_armed_ = interrupts_armed_ || r.unlimited || r.left > 0;
}

bool FaultInjector::draw(double probability) {
  if (probability >= 1.0) return true;  // certain: no draw, so the sequence is the rules' own
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < probability;
}

FaultInjector::Verdict FaultInjector::select(uint16_t sqid, uint8_t opcode, uint32_t nsid) {
  for (auto& r : commands_) {
    if ((!r.unlimited && r.left == 0) || !r.match.matches(sqid, opcode, nsid) || !draw(r.probability)) continue;
    if (!r.unlimited && --r.left == 0) refresh();
    ++stats_.fired[r.verdict.id];
    if (r.verdict.kind == Verdict::Kind::Fail) ++stats_.commands_failed;
    else if (r.verdict.never) ++stats_.commands_hung;
    else ++stats_.commands_delayed;
    return r.verdict;
  }
  return Verdict{};
}

bool FaultInjector::drop_message(uint16_t vector, std::size_t& id) {
  for (auto& r : drops_) {
    if ((!r.unlimited && r.left == 0) || (r.drop.vector && *r.drop.vector != vector)) continue;
    if (!r.unlimited && --r.left == 0) refresh();
    ++stats_.fired[r.id];
    ++stats_.interrupts_dropped;
    id = r.id;
    return true;
  }
  return false;
}

bool FaultInjector::media_hit(uint32_t nsid, uint64_t lba, std::size_t& id) {
  for (const auto& [m, mid] : media_) {
    if (m.nsid != nsid || lba < m.slba || lba - m.slba >= m.nlb) continue;
    ++stats_.fired[mid];
    ++stats_.media_errors;
    id = mid;
    return true;
  }
  return false;
}

}  // namespace scnvme::detail

namespace scnvme::detail {
void FaultInjector::persist(checkpoint::Archive& a) {
  a.io(rng_);
  a.io(stats_.commands_failed);
  a.io(stats_.media_errors);
  a.io(stats_.commands_delayed);
  a.io(stats_.commands_hung);
  a.io(stats_.hung_aborted);
  a.io(stats_.interrupts_dropped);
  a.io(stats_.spurious_interrupts);
  a.io(stats_.fatal_status);
  a.io(stats_.surprise_removals);
  a.io(stats_.fired);
  a.io(removed);
}
}  // namespace scnvme::detail
