// Get Features / Set Features (NVMe Base 2.0, 5.15 and 5.27) for the features the controller
// implements, with the SEL field (current, default, saved, supported capabilities).
//
// Saveable (Set Features SV = 1 stores the value as the saved one too): Arbitration, Power
// Management, Temperature Threshold (each threshold separately), Error Recovery, Volatile Write
// Cache, Interrupt Coalescing and Asynchronous Event Configuration. Saved values are NVM subsystem
// state: every Controller Level Reset, NVM Subsystem Reset and power loss makes them current
// again. The others (Number of Queues, Interrupt Vector Configuration, Keep Alive Timer, Timestamp,
// Host Behavior Support) are not saveable (SV = 1: Feature Identifier Not Saveable) and return to
// their defaults; SEL 10b reads their default. Every feature is changeable; Error Recovery is
// namespace specific (its value is kept controller-wide).
#include <algorithm>

#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_features.h"
#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_status.h"
#include "sim_now.h"

namespace scnvme::detail {

namespace st = spec::status;
namespace ft = spec::feature;

FeatureState ControllerImpl::default_features() const {
  FeatureState f;
  f.temperature_over = cfg.warning_temperature_k;
  f.temperature_under = 0;
  f.write_cache = cfg.volatile_write_cache;
  f.nsqa = static_cast<uint16_t>(cfg.max_io_queues - 1);
  f.ncqa = static_cast<uint16_t>(cfg.max_io_queues - 1);
  f.no_coalescing.assign(std::max<unsigned>(cfg.pci.msix ? cfg.pci.msix_vectors : 1u, 32u), false);
  f.no_coalescing[0] = true;  // the admin queue is never coalesced
  f.timestamp_at = sim_now();  // counts from 0 since the reset (origin 000b)
  return f;
}

namespace {
bool saveable(uint8_t fid) {
  switch (fid) {
    case ft::kArbitration:
    case ft::kPowerManagement:
    case ft::kTemperatureThreshold:
    case ft::kErrorRecovery:
    case ft::kVolatileWriteCache:
    case ft::kInterruptCoalescing:
    case ft::kAsyncEventConfiguration:
      return true;
    default:
      return false;
  }
}

/// The saveable features' values from `from` into `to`.
void copy_saveable(FeatureState& to, const FeatureState& from) {
  to.arbitration = from.arbitration;
  to.power_management = from.power_management;
  to.temperature_over = from.temperature_over;
  to.temperature_under = from.temperature_under;
  to.error_recovery = from.error_recovery;
  to.write_cache = from.write_cache;
  to.coalescing = from.coalescing;
  to.async_event_config = from.async_event_config;
}

bool implemented(uint8_t fid, bool vwc, bool keep_alive) {
  switch (fid) {
    case ft::kArbitration:
    case ft::kPowerManagement:
    case ft::kTemperatureThreshold:
    case ft::kErrorRecovery:
    case ft::kNumberOfQueues:
    case ft::kInterruptCoalescing:
    case ft::kInterruptVectorConfiguration:
    case ft::kAsyncEventConfiguration:
    case ft::kTimestamp:
    case ft::kHostBehaviorSupport:
      return true;
    case ft::kVolatileWriteCache:
      return vwc;
    case ft::kKeepAliveTimer:
      return keep_alive;
    default:
      return false;
  }
}
}  // namespace

void ControllerImpl::reset_features() {
  // Defaults, with the saved values of the saveable features; the power state follows.
  features = default_features();
  copy_saveable(features, saved_features);
  enter_power_state(ft::ps(features.power_management));
}

void ControllerImpl::admin_get_features(Command& cmd) {
  const uint32_t cdw10 = cmd.sqe.cdw10(), cdw11 = cmd.sqe.cdw11();
  const uint8_t fid = ft::fid(cdw10);
  const uint8_t sel = ft::sel(cdw10);
  if (!implemented(fid, cfg.volatile_write_cache, cfg.keep_alive_granularity_100ms != 0)) return cmd.fail(st::kInvalidField, 40);
  if (sel > ft::kSelSupportedCapabilities) return cmd.fail(st::kInvalidField, 41);
  if (cdw10 & 0xFFFFF800u) return cmd.fail(st::kInvalidField, 41);  // reserved bits 31:11
  if (sel == ft::kSelSupportedCapabilities) {
    cmd.dw0 = ft::kCapChangeable | (saveable(fid) ? ft::kCapSaveable : 0u) |
              (fid == ft::kErrorRecovery ? ft::kCapNamespaceSpecific : 0u);
    return;
  }
  // Current, saved (a feature that is not saveable: its default) or default values.
  const bool saved = sel == ft::kSelSaved && saveable(fid);
  const FeatureState defaults = sel == ft::kSelCurrent || saved ? FeatureState{} : default_features();
  const FeatureState& f = sel == ft::kSelCurrent ? features : saved ? saved_features : defaults;
  if (sel == ft::kSelCurrent && (fid == ft::kTemperatureThreshold || fid == ft::kPowerManagement))
    check_health();  // the temperature is read with its thresholds: a crossing is reported now
  switch (fid) {
    case ft::kArbitration: cmd.dw0 = f.arbitration; break;
    case ft::kPowerManagement: cmd.dw0 = f.power_management; break;
    case ft::kTemperatureThreshold: {
      const uint8_t tmpsel = ft::tmpsel(cdw11), thsel = ft::thsel(cdw11);
      if (tmpsel != ft::kTmpselComposite || thsel > ft::kThselUnder) return cmd.fail(st::kInvalidField, 46);
      const uint16_t t = thsel == ft::kThselOver ? f.temperature_over : f.temperature_under;
      cmd.dw0 = t | (static_cast<uint32_t>(tmpsel) << 16) | (static_cast<uint32_t>(thsel) << 20);
      break;
    }
    case ft::kErrorRecovery:
      if (cmd.sqe.nsid() != 0 && cmd.sqe.nsid() != spec::kBroadcastNsid && !namespace_active(cmd.sqe.nsid()))
        return cmd.fail(st::kInvalidNamespaceOrFormat, 4);
      cmd.dw0 = f.error_recovery;
      break;
    case ft::kVolatileWriteCache: cmd.dw0 = f.write_cache ? ft::kWce : 0; break;
    case ft::kNumberOfQueues: cmd.dw0 = ft::number_of_queues(f.nsqa, f.ncqa); break;
    case ft::kInterruptCoalescing: cmd.dw0 = f.coalescing; break;
    case ft::kInterruptVectorConfiguration: {
      const uint16_t iv = ft::iv(cdw11);
      if (iv >= interrupt_vectors() || iv >= f.no_coalescing.size()) return cmd.fail(st::kInvalidField, 44);
      cmd.dw0 = iv | (f.no_coalescing[iv] ? ft::kCoalescingDisable : 0u);
      break;
    }
    case ft::kAsyncEventConfiguration: cmd.dw0 = f.async_event_config; break;
    case ft::kKeepAliveTimer: cmd.dw0 = f.keep_alive_timeout_ms; break;
    case ft::kTimestamp: return get_timestamp(cmd, f);
    case ft::kHostBehaviorSupport: return get_host_behavior(cmd, f);
    default: break;
  }
}

void ControllerImpl::admin_set_features(Command& cmd) {
  const uint32_t cdw10 = cmd.sqe.cdw10(), cdw11 = cmd.sqe.cdw11();
  const uint8_t fid = ft::fid(cdw10);
  if (!implemented(fid, cfg.volatile_write_cache, cfg.keep_alive_granularity_100ms != 0)) return cmd.fail(st::kInvalidField, 40);
  const bool save = ft::sv(cdw10);
  if (save && !saveable(fid)) return cmd.fail(st::kFeatureIdNotSaveable, 43, 7);
  if (cdw10 & 0x7FFFFF00u) return cmd.fail(st::kInvalidField, 41);  // reserved bits 30:8
  switch (fid) {
    case ft::kArbitration: features.arbitration = cdw11 & 0xFFFFFF07u; break;
    case ft::kPowerManagement: {
      const uint8_t ps = ft::ps(cdw11);
      if (!power.exists(ps)) return cmd.fail(st::kInvalidField, 44);  // above NPSS
      features.power_management = ft::power_management(ps, ft::wh(cdw11));
      cmd.timeline.at += enter_power_state(ps);  // completes after the state's entry latency
      break;
    }
    case ft::kTemperatureThreshold: {
      const uint8_t tmpsel = ft::tmpsel(cdw11), thsel = ft::thsel(cdw11);
      if ((tmpsel != ft::kTmpselComposite && tmpsel != ft::kTmpselAll) || thsel > ft::kThselUnder)
        return cmd.fail(st::kInvalidField, 46);
      (thsel == ft::kThselOver ? features.temperature_over : features.temperature_under) = ft::tmpth(cdw11);
      check_health();  // a threshold now crossed is reported at once
      break;
    }
    case ft::kErrorRecovery:
      if (cmd.sqe.nsid() != 0 && cmd.sqe.nsid() != spec::kBroadcastNsid && !namespace_active(cmd.sqe.nsid()))
        return cmd.fail(st::kInvalidNamespaceOrFormat, 4);
      if (cdw11 & (1u << 16)) return cmd.fail(st::kInvalidField, 46);  // DULBE: deallocated-block errors not supported
      features.error_recovery = cdw11 & 0xFFFF;
      break;
    case ft::kVolatileWriteCache:
      features.write_cache = cdw11 & ft::kWce;
      if (!features.write_cache)  // disabling the cache makes what it holds durable
        for (NamespaceMedia* m : namespaces.all_media()) m->flush();
      break;
    case ft::kNumberOfQueues: {
      if (io_queues_exist) return cmd.fail(st::kCommandSequenceError);
      const uint16_t nsqr = ft::nsqr(cdw11), ncqr = ft::ncqr(cdw11);
      if (nsqr == 0xFFFF || ncqr == 0xFFFF) return cmd.fail(st::kInvalidField, 44);
      const uint16_t max = static_cast<uint16_t>(cfg.max_io_queues - 1);
      features.nsqa = std::min(nsqr, max);
      features.ncqa = std::min(ncqr, max);
      cmd.dw0 = ft::number_of_queues(features.nsqa, features.ncqa);
      break;
    }
    case ft::kInterruptCoalescing:
      features.coalescing = cdw11 & 0xFFFF;
      flush_coalescing();  // entries aggregated under the old setting are signalled now
      break;
    case ft::kInterruptVectorConfiguration: {
      const uint16_t iv = ft::iv(cdw11);
      const bool cd = cdw11 & ft::kCoalescingDisable;
      if (iv >= interrupt_vectors() || iv >= features.no_coalescing.size()) return cmd.fail(st::kInvalidField, 44);
      if (iv == 0 && !cd) return cmd.fail(st::kInvalidField, 46);  // the admin vector is never coalesced
      features.no_coalescing[iv] = cd;
      flush_coalescing();
      break;
    }
    case ft::kAsyncEventConfiguration:
      // Notices: Namespace Attribute (OAES bit 8, with Namespace Management or Format NVM) and
      // Firmware Activation (OAES bit 9, with activation without reset).
      features.async_event_config =
          cdw11 & (ft::kAecSmartMask | (cfg.firmware_activation_without_reset ? ft::kAecFirmwareActivation : 0u) |
                   (cfg.namespace_management || cfg.format_nvm ? ft::kAecNamespaceAttribute : 0u));
      check_health();
      break;
    case ft::kKeepAliveTimer: {
      // KATO in ms, rounded up to the KAS granularity; the timer (re)starts with this command.
      const uint64_t unit = 100ull * cfg.keep_alive_granularity_100ms;
      const uint64_t rounded = (cdw11 + unit - 1) / unit * unit;
      if (rounded > 0xFFFFFFFFull) return cmd.fail(st::kKeepAliveTimeoutInvalid);
      features.keep_alive_timeout_ms = static_cast<uint32_t>(rounded);
      restart_keep_alive();
      break;
    }
    case ft::kTimestamp: return set_timestamp(cmd);
    case ft::kHostBehaviorSupport: return set_host_behavior(cmd);
    default: break;
  }
  if (save && cmd.status.ok()) {
    // What this command set becomes the saved value too (one threshold of Feature 04h).
    FeatureState& sv = saved_features;
    switch (fid) {
      case ft::kArbitration: sv.arbitration = features.arbitration; break;
      case ft::kPowerManagement: sv.power_management = features.power_management; break;
      case ft::kTemperatureThreshold:
        (ft::thsel(cdw11) == ft::kThselOver ? sv.temperature_over : sv.temperature_under) = ft::tmpth(cdw11);
        break;
      case ft::kErrorRecovery: sv.error_recovery = features.error_recovery; break;
      case ft::kVolatileWriteCache: sv.write_cache = features.write_cache; break;
      case ft::kInterruptCoalescing: sv.coalescing = features.coalescing; break;
      case ft::kAsyncEventConfiguration: sv.async_event_config = features.async_event_config; break;
      default: break;
    }
  }
}

}  // namespace scnvme::detail
