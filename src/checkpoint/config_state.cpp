// The controller configuration in a checkpoint (config_state.h).
#include "checkpoint/config_state.h"

#include <sstream>

namespace scnvme {

void persist(checkpoint::Archive& a, LbaFormat& f) {
  a.io(f.data_size);
  a.io(f.metadata_size);
}

void persist(checkpoint::Archive& a, NamespaceConfig& c) {
  a.io(c.nsid);
  a.io(c.size_bytes);
  a.io(c.block_size);
  a.io(c.lba_formats);
  a.io(c.format_index);
  a.io(c.extended_lba);
  a.io(c.write_protected);
  a.io(c.image);
  a.io(c.image_read_only);
  a.io(c.data);
}

namespace detail {

namespace {
class Fields {
 public:
  template <typename T>
  void add(const std::string& name, const T& v) {
    std::ostringstream os;
    os.precision(17);
    if constexpr (std::is_enum_v<T>) os << static_cast<long long>(v);
    else if constexpr (std::is_same_v<T, uint8_t> || std::is_same_v<T, bool>) os << static_cast<unsigned>(v);
    else os << v;
    out.emplace_back(name, os.str());
  }
  std::vector<std::pair<std::string, std::string>> out;
};
}  // namespace

std::vector<std::pair<std::string, std::string>> config_fields(const ControllerConfig& c) {
  Fields f;
  const PciConfig& p = c.pci;
  f.add("pci.vendor_id", p.vendor_id);
  f.add("pci.device_id", p.device_id);
  f.add("pci.subsystem_vendor_id", p.subsystem_vendor_id);
  f.add("pci.subsystem_id", p.subsystem_id);
  f.add("pci.revision_id", p.revision_id);
  f.add("pci.bar0_size", p.bar0_size);
  f.add("pci.msix", p.msix);
  f.add("pci.msix_vectors", p.msix_vectors);
  f.add("pci.msix_table_offset", p.msix_table_offset);
  f.add("pci.msix_pba_offset", p.msix_pba_offset);
  f.add("pci.msi", p.msi);
  f.add("pci.msi_vectors", p.msi_vectors);
  f.add("pci.link_generation", p.link_generation);
  f.add("pci.link_width", p.link_width);
  f.add("pci.max_payload_supported", p.max_payload_supported);
  const PcieLinkConfig& l = c.pcie;
  f.add("pcie.enabled", l.enabled);
  f.add("pcie.tlp_overhead_bytes", l.tlp_overhead_bytes);
  f.add("pcie.dllp_overhead_permille", l.dllp_overhead_permille);
  f.add("pcie.read_round_trip_ns", l.read_round_trip_ns);
  f.add("pcie.posted_write_ns", l.posted_write_ns);
  f.add("pcie.max_outstanding_reads", l.max_outstanding_reads);
  f.add("pcie.read_completion_boundary", l.read_completion_boundary);
  f.add("pcie.mmio_latency_ns", l.mmio_latency_ns);
  const TimingConfig& t = c.timing;
  f.add("timing.clock_mhz", t.clock_mhz);
  f.add("timing.register_access_cycles", t.register_access_cycles);
  f.add("timing.doorbell_cycles", t.doorbell_cycles);
  f.add("timing.arbitration_cycles", t.arbitration_cycles);
  f.add("timing.decode_cycles", t.decode_cycles);
  f.add("timing.admin_exec_cycles", t.admin_exec_cycles);
  f.add("timing.io_exec_cycles", t.io_exec_cycles);
  f.add("timing.list_entry_cycles", t.list_entry_cycles);
  f.add("timing.cqe_build_cycles", t.cqe_build_cycles);
  f.add("timing.interrupt_cycles", t.interrupt_cycles);
  f.add("timing.ready_delay_us", t.ready_delay_us);
  f.add("timing.reset_delay_us", t.reset_delay_us);
  f.add("timing.shutdown_delay_us", t.shutdown_delay_us);
  f.add("serial_number", c.serial_number);
  f.add("model_number", c.model_number);
  f.add("firmware_revision", c.firmware_revision);
  f.add("ieee_oui", c.ieee_oui);
  f.add("subnqn", c.subnqn);
  f.add("controller_id", c.controller_id);
  f.add("max_io_queues", c.max_io_queues);
  f.add("max_queue_entries", c.max_queue_entries);
  f.add("doorbell_stride", c.doorbell_stride);
  f.add("command_slots", c.command_slots);
  f.add("dma_engines", c.dma_engines);
  f.add("data_buffer_kib", c.data_buffer_kib);
  f.add("mps_min", c.mps_min);
  f.add("mps_max", c.mps_max);
  f.add("mdts", c.mdts);
  f.add("abort_command_limit", c.abort_command_limit);
  f.add("async_event_limit", c.async_event_limit);
  f.add("doorbell_buffer_config", c.doorbell_buffer_config);
  f.add("keep_alive_granularity_100ms", c.keep_alive_granularity_100ms);
  f.add("error_log_entries", c.error_log_entries);
  f.add("volatile_write_cache", c.volatile_write_cache);
  f.add("weighted_round_robin", c.weighted_round_robin);
  f.add("sgl_support", c.sgl_support);
  f.add("nvm_subsystem_reset", c.nvm_subsystem_reset);
  f.add("max_namespaces", c.max_namespaces);
  f.add("warning_temperature_k", c.warning_temperature_k);
  f.add("critical_temperature_k", c.critical_temperature_k);
  f.add("ambient_temperature_k", c.ambient_temperature_k);
  f.add("thermal_heat_k_per_gbps", c.thermal_heat_k_per_gbps);
  f.add("thermal_time_constant_ms", c.thermal_time_constant_ms);
  f.add("available_spare_threshold", c.available_spare_threshold);
  f.add("power_states.count", c.power_states.size());
  for (std::size_t i = 0; i < c.power_states.size(); ++i) {
    const PowerStateConfig& s = c.power_states[i];
    const std::string k = "power_states[" + std::to_string(i) + "].";
    f.add(k + "max_power_mw", s.max_power_mw);
    f.add(k + "non_operational", s.non_operational);
    f.add(k + "entry_latency_us", s.entry_latency_us);
    f.add(k + "exit_latency_us", s.exit_latency_us);
    f.add(k + "relative_read_throughput", s.relative_read_throughput);
    f.add(k + "relative_read_latency", s.relative_read_latency);
    f.add(k + "relative_write_throughput", s.relative_write_throughput);
    f.add(k + "relative_write_latency", s.relative_write_latency);
    f.add(k + "performance_percent", s.performance_percent);
  }
  f.add("timeout_500ms", c.timeout_500ms);
  f.add("firmware_update", c.firmware_update);
  f.add("firmware_slots", c.firmware_slots);
  f.add("firmware_slot1_read_only", c.firmware_slot1_read_only);
  f.add("firmware_activation_without_reset", c.firmware_activation_without_reset);
  f.add("firmware_update_granularity_4k", c.firmware_update_granularity_4k);
  f.add("firmware_max_image_kib", c.firmware_max_image_kib);
  f.add("firmware_activation_us", c.firmware_activation_us);
  f.add("device_self_test", c.device_self_test);
  f.add("self_test_short_ms", c.self_test_short_ms);
  f.add("self_test_extended_ms", c.self_test_extended_ms);
  f.add("namespace_management", c.namespace_management);
  f.add("format_nvm", c.format_nvm);
  f.add("nvm_capacity_bytes", c.nvm_capacity_bytes);
  f.add("namespaces.count", c.namespaces.size());
  for (std::size_t i = 0; i < c.namespaces.size(); ++i) {
    const NamespaceConfig& n = c.namespaces[i];
    const std::string k = "namespaces[" + std::to_string(i) + "].";
    f.add(k + "nsid", n.nsid);
    f.add(k + "size_bytes", n.size_bytes);
    f.add(k + "block_size", n.block_size);
    f.add(k + "lba_formats.count", n.lba_formats.size());
    for (std::size_t j = 0; j < n.lba_formats.size(); ++j) {
      f.add(k + "lba_formats[" + std::to_string(j) + "].data_size", n.lba_formats[j].data_size);
      f.add(k + "lba_formats[" + std::to_string(j) + "].metadata_size", n.lba_formats[j].metadata_size);
    }
    f.add(k + "format_index", n.format_index);
    f.add(k + "extended_lba", n.extended_lba);
    f.add(k + "write_protected", n.write_protected);
    f.add(k + "image", n.image);
    f.add(k + "image_read_only", n.image_read_only);
    f.add(k + "data", n.data);
  }
  const FlashConfig& fl = c.flash;
  f.add("flash.enabled", fl.enabled);
  if (fl.enabled) {
    const NandConfig& n = fl.nand;
    f.add("nand.channels", n.channels);
    f.add("nand.targets_per_channel", n.targets_per_channel);
    f.add("nand.dies_per_target", n.dies_per_target);
    f.add("nand.planes_per_die", n.planes_per_die);
    f.add("nand.blocks_per_plane", n.blocks_per_plane);
    f.add("nand.pages_per_block", n.pages_per_block);
    f.add("nand.page_bytes", n.page_bytes);
    f.add("nand.cell_type", n.cell_type);
    for (std::size_t i = 0; i < n.read_us.size(); ++i) f.add("nand.read_us[" + std::to_string(i) + "]", n.read_us[i]);
    f.add("nand.program_us", n.program_us);
    f.add("nand.erase_us", n.erase_us);
    f.add("nand.slc_read_us", n.slc_read_us);
    f.add("nand.slc_program_us", n.slc_program_us);
    f.add("nand.interface_mts", n.interface_mts);
    f.add("nand.bus_width_bytes", n.bus_width_bytes);
    f.add("nand.command_ns", n.command_ns);
    f.add("nand.status_poll_ns", n.status_poll_ns);
    f.add("nand.ecc_codeword_bytes", n.ecc_codeword_bytes);
    f.add("nand.ecc_decode_ns", n.ecc_decode_ns);
    f.add("nand.rated_pe_cycles", n.rated_pe_cycles);
    f.add("nand.read_retry_probability", n.read_retry_probability);
    f.add("nand.read_retry_growth_per_kpe", n.read_retry_growth_per_kpe);
    f.add("nand.read_retry_extra_us", n.read_retry_extra_us);
    f.add("nand.read_retry_max", n.read_retry_max);
    f.add("nand.limited_retry_max", n.limited_retry_max);
    f.add("nand.multi_plane", n.multi_plane);
    f.add("nand.cache_read", n.cache_read);
    f.add("nand.cache_program", n.cache_program);
    f.add("nand.suspend", n.suspend);
    f.add("nand.suspend_ns", n.suspend_ns);
    f.add("nand.resume_ns", n.resume_ns);
    f.add("nand.suspend_max_per_op", n.suspend_max_per_op);
    f.add("nand.max_busy_dies", n.max_busy_dies);
    const FtlConfig& t2 = fl.ftl;
    f.add("ftl.mapping_unit_bytes", t2.mapping_unit_bytes);
    f.add("ftl.over_provisioning_permille", t2.over_provisioning_permille);
    f.add("ftl.gc_foreground_free_blocks", t2.gc_foreground_free_blocks);
    f.add("ftl.gc_background_free_blocks", t2.gc_background_free_blocks);
    f.add("ftl.write_buffer_program_units", t2.write_buffer_program_units);
    f.add("ftl.slc_cache_permille", t2.slc_cache_permille);
    f.add("ftl.fold_policy", t2.fold_policy);
    f.add("ftl.mapping_cache_entries", t2.mapping_cache_entries);
    f.add("ftl.reverse_map", t2.reverse_map);
    f.add("flash.power_loss_protection", fl.power_loss_protection);
    f.add("flash.precondition", fl.precondition);
    f.add("flash.precondition_random_capacities", fl.precondition_random_capacities);
    f.add("flash.background_idle_us", fl.background_idle_us);
  }
  f.add("seed", c.seed);
  return std::move(f.out);
}

void persist_config(checkpoint::Archive& a, const ControllerConfig& cfg) {
  const auto now = config_fields(cfg);
  auto saved = now;
  a.io(saved);
  if (!a.loading()) return;
  for (std::size_t i = 0; i < saved.size() || i < now.size(); ++i) {
    if (i < saved.size() && i < now.size() && saved[i] == now[i]) continue;
    if (i < saved.size() && i < now.size() && saved[i].first == now[i].first)
      throw CheckpointError("the controller configuration differs: " + now[i].first + " is " + saved[i].second +
                            " in the checkpoint, " + now[i].second + " now");
    const std::string field = i < now.size() ? now[i].first : saved[i].first;
    throw CheckpointError("the controller configuration differs at " + field + " (fields added or removed)");
  }
}

}  // namespace detail
}  // namespace scnvme
