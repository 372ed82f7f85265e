// Identify (NVMe Base 2.0, 5.17): controller, namespace, active namespace list and namespace
// identification descriptors, all derived from the configuration; with Namespace Management the
// allocated namespace list and namespaces (CNS 10h/11h) and the controller lists (CNS 12h/13h).
#include <algorithm>
#include <cstring>

#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_registers.h"
#include "scnvme/spec/nvme_status.h"

namespace scnvme::detail {

namespace st = spec::status;
namespace ic = spec::id_ctrl;
namespace in = spec::id_ns;

namespace {
unsigned log2u(uint64_t v) {
  unsigned n = 0;
  while ((1ull << n) < v) ++n;
  return n;
}

/// A stable 64-bit identifier from a string (FNV-1a), for EUI64/NGUID/UUID values.
uint64_t fnv1a(const std::string& s, uint64_t salt) {
  uint64_t h = 1469598103934665603ull ^ salt;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

/// The LBA Format list and the fields that go with it (NLBAF, MC).
void put_formats(uint8_t* p, const std::vector<LbaFormat>& formats) {
  p[in::kNlbaf] = static_cast<uint8_t>(formats.size() - 1);
  bool any_metadata = false;
  for (std::size_t k = 0; k < formats.size(); ++k) {
    spec::put_le32(p + in::kLbaf0 + in::kLbafSize * k,
                   in::lbaf(formats[k].metadata_size, static_cast<uint8_t>(log2u(formats[k].data_size)), 0));
    any_metadata = any_metadata || formats[k].metadata_size;
  }
  p[in::kMc] = any_metadata ? 0x3 : 0;  // metadata as extended LBA or in a separate buffer
}

/// A 128-bit little-endian byte count below 2^64.
void put_le128(uint8_t* p, uint64_t v) {
  spec::put_le64(p, v);
  spec::put_le64(p + 8, 0);
}

/// A controller list (CNS 12h/13h): the identifiers in `ids` from `first` on.
void put_controller_list(uint8_t* p, const std::vector<uint16_t>& ids, uint16_t first) {
  namespace cl = spec::ctrl_list;
  uint16_t n = 0;
  for (uint16_t id : ids)
    if (id >= first && n < cl::kMaxIds) spec::put_le16(p + cl::kFirstId + 2 * n++, id);
  spec::put_le16(p + cl::kNumid, n);
}

/// Identify Namespace (NVM Command Set) of an allocated namespace.
void put_namespace(uint8_t* p, const NamespaceTable::Namespace& ns, const std::string& subnqn) {
  const NamespaceMedia& m = *ns.media;
  const NamespaceConfig& nc = ns.config;
  const uint64_t blocks = m.blocks();
  spec::put_le64(p + in::kNsze, blocks);
  spec::put_le64(p + in::kNcap, blocks);
  spec::put_le64(p + in::kNuse, std::min(blocks, m.used_blocks()));
  put_formats(p, nc.formats());
  p[in::kFlbas] = static_cast<uint8_t>((nc.format_index & 0xF) | (nc.extended_lba ? 0x10 : 0));
  p[in::kNmic] = ns.shared ? in::kNmicShared : 0;
  // Deallocated blocks read as zeroes (not reported for the data-less pattern mode);
  // Write Zeroes may deallocate.
  p[in::kDlfeat] = static_cast<uint8_t>((nc.data == NamespaceData::Pattern ? 0x0 : 0x1) | 0x08);
  put_le128(p + in::kNvmcap, ns.capacity_bytes);
  p[in::kNsattr] = m.write_protected() ? in::kNsattrWriteProtected : 0;
  const uint32_t nsid = nc.nsid;
  const uint64_t id = fnv1a(subnqn, nsid);
  spec::put_le64(p + in::kNguid, id);
  spec::put_le64(p + in::kNguid + 8, fnv1a(subnqn, nsid + 0x100000000ull));
  spec::put_le64(p + in::kEui64, id);
}
}  // namespace

bool ControllerImpl::namespace_active(uint32_t nsid) const {
  const NamespaceTable::Namespace* ns = namespaces.find(nsid);
  return ns && ns->attached;
}

void ControllerImpl::admin_identify(Command& cmd) {
  const uint32_t cdw10 = cmd.sqe.cdw10();
  const uint8_t cns = static_cast<uint8_t>(cdw10 & 0xFF);
  const uint32_t nsid = cmd.sqe.nsid();
  spec::IdentifyData d;
  uint8_t* p = d.raw.data();

  switch (cns) {
    case spec::cns::kNamespace:
    case spec::cns::kAllocatedNamespace: {
      const bool allocated = cns == spec::cns::kAllocatedNamespace;
      if (allocated && !cfg.namespace_management) return cmd.fail(st::kInvalidField, 40);
      if (nsid == spec::kBroadcastNsid && !allocated && cfg.namespace_management) {
        // Capabilities common to all namespaces: the formats a created namespace may use.
        put_formats(p, NamespaceTable::common_formats());
        break;
      }
      if (nsid == 0 || nsid > cfg.max_namespaces) return cmd.fail(st::kInvalidNamespaceOrFormat, 4);
      const NamespaceTable::Namespace* ns = namespaces.find(nsid);
      if (ns && (ns->attached || allocated)) put_namespace(p, *ns, subnqn);
      break;  // inactive (CNS 00h) or unallocated (CNS 11h) NSIDs return a zero-filled structure
    }
    case spec::cns::kAllocatedNamespaceList: {
      if (!cfg.namespace_management) return cmd.fail(st::kInvalidField, 40);
      if (nsid >= 0xFFFFFFFE) return cmd.fail(st::kInvalidNamespaceOrFormat, 4);
      std::size_t i = 0;
      for (const auto& [id, ns] : namespaces.all())  // in NSID order
        if (id > nsid && i < spec::kNsidListMax) spec::put_le32(p + 4 * i++, id);
      break;
    }
    case spec::cns::kAttachedControllerList:
    case spec::cns::kControllerList: {
      // One controller in the NVM subsystem: this one.
      if (!cfg.namespace_management) return cmd.fail(st::kInvalidField, 40);
      const uint16_t first = static_cast<uint16_t>(cdw10 >> 16);  // CNTID
      std::vector<uint16_t> ids{cfg.controller_id};
      if (cns == spec::cns::kAttachedControllerList) {
        if (nsid == 0 || nsid > cfg.max_namespaces) return cmd.fail(st::kInvalidNamespaceOrFormat, 4);
        if (!namespace_active(nsid)) ids.clear();  // (an unallocated NSID: no controller either)
      }
      put_controller_list(p, ids, first);
      break;
    }
    case spec::cns::kController: {
      spec::put_le16(p + ic::kVid, cfg.pci.vendor_id);
      spec::put_le16(p + ic::kSsvid, cfg.pci.subsystem_vendor_id);
      spec::put_ascii_padded(p + ic::kSn, ic::kSnLen, cfg.serial_number.c_str());
      spec::put_ascii_padded(p + ic::kMn, ic::kMnLen, cfg.model_number.c_str());
      spec::put_ascii_padded(p + ic::kFr, ic::kFrLen, firmware.running.c_str());  // the running image's
      p[ic::kRab] = 6;
      p[ic::kIeee] = static_cast<uint8_t>(cfg.ieee_oui);
      p[ic::kIeee + 1] = static_cast<uint8_t>(cfg.ieee_oui >> 8);
      p[ic::kIeee + 2] = static_cast<uint8_t>(cfg.ieee_oui >> 16);
      p[ic::kMdts] = cfg.mdts;
      spec::put_le16(p + ic::kCntlid, cfg.controller_id);
      spec::put_le32(p + ic::kVer, spec::reg::kVersion20);
      spec::put_le32(p + ic::kRtd3e, cfg.timing.shutdown_delay_us);
      p[ic::kCntrltype] = ic::kIoController;
      p[ic::kAcl] = cfg.abort_command_limit;
      p[ic::kAerl] = cfg.async_event_limit;
      spec::put_le16(p + ic::kKas, cfg.keep_alive_granularity_100ms);
      spec::put_le16(p + ic::kOacs, (cfg.doorbell_buffer_config ? ic::kOacsDoorbellBuffer : 0) |
                                        (cfg.firmware_update ? ic::kOacsFirmware : 0) |
                                        (cfg.device_self_test ? ic::kOacsSelfTest : 0) |
                                        (cfg.format_nvm ? ic::kOacsFormat : 0) |
                                        (cfg.namespace_management ? ic::kOacsNsManagement : 0));
      // Firmware update (admin/firmware.cpp): slots, granularity, activation without reset with
      // its notices and the longest pause it causes (MTFA, 100 ms units, rounded up).
      p[ic::kFrmw] = ic::frmw(cfg.firmware_slot1_read_only, cfg.firmware_slots, cfg.firmware_activation_without_reset);
      p[ic::kFwug] = cfg.firmware_update_granularity_4k;
      if (cfg.firmware_activation_without_reset) {
        spec::put_le32(p + ic::kOaes, ic::kOaesFirmwareActivation);
        spec::put_le16(p + ic::kMtfa, static_cast<uint16_t>((cfg.firmware_activation_us + 99999) / 100000));
      }
      // Namespace Attribute Changed notices (attachment changes, formats) and the capacity the
      // namespaces take (admin/namespace_management.cpp, admin/format_nvm.cpp).
      if (cfg.namespace_management || cfg.format_nvm)
        spec::put_le32(p + ic::kOaes, spec::get_le32(p + ic::kOaes) | ic::kOaesNamespaceAttribute);
      if (cfg.namespace_management) {
        put_le128(p + ic::kTnvmcap, namespaces.total_capacity());
        put_le128(p + ic::kUnvmcap, namespaces.unallocated_capacity());
      }
      // Format NVM: per namespace (user data and cryptographic erase too); NSID FFFFFFFFh formats
      // every attached namespace.
      if (cfg.format_nvm) p[ic::kFna] = ic::kFnaCryptoErase;
      // Device Self-test (admin/self_test.cpp): the extended operation's time in minutes, rounded up.
      if (cfg.device_self_test)
        spec::put_le16(p + ic::kEdstt, static_cast<uint16_t>((cfg.self_test_extended_ms + 59999ull) / 60000));
      p[ic::kLpa] = ic::kLpaExtendedData | ic::kLpaCommandEffects;
      p[ic::kElpe] = cfg.error_log_entries;
      spec::put_le16(p + ic::kWctemp, cfg.warning_temperature_k);
      spec::put_le16(p + ic::kCctemp, cfg.critical_temperature_k);
      p[ic::kSqes] = (spec::kSqesLog2 << 4) | spec::kSqesLog2;
      p[ic::kCqes] = (spec::kCqesLog2 << 4) | spec::kCqesLog2;
      spec::put_le32(p + ic::kNn, cfg.max_namespaces);
      spec::put_le16(p + ic::kOncs, ic::kOncsCompare | ic::kOncsWriteUncorrectable | ic::kOncsDatasetManagement |
                                        ic::kOncsWriteZeroes | ic::kOncsSaveSelect | ic::kOncsVerify | ic::kOncsTimestamp);
      if (cfg.sgl_support) spec::put_le32(p + ic::kSgls, sgl_limits.sgls());
      p[ic::kVwc] = cfg.volatile_write_cache ? (ic::kVwcPresent | ic::kVwcFlushBroadcastSupported) : 0;
      std::memset(p + ic::kSubnqn, 0, ic::kSubnqnLen);
      std::memcpy(p + ic::kSubnqn, subnqn.data(), std::min<std::size_t>(subnqn.size(), ic::kSubnqnLen - 1));
      // NPSS and the power state descriptors (controller/power_states.h).
      power.put_identify(p);
      break;
    }
    case spec::cns::kActiveNamespaceList: {
      if (nsid >= 0xFFFFFFFE) return cmd.fail(st::kInvalidNamespaceOrFormat, 4);
      std::size_t i = 0;
      for (const auto& [id, ns] : namespaces.all())  // in NSID order
        if (id > nsid && ns.attached && i < spec::kNsidListMax) spec::put_le32(p + 4 * i++, id);
      break;
    }
    case spec::cns::kNamespaceDescriptorList: {
      if (nsid == 0 || nsid > cfg.max_namespaces) return cmd.fail(st::kInvalidNamespaceOrFormat, 4);
      if (!namespace_active(nsid)) return cmd.fail(st::kInvalidField, 4);
      namespace nd = spec::ns_desc;
      uint32_t off = 0;
      auto put = [&](uint8_t type, uint8_t len, uint64_t lo, uint64_t hi) {
        p[off] = type;
        p[off + 1] = len;
        spec::put_le64(p + off + nd::kHeaderLen, lo);
        if (len > 8) spec::put_le64(p + off + nd::kHeaderLen + 8, hi);
        off += nd::kHeaderLen + len;
      };
      const uint64_t id = fnv1a(subnqn, nsid);
      put(nd::kEui64, nd::kEui64Len, id, 0);
      put(nd::kNguid, nd::kNguidLen, id, fnv1a(subnqn, nsid + 0x100000000ull));
      // UUID: version 4 / variant 1 bits set in an otherwise hash-derived value.
      uint64_t u_hi = fnv1a(subnqn, nsid + 0x200000000ull), u_lo = fnv1a(subnqn, nsid + 0x300000000ull);
      u_hi = (u_hi & ~(0xF0ull << 48)) | (0x40ull << 48);
      u_lo = (u_lo & ~(0xC0ull)) | 0x80ull;
      put(nd::kUuid, nd::kUuidLen, u_hi, u_lo);
      break;
    }
    default:
      return cmd.fail(st::kInvalidField, 40);  // CNS not supported
  }
  const spec::Status s = transfer(cmd, p, spec::kIdentifySize, true);
  if (!s.ok()) cmd.fail(s, 24);
}

}  // namespace scnvme::detail
