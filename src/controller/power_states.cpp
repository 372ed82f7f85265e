#include "controller/power_states.h"

#include <algorithm>
#include <cmath>

#include "scnvme/spec/endian.h"
#include "scnvme/spec/nvme_identify.h"

namespace scnvme::detail {

sc_core::sc_time PowerStates::enter(unsigned ps) {
  current_ = ps;
  if (!table_[ps].non_operational) last_operational_ = ps;
  return sc_core::sc_time(table_[ps].entry_latency_us, sc_core::SC_US);
}

sc_core::sc_time PowerStates::wake() {
  if (!table_[current_].non_operational) return sc_core::SC_ZERO_TIME;
  const sc_core::sc_time exit(table_[current_].exit_latency_us, sc_core::SC_US);
  current_ = last_operational_;
  return exit;
}

sc_core::sc_time PowerStates::clock(const sc_core::sc_time& base) const {
  const uint32_t percent = table_[last_operational_].performance_percent;
  const sc_core::sc_time res = sc_core::sc_get_time_resolution();
  const double units = std::round(base.to_seconds() / res.to_seconds() * 100.0 / percent);
  return res * std::max(1.0, units);
}

void PowerStates::put_identify(uint8_t* p) const {
  namespace ic = spec::id_ctrl;
  p[ic::kNpss] = static_cast<uint8_t>(table_.size() - 1);  // 0-based
  for (unsigned n = 0; n < table_.size(); ++n) {
    const PowerStateConfig& s = table_[n];
    uint8_t* d = p + ic::psd(n);
    // Centiwatts when exact, else 0.0001 W units (MXPS).
    const bool centi = s.max_power_mw % 10 == 0 && s.max_power_mw / 10 <= 0xFFFF;
    const bool fits_fine = uint64_t{s.max_power_mw} * 10 <= 0xFFFF;
    const bool mxps = !centi && fits_fine;
    spec::put_le16(d + ic::kPsdMp, static_cast<uint16_t>(mxps ? s.max_power_mw * 10 : (s.max_power_mw + 9) / 10));
    d[ic::kPsdFlags] = static_cast<uint8_t>((mxps ? ic::kPsdMxps : 0) | (s.non_operational ? ic::kPsdNops : 0));
    spec::put_le32(d + ic::kPsdEnlat, s.entry_latency_us);
    spec::put_le32(d + ic::kPsdExlat, s.exit_latency_us);
    d[ic::kPsdRrt] = s.relative_read_throughput & 0x1F;
    d[ic::kPsdRrl] = s.relative_read_latency & 0x1F;
    d[ic::kPsdRwt] = s.relative_write_throughput & 0x1F;
    d[ic::kPsdRwl] = s.relative_write_latency & 0x1F;
  }
}

}  // namespace scnvme::detail
