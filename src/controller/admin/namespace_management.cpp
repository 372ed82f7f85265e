// Namespace Management (NVMe Base 2.0, 5.23) and Namespace Attachment (5.22): namespaces created
// in and deleted from the NVM capacity, attached to and detached from this controller, the only
// one in its NVM subsystem. The state is the NamespaceTable's (controller/namespace_table.h).
//
// - Create (SEL 0h): the host buffer holds an Identify Namespace structure of which NSZE, NCAP,
//   FLBAS, DPS and NMIC are used; the new namespace gets the lowest free NSID (CDW0), one of the
//   common LBA formats, a sparse RAM store, and is not attached.
// - Delete (SEL 1h): an NSID, or FFFFFFFFh for every allocated namespace; an attached namespace
//   is detached first (with the notice that goes with it).
// - Attach / detach (SEL 0h / 1h): the host buffer is a controller list naming this controller.
//   A private namespace (NMIC bit 0 clear) can be attached to one controller only; with one
//   controller in the subsystem the Namespace Is Private case (attached to another controller)
//   does not arise.
// - An attachment change adds the NSID to the Changed Namespace List and posts a Namespace
//   Attribute Changed notice (Feature 0Bh bit 8).
#include <algorithm>
#include <array>

#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_async_event.h"
#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_log.h"
#include "scnvme/spec/nvme_status.h"

