// Timestamp (Feature 0Eh, NVMe Base 2.0 5.27.1.10) and Host Behavior Support (Feature 16h,
// 5.27.1.18): the two implemented features whose value travels in a data buffer.
// - Timestamp: the host sets milliseconds since the epoch; the controller counts simulated time
//   on from there (Timestamp Origin 001b, Synch 0). A Controller Level Reset restarts the count
//   from 0 (origin 000b). Not saveable.
// - Host Behavior Support: the 512-byte structure is stored as given; ACRE, ETDAS and LBAFEE must
//   be 0 or 1 (Invalid Field otherwise). Cleared by a Controller Level Reset. Not saveable.
#include <array>

#include "controller/controller_impl.h"
#include "scnvme/spec/endian.h"
#include "scnvme/spec/nvme_features.h"
#include "scnvme/spec/nvme_status.h"
#include "sim_now.h"

namespace scnvme::detail {

namespace st = spec::status;
namespace ts = spec::feature::timestamp;
namespace hb = spec::feature::host_behavior;

void ControllerImpl::get_timestamp(Command& cmd, const FeatureState& f) {
  const sc_core::sc_time now = sim_now();
  const uint64_t elapsed_ms = now > f.timestamp_at ? static_cast<uint64_t>((now - f.timestamp_at).to_seconds() * 1e3) : 0;
  std::array<uint8_t, ts::kSize> data{};
  const uint64_t value = (f.timestamp_ms + elapsed_ms) & ts::kMask;
  for (unsigned i = 0; i < 6; ++i) data[i] = static_cast<uint8_t>(value >> (8 * i));
  data[ts::kAttributes] = static_cast<uint8_t>((f.timestamp_origin & 7u) << 1);  // Synch 0: counted continuously
  const spec::Status s = transfer(cmd, data.data(), data.size(), true);
  if (!s.ok()) cmd.fail(s, 24);
}

void ControllerImpl::set_timestamp(Command& cmd) {
  std::array<uint8_t, ts::kSize> data{};
  const spec::Status s = transfer(cmd, data.data(), data.size(), false);
  if (!s.ok()) return cmd.fail(s, 24);
  if (stale(cmd)) return;
  uint64_t value = 0;
  for (unsigned i = 0; i < 6; ++i) value |= static_cast<uint64_t>(data[i]) << (8 * i);
  features.timestamp_ms = value;
  features.timestamp_at = sim_now();
  features.timestamp_origin = ts::kOriginSetFeatures;
}

void ControllerImpl::get_host_behavior(Command& cmd, const FeatureState& f) {
  std::array<uint8_t, hb::kSize> data = f.host_behavior;
  const spec::Status s = transfer(cmd, data.data(), data.size(), true);
  if (!s.ok()) cmd.fail(s, 24);
}

void ControllerImpl::set_host_behavior(Command& cmd) {
  std::array<uint8_t, hb::kSize> data{};
  const spec::Status s = transfer(cmd, data.data(), data.size(), false);
  if (!s.ok()) return cmd.fail(s, 24);
  if (stale(cmd)) return;
  for (uint32_t field : {hb::kAcre, hb::kEtdas, hb::kLbafee})
    if (data[field] > 1) return cmd.fail(st::kInvalidField, 0xFFFF);  // in the data buffer
  features.host_behavior = data;
}

}  // namespace scnvme::detail
