// ControllerConfig::validate(): every field and combination, with the field named in the error.
#include "scnvme/config.h"

#include <set>
#include <sstream>

#include "scnvme/spec/pci.h"

namespace scnvme {
namespace {

template <typename T>
void check_range(const char* field, T value, uint64_t lo, uint64_t hi) {
  if (static_cast<uint64_t>(value) < lo || static_cast<uint64_t>(value) > hi) {
    std::ostringstream os;
    os << "value " << static_cast<uint64_t>(value) << " is out of range [" << lo << ", " << hi << "]";
    throw ConfigError(field, os.str());
  }
}

bool is_pow2(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

void check_ascii(const char* field, const std::string& s, std::size_t max_len, bool allow_empty) {
  if (!allow_empty && s.empty()) throw ConfigError(field, "must not be empty (up to " + std::to_string(max_len) + " printable ASCII characters)");
  if (s.size() > max_len)
    throw ConfigError(field, "\"" + s + "\" is longer than " + std::to_string(max_len) + " characters");
  for (char c : s) {
    if (c < 0x20 || c > 0x7E)
      throw ConfigError(field, "must be printable ASCII (0x20..0x7E); found byte " + std::to_string(static_cast<unsigned char>(c)));
  }
}

struct Region {
  uint64_t begin, end;
  const char* what;
};

}  // namespace

void NamespaceConfig::validate(uint32_t max_namespaces, const std::string& f) const {
  if (nsid == 0 || nsid > max_namespaces)
    throw ConfigError(f + ".nsid", "must be in [1, max_namespaces = " + std::to_string(max_namespaces) + "]; got " + std::to_string(nsid));
  if (lba_formats.empty() && block_size != 512 && block_size != 4096)
    throw ConfigError(f + ".block_size", "must be 512 or 4096; got " + std::to_string(block_size));
  if (lba_formats.size() > 16)
    throw ConfigError(f + ".lba_formats", "at most 16 LBA formats; got " + std::to_string(lba_formats.size()));
  for (std::size_t k = 0; k < lba_formats.size(); ++k) {
    const auto& lf = lba_formats[k];
    const std::string ff = f + ".lba_formats[" + std::to_string(k) + "]";
    if (lf.data_size != 512 && lf.data_size != 4096)
      throw ConfigError(ff + ".data_size", "must be 512 or 4096; got " + std::to_string(lf.data_size));
    check_range((ff + ".metadata_size").c_str(), lf.metadata_size, 0, 128);
  }
  if (format_index >= formats().size())
    throw ConfigError(f + ".format_index", "must be below the number of LBA formats (" + std::to_string(formats().size()) + ")");
  const LbaFormat lf = format();
  if (image.empty() && (size_bytes == 0 || size_bytes % lf.data_size))
    throw ConfigError(f + ".size_bytes", "must be a non-zero multiple of the data size (" + std::to_string(lf.data_size) + ")");
  if (!image.empty() && size_bytes % lf.data_size)
    throw ConfigError(f + ".size_bytes", "must be a multiple of the data size (" + std::to_string(lf.data_size) + "), or 0 for the image's size");
  if (!image.empty() && lf.metadata_size)
    throw ConfigError(f + ".image", "an image file holds data only: use a format without metadata");
  if (!image.empty() && data != NamespaceData::Store)
    throw ConfigError(f + ".data", "an image-file namespace stores its data (data-less modes are for RAM namespaces)");
  if (extended_lba && lf.metadata_size == 0)
    throw ConfigError(f + ".extended_lba", "needs a format with metadata");
  if (size_bytes / lf.data_size > (1ull << 48))
    throw ConfigError(f + ".size_bytes", "at most 2^48 blocks");
}

void ControllerConfig::validate() const {
  // PCI function.
  if (pci.vendor_id == 0xFFFF) throw ConfigError("pci.vendor_id", "0xFFFF is not a valid vendor ID (0x0000..0xFFFE)");
  if (!is_pow2(pci.bar0_size) || pci.bar0_size < 16 * 1024 || pci.bar0_size > (1ull << 40))
    throw ConfigError("pci.bar0_size", "must be a power of two in [16384, 2^40] bytes; got " + std::to_string(pci.bar0_size));
  if (pci.msix) {
    check_range("pci.msix_vectors", pci.msix_vectors, 1, spec::pci::msix::kMaxVectors);
    if (pci.msix_table_offset % 8) throw ConfigError("pci.msix_table_offset", "must be 8-byte aligned");
    if (pci.msix_pba_offset % 8) throw ConfigError("pci.msix_pba_offset", "must be 8-byte aligned");
  }
  if (pci.msi) {
    if (!is_pow2(pci.msi_vectors) || pci.msi_vectors > 32)
      throw ConfigError("pci.msi_vectors", "must be 1, 2, 4, 8, 16 or 32; got " + std::to_string(pci.msi_vectors));
  }
  check_range("pci.link_generation", pci.link_generation, 1, 6);
  static const std::set<unsigned> widths{1, 2, 4, 8, 12, 16, 32};
  if (!widths.count(pci.link_width))
    throw ConfigError("pci.link_width", "must be 1, 2, 4, 8, 12, 16 or 32 lanes; got " + std::to_string(pci.link_width));
  if (!is_pow2(pci.max_payload_supported) || pci.max_payload_supported < 128 || pci.max_payload_supported > 4096)
    throw ConfigError("pci.max_payload_supported", "must be a power of two in [128, 4096] bytes; got " + std::to_string(pci.max_payload_supported));

  // PCIe link timing.
  check_range("pcie.tlp_overhead_bytes", pcie.tlp_overhead_bytes, 0, 64);
  check_range("pcie.dllp_overhead_permille", pcie.dllp_overhead_permille, 0, 500);
  check_range("pcie.read_round_trip_ns", pcie.read_round_trip_ns, 0, 100000);
  check_range("pcie.posted_write_ns", pcie.posted_write_ns, 0, 100000);
  check_range("pcie.max_outstanding_reads", pcie.max_outstanding_reads, 1, 1024);
  if (pcie.read_completion_boundary != 64 && pcie.read_completion_boundary != 128)
    throw ConfigError("pcie.read_completion_boundary", "must be 64 or 128 bytes; got " + std::to_string(pcie.read_completion_boundary));
  check_range("pcie.mmio_latency_ns", pcie.mmio_latency_ns, 0, 100000);

  // Identity.
  check_ascii("serial_number", serial_number, 20, false);
  check_ascii("model_number", model_number, 40, false);
  check_ascii("firmware_revision", firmware_revision, 8, false);
  check_ascii("subnqn", subnqn, 223, true);
  check_range("ieee_oui", ieee_oui, 0, 0xFFFFFF);
  check_range("controller_id", controller_id, 0, 0xFFEF);

  // Queues and transfers.
  check_range("max_io_queues", max_io_queues, 1, 65535);
  check_range("max_queue_entries", max_queue_entries, 2, 65536);
  check_range("doorbell_stride", doorbell_stride, 0, 15);
  check_range("command_slots", command_slots, 1, 4096);
  check_range("dma_engines", dma_engines, 1, 256);
  check_range("data_buffer_kib", data_buffer_kib, 4, 4u << 20);
  check_range("mps_min", mps_min, 0, 15);
  check_range("mps_max", mps_max, mps_min, 15);
  check_range("mdts", mdts, 1, 15);
  if (max_transfer_bytes() > (1ull << 31))
    throw ConfigError("mdts", "maximum transfer (4 KiB << mps_min) << mdts must not exceed 2 GiB; got " + std::to_string(max_transfer_bytes()) + " bytes");
  check_range("error_log_entries", error_log_entries, 0, 255);
  check_range("max_namespaces", max_namespaces, 1, 0xFFFFFFFE);
  check_range("timeout_500ms", timeout_500ms, 1, 255);
  if (critical_temperature_k < warning_temperature_k)
    throw ConfigError("critical_temperature_k", "must be >= warning_temperature_k (" + std::to_string(warning_temperature_k) + ")");
  check_range("ambient_temperature_k", ambient_temperature_k, 200, 400);
  check_range("thermal_heat_k_per_gbps", thermal_heat_k_per_gbps, 0, 1000);
  check_range("thermal_time_constant_ms", thermal_time_constant_ms, 1, 3600000);
  check_range("available_spare_threshold", available_spare_threshold, 0, 100);

  // Power states.
  if (power_states.empty() || power_states.size() > 32)
    throw ConfigError("power_states", "must hold 1..32 power states; got " + std::to_string(power_states.size()));
  if (power_states[0].non_operational) throw ConfigError("power_states[0].non_operational", "power state 0 must be operational");
  for (std::size_t i = 0; i < power_states.size(); ++i) {
    const PowerStateConfig& ps = power_states[i];
    const std::string f = "power_states[" + std::to_string(i) + "].";
    const uint64_t last = power_states.size() - 1;
    check_range((f + "max_power_mw").c_str(), ps.max_power_mw, 1, 655350);
    check_range((f + "entry_latency_us").c_str(), ps.entry_latency_us, 0, 10000000);
    check_range((f + "exit_latency_us").c_str(), ps.exit_latency_us, 0, 10000000);
    check_range((f + "relative_read_throughput").c_str(), ps.relative_read_throughput, 0, last);
    check_range((f + "relative_read_latency").c_str(), ps.relative_read_latency, 0, last);
    check_range((f + "relative_write_throughput").c_str(), ps.relative_write_throughput, 0, last);
    check_range((f + "relative_write_latency").c_str(), ps.relative_write_latency, 0, last);
    check_range((f + "performance_percent").c_str(), ps.performance_percent, 1, 100);
  }

  // Firmware update and Device Self-test.
  check_range("firmware_slots", firmware_slots, 1, 7);
  if (firmware_slots == 1 && firmware_slot1_read_only && firmware_update)
    throw ConfigError("firmware_slot1_read_only", "the only firmware slot cannot be read-only while firmware_update is on (no slot could take an image)");
  check_range("firmware_max_image_kib", firmware_max_image_kib, 4, 65536);
  check_range("firmware_activation_us", firmware_activation_us, 0, 60000000);
  if (firmware_update_granularity_4k != 0 && firmware_update_granularity_4k != 0xFF) {
    const uint64_t piece = 4096ull * firmware_update_granularity_4k;
    if (piece > max_transfer_bytes() || piece > 1024ull * firmware_max_image_kib)
      throw ConfigError("firmware_update_granularity_4k", "a " + std::to_string(piece) + "-byte granule must fit the maximum transfer (" +
                                                              std::to_string(max_transfer_bytes()) + " bytes, mdts) and firmware_max_image_kib; use 0 or 255 for no restriction");
  }
  check_range("self_test_short_ms", self_test_short_ms, 1, 120000);
  check_range("self_test_extended_ms", self_test_extended_ms, 1, 65535ull * 60000);

  // Timing.
  check_range("timing.clock_mhz", timing.clock_mhz, 1, 100000);
  const uint64_t to_us = static_cast<uint64_t>(timeout_500ms) * 500000;
  if (timing.ready_delay_us > to_us)
    throw ConfigError("timing.ready_delay_us", "must not exceed CAP.TO (timeout_500ms x 500 ms = " + std::to_string(to_us) + " us)");
  if (timing.reset_delay_us > to_us)
    throw ConfigError("timing.reset_delay_us", "must not exceed CAP.TO (" + std::to_string(to_us) + " us)");

  // BAR0 layout: registers, doorbells, MSI-X table and PBA.
  if (doorbell_area_end() > pci.bar0_size)
    throw ConfigError("pci.bar0_size", "BAR0 of " + std::to_string(pci.bar0_size) + " bytes cannot hold the doorbells of " +
                                           std::to_string(max_io_queues) + " I/O queue pairs at stride " +
                                           std::to_string(4u << doorbell_stride) + " (need " + std::to_string(doorbell_area_end()) + ")");
  if (pci.msix) {
    const uint64_t table_end = pci.msix_table_offset + 16ull * pci.msix_vectors;
    const uint64_t pba_end = pci.msix_pba_offset + ((pci.msix_vectors + 63ull) / 64) * 8;
    std::vector<Region> regions{{0, doorbell_area_end(), "registers and doorbells"},
                                {pci.msix_table_offset, table_end, "MSI-X table"},
                                {pci.msix_pba_offset, pba_end, "MSI-X PBA"}};
    if (table_end > pci.bar0_size) throw ConfigError("pci.msix_table_offset", "MSI-X table ends beyond BAR0 (" + std::to_string(table_end) + " > " + std::to_string(pci.bar0_size) + ")");
    if (pba_end > pci.bar0_size) throw ConfigError("pci.msix_pba_offset", "MSI-X PBA ends beyond BAR0 (" + std::to_string(pba_end) + " > " + std::to_string(pci.bar0_size) + ")");
    for (std::size_t i = 0; i < regions.size(); ++i)
      for (std::size_t j = i + 1; j < regions.size(); ++j)
        if (regions[i].begin < regions[j].end && regions[j].begin < regions[i].end)
          throw ConfigError(j == 1 ? "pci.msix_table_offset" : "pci.msix_pba_offset",
                            std::string(regions[j].what) + " overlaps the " + regions[i].what);
  }

  // Namespaces.
  std::set<uint32_t> nsids;
  for (std::size_t i = 0; i < namespaces.size(); ++i) {
    const std::string f = "namespaces[" + std::to_string(i) + "]";
    namespaces[i].validate(max_namespaces, f);
    if (!nsids.insert(namespaces[i].nsid).second)
      throw ConfigError(f + ".nsid", "NSID " + std::to_string(namespaces[i].nsid) + " is used twice");
  }

  // NVM capacity (against image sizes and the flash backend's capacity again at construction).
  if (nvm_capacity_bytes) {
    uint64_t configured = 0;
    for (const auto& ns : namespaces) configured += (ns.size_bytes + 4095) / 4096 * 4096;
    if (nvm_capacity_bytes < configured)
      throw ConfigError("nvm_capacity_bytes", "must be 0 (derived) or hold the configured namespaces (" +
                                                  std::to_string(configured) + " bytes in 4 KiB allocation units); got " +
                                                  std::to_string(nvm_capacity_bytes));
  }

  // Flash backend (the namespaces' total size against its capacity is checked when the controller
  // places them: an image namespace's size is known only then).
  if (flash.enabled) {
    flash.validate();
    if (flash.power_loss_protection && volatile_write_cache)
      throw ConfigError("flash.power_loss_protection",
                        "a power-loss protected write buffer is not a volatile write cache: set volatile_write_cache = false");
  }
}

}  // namespace scnvme