namespace scnvme::detail {

namespace st = spec::status;
namespace in = spec::id_ns;

namespace {

constexpr uint16_t kNsidByte = 4;   // SQE byte of the NSID (Parameter Error Location)
constexpr uint16_t kCdw10Byte = 40;
constexpr uint16_t kCdw11Byte = 44;

void create(ControllerImpl& c, Command& cmd) {
  if (cmd.sqe.nsid() != 0) return cmd.fail(st::kInvalidField, kNsidByte);  // the controller picks the NSID
  if (spec::ns_management::csi(cmd.sqe.cdw11()) != spec::csi::kNvm)
    return cmd.fail(st::kIoCommandSetNotSupported, kCdw11Byte + 3);
  std::array<uint8_t, spec::kIdentifySize> data{};
  const spec::Status s = c.transfer(cmd, data.data(), data.size(), false);
  if (!s.ok()) return cmd.fail(s, 24);
  if (c.stale(cmd)) return;

  const uint8_t* p = data.data();
  const uint64_t nsze = spec::get_le64(p + in::kNsze), ncap = spec::get_le64(p + in::kNcap);
  const uint8_t flbas = p[in::kFlbas], dps = p[in::kDps], nmic = p[in::kNmic];
  const std::vector<LbaFormat> formats = NamespaceTable::common_formats();
  const unsigned index = (flbas & 0xF) | ((flbas >> 1) & 0x30);  // FLBAS bits 6:5 are index bits 5:4
  if (index >= formats.size()) return cmd.fail(st::kInvalidFormat);
  if (dps != 0) return cmd.fail(st::kInvalidField);              // no end-to-end protection information
  if (nmic & ~in::kNmicShared) return cmd.fail(st::kInvalidField);
  if (nsze == 0 || ncap == 0 || ncap > nsze) return cmd.fail(st::kInvalidField);
  if (ncap != nsze) return cmd.fail(st::kThinProvisioningNotSupported);
  const LbaFormat lf = formats[index];
  // (Checked before NSZE x data size can overflow.)
  if (nsze > c.namespaces.unallocated_capacity() / lf.data_size) return cmd.fail(st::kNamespaceInsufficientCapacity);

  NamespaceConfig nc;
  nc.size_bytes = nsze * lf.data_size;
  nc.lba_formats = formats;
  nc.format_index = static_cast<uint8_t>(index);
  nc.extended_lba = (flbas & 0x10) && lf.metadata_size;
  nc.data = NamespaceData::Store;
  uint32_t nsid = 0;
  switch (c.namespaces.create(nc, nmic & in::kNmicShared, c.cfg.max_namespaces, nsid)) {
    case NamespaceTable::CreateResult::Ok: break;
    case NamespaceTable::CreateResult::NoIdentifier: return cmd.fail(st::kNamespaceIdentifierUnavailable);
    case NamespaceTable::CreateResult::NoCapacity: return cmd.fail(st::kNamespaceInsufficientCapacity);
  }
  cmd.dw0 = nsid;
}

void remove(ControllerImpl& c, Command& cmd) {
  const uint32_t nsid = cmd.sqe.nsid();
  std::vector<uint32_t> ids;
  if (nsid == spec::kBroadcastNsid) {
    for (const auto& entry : c.namespaces.all()) ids.push_back(entry.first);
  } else {
    if (nsid == 0 || nsid > c.cfg.max_namespaces) return cmd.fail(st::kInvalidNamespaceOrFormat, kNsidByte);
    if (!c.namespaces.find(nsid)) return cmd.fail(st::kInvalidField, kNsidByte);  // not allocated
    ids.push_back(nsid);
  }
  for (uint32_t id : ids) {
    const bool was_attached = c.namespaces.find(id)->attached;
    c.namespaces.remove(id);
    if (was_attached) c.namespace_changed(id);  // detached from this controller by the deletion
  }
}

}  // namespace

void ControllerImpl::namespace_changed(uint32_t nsid) {
  namespace cn = spec::log::changed_namespaces;
  // Past kMaxEntries the log reports FFFFFFFFh alone: one more entry is enough to know that.
  if (changed_namespaces.size() <= cn::kMaxEntries &&
      std::find(changed_namespaces.begin(), changed_namespaces.end(), nsid) == changed_namespaces.end())
    changed_namespaces.push_back(nsid);
  namespace ae = spec::async_event;
  post_async_event(ae::kNotice, ae::notice::kNamespaceAttributeChanged, spec::log::kChangedNamespaceList);
}

void ControllerImpl::admin_namespace_management(Command& cmd) {
  namespace nm = spec::ns_management;
  switch (nm::sel(cmd.sqe.cdw10())) {
    case nm::kSelCreate: return create(*this, cmd);
    case nm::kSelDelete: return remove(*this, cmd);
    default: return cmd.fail(st::kInvalidField, kCdw10Byte);
  }
}

void ControllerImpl::admin_namespace_attachment(Command& cmd) {
  namespace na = spec::ns_attachment;
  namespace cl = spec::ctrl_list;
  const uint8_t sel = na::sel(cmd.sqe.cdw10());
  if (sel != na::kSelAttach && sel != na::kSelDetach) return cmd.fail(st::kInvalidField, kCdw10Byte);
  const uint32_t nsid = cmd.sqe.nsid();
  if (nsid == spec::kBroadcastNsid) return cmd.fail(st::kInvalidField, kNsidByte);
  if (nsid == 0 || nsid > cfg.max_namespaces) return cmd.fail(st::kInvalidNamespaceOrFormat, kNsidByte);
  if (!namespaces.find(nsid)) return cmd.fail(st::kInvalidField, kNsidByte);  // not allocated

  std::array<uint8_t, spec::kIdentifySize> list{};
  const spec::Status s = transfer(cmd, list.data(), list.size(), false);
  if (!s.ok()) return cmd.fail(s, 24);
  if (stale(cmd)) return;
  // The list must name controllers of the subsystem (this one), each once.
  const uint16_t numid = spec::get_le16(list.data() + cl::kNumid);
  if (numid == 0 || numid > cl::kMaxIds) return cmd.fail(st::kControllerListInvalid);
  for (uint16_t i = 0; i < numid; ++i) {
    const uint16_t id = spec::get_le16(list.data() + cl::kFirstId + 2 * i);
    if (id != cfg.controller_id || i > 0) return cmd.fail(st::kControllerListInvalid);  // unknown, or twice
  }

  NamespaceTable::Namespace* ns = namespaces.find(nsid);
  if (!ns) return cmd.fail(st::kInvalidField, kNsidByte);  // deleted while the list was transferred
  if (sel == na::kSelAttach) {
    if (ns->attached) return cmd.fail(st::kNamespaceAlreadyAttached);
    ns->attached = true;
  } else {
    if (!ns->attached) return cmd.fail(st::kNamespaceNotAttached);
    ns->attached = false;  // commands in flight on it complete; new ones get Invalid Namespace or Format
  }
  namespace_changed(nsid);
}

}  // namespace scnvme::detail
