// Namespace hot-plug by the platform (Controller::add_namespace, remove_namespace,
// resize_namespace): the NVM subsystem's namespaces change without a host command, and this
// controller tells its host as Namespace Management / Attachment would: the NSID joins the Changed
// Namespace List and a Namespace Attribute Changed notice is posted (Feature 0Bh bit 8).
// - A bad configuration (NSID out of [1, max_namespaces], formats, a size that is not a non-zero
//   multiple of the data size) throws ConfigError naming the field.
// - A request the current state refuses returns false: the NSID is already allocated (add) or not
//   allocated (remove, resize), the capacity does not suffice, or an image namespace is resized.
// I/O commands in flight on a removed or resized namespace finish on the store they started on;
// later ones to a removed NSID get Invalid Namespace or Format.
#include "controller/controller_impl.h"

namespace scnvme::detail {

bool ControllerImpl::hotplug_add(const NamespaceConfig& config) {
  config.validate(cfg.max_namespaces, "namespace");
  if (namespaces.add(config) != NamespaceTable::HotplugResult::Ok) return false;
  namespace_changed(config.nsid);
  return true;
}

bool ControllerImpl::hotplug_remove(uint32_t nsid) {
  const NamespaceTable::Namespace* ns = namespaces.find(nsid);
  if (!ns) return false;
  const bool was_attached = ns->attached;
  namespaces.remove(nsid);
  if (was_attached) namespace_changed(nsid);
  return true;
}

bool ControllerImpl::hotplug_resize(uint32_t nsid, uint64_t size_bytes) {
  const NamespaceTable::Namespace* ns = namespaces.find(nsid);
  if (!ns) return false;
  NamespaceConfig resized = ns->config;
  resized.size_bytes = size_bytes;
  resized.image.clear();  // (an image's size is checked by the table: it cannot change)
  resized.validate(cfg.max_namespaces, "namespace");
  const bool attached = ns->attached;
  if (namespaces.resize(nsid, size_bytes) != NamespaceTable::HotplugResult::Ok) return false;
  if (attached) namespace_changed(nsid);
  return true;
}

}  // namespace scnvme::detail
