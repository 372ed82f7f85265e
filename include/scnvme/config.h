// The controller's configuration: one plain struct with defaults that work, validated when a
// Controller is constructed. Identify data, CAP, the PCI capability list and the OACS/ONCS/VWC
// bits all derive from it, so the controller advertises exactly what it implements.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "scnvme/config_error.h"
#include "scnvme/flash_config.h"

namespace scnvme {

/// PCI function identity and capabilities.
struct PciConfig {
  uint16_t vendor_id = 0x1b36;           // placeholder IDs; set your own for a real product model
  uint16_t device_id = 0x5c4e;
  uint16_t subsystem_vendor_id = 0x1b36;
  uint16_t subsystem_id = 0x0001;
  uint8_t revision_id = 0x01;
  uint64_t bar0_size = 16 * 1024;        // bytes, power of two >= 16 KiB
  bool msix = true;                      // MSI-X capability present
  uint16_t msix_vectors = 65;            // 1..2048 table entries
  uint32_t msix_table_offset = 0x2000;   // in BAR0, 8-byte aligned
  uint32_t msix_pba_offset = 0x3000;     // in BAR0, 8-byte aligned
  bool msi = true;                       // MSI capability present (64-bit, multiple message)
  uint8_t msi_vectors = 32;              // 1, 2, 4, 8, 16 or 32
  uint8_t link_generation = 4;           // PCIe generation reported in Link Capabilities, 1..6
  uint8_t link_width = 4;                // lanes: 1, 2, 4, 8, 12, 16 or 32
  uint16_t max_payload_supported = 512;  // bytes: 128..4096, power of two
};

/// The PCI Express link between the controller and the host (timing). Generation and width are
/// PciConfig::link_generation / link_width; max payload and max read request size come from the
/// PCI Express capability's Device Control as the driver programs them.
struct PcieLinkConfig {
  bool enabled = true;                 // off: the platform models PCIe itself (no time counted twice)
  uint32_t tlp_overhead_bytes = 24;    // per TLP: header, framing, sequence number, LCRC (FLIT mode: 16)
  uint32_t dllp_overhead_permille = 20;  // link time spent on ACK / flow-control DLLPs (per mille)
  uint32_t read_round_trip_ns = 500;   // read request leaving the device to its first completion
  uint32_t posted_write_ns = 200;      // a posted write's flight time to host memory
  uint32_t max_outstanding_reads = 32; // read requests in flight (tags)
  uint32_t read_completion_boundary = 64;  // RCB: completions split at these address boundaries
  uint32_t mmio_latency_ns = 300;      // host MMIO access to a register through the link (reads; writes are posted: half)
};

/// An LBA format: data bytes per block and metadata bytes per block.
struct LbaFormat {
  uint32_t data_size = 512;              // 512 or 4096
  uint16_t metadata_size = 0;            // 0..128 bytes
};

/// How a namespace keeps its data.
enum class NamespaceData {
  Store,    // sparse RAM store (or the image file): what is written is read back
  Zeroes,   // data-less, for long performance runs: reads return zeroes, writes store nothing
  Pattern,  // data-less: reads return a pattern derived from the LBA, writes store nothing
};

/// One namespace of the NVM command set.
struct NamespaceConfig {
  NamespaceConfig() = default;
  NamespaceConfig(uint32_t nsid_, uint64_t size_bytes_, uint32_t block_size_ = 512)
      : nsid(nsid_), size_bytes(size_bytes_), block_size(block_size_) {}

  uint32_t nsid = 1;                     // 1..max_namespaces; gaps leave inactive NSIDs
  uint64_t size_bytes = 1ull << 30;      // capacity in data bytes, a multiple of the data size;
                                         // 0 with an image: the image file's size
  uint32_t block_size = 512;             // used when lba_formats is empty: one format, no metadata
  std::vector<LbaFormat> lba_formats;    // up to 16 formats; empty: {block_size, 0}
  uint8_t format_index = 0;              // FLBAS: the format in use
  bool extended_lba = false;             // metadata travels at the end of each block's data
  bool write_protected = false;          // writes fail with Namespace is Write Protected
  std::string image;                     // raw image file holding the durable data (no metadata)
  bool image_read_only = false;          // open the image read-only (the namespace is write protected)
  NamespaceData data = NamespaceData::Store;

  /// The formats as Identify Namespace reports them.
  std::vector<LbaFormat> formats() const {
    return lba_formats.empty() ? std::vector<LbaFormat>{LbaFormat{block_size, 0}} : lba_formats;
  }
  LbaFormat format() const {
    const auto f = formats();
    return format_index < f.size() ? f[format_index] : f.front();
  }
  /// Throws ConfigError naming `<field>.<key>` when the namespace is not valid on its own (NSID
  /// range, formats, size).
  void validate(uint32_t max_namespaces, const std::string& field) const;
};

/// One power state (NVMe Base 2.0, 8.15; Identify Controller PSD0..PSD31, Feature 02h).
struct PowerStateConfig {
  uint32_t max_power_mw = 8000;        // MP: reported in 0.01 W units, or 0.0001 W (MXPS) when
                                       // not a whole number of centiwatts; 1..655350
  bool non_operational = false;        // NOPS: no I/O is processed in it; an I/O command returns
                                       // the controller to the last operational state
  uint32_t entry_latency_us = 0;       // ENLAT: a Set Features entering the state completes this
                                       // much later
  uint32_t exit_latency_us = 0;        // EXLAT: the I/O command that leaves a non-operational
                                       // state starts this much later
  uint8_t relative_read_throughput = 0;   // RRT, RRL, RWT, RWL: ranks, 0 = best; each below
  uint8_t relative_read_latency = 0;      //   the number of power states
  uint8_t relative_write_throughput = 0;
  uint8_t relative_write_latency = 0;
  uint32_t performance_percent = 100;  // operational states: the controller clock runs at this
                                       // share of timing.clock_mhz (every stage cost grows by
                                       // 100 / performance_percent), 1..100
};

/// The default power state table: three operational states (PS0 8.0 W full speed, PS1 6.0 W at
/// 75 %, PS2 3.5 W at 50 %) and two non-operational ones (PS3 50 mW, PS4 5 mW) with entry and
/// exit latencies typical of client drives.
inline std::vector<PowerStateConfig> default_power_states() {
  return {
      PowerStateConfig{8000, false, 0, 0, 0, 0, 0, 0, 100},
      PowerStateConfig{6000, false, 10, 10, 1, 1, 1, 1, 75},
      PowerStateConfig{3500, false, 20, 20, 2, 2, 2, 2, 50},
      PowerStateConfig{50, true, 2000, 2000, 3, 3, 3, 3, 100},
      PowerStateConfig{5, true, 6000, 12000, 4, 4, 4, 4, 100},
  };
}

/// Controller clock and per-stage costs. All delays are quantised to the clock.
struct TimingConfig {
  uint32_t clock_mhz = 1000;             // controller clock; its period must be a whole number
                                         // of SystemC time-resolution units
  uint32_t register_access_cycles = 20;  // BAR0 / config space access (added to the caller's delay)
  uint32_t doorbell_cycles = 10;         // doorbell write to arbiter notification
  uint32_t arbitration_cycles = 8;       // choosing the next SQ
  uint32_t decode_cycles = 20;           // SQE decode
  uint32_t admin_exec_cycles = 500;      // admin command execution (firmware path)
  uint32_t io_exec_cycles = 100;         // I/O command execution before its data transfer
  uint32_t list_entry_cycles = 4;        // per PRP entry / SGL descriptor walked
  uint32_t cqe_build_cycles = 10;
  uint32_t interrupt_cycles = 10;
  uint32_t ready_delay_us = 50;          // CC.EN 0->1 until CSTS.RDY = 1 (must stay within CAP.TO)
  uint32_t reset_delay_us = 5;           // CC.EN 1->0 until CSTS.RDY = 0
  uint32_t shutdown_delay_us = 100;      // CC.SHN until CSTS.SHST = complete
};

struct ControllerConfig {
  PciConfig pci;
  PcieLinkConfig pcie;
  TimingConfig timing;

  // Identify strings: printable ASCII, space-padded in Identify Controller.
  std::string serial_number = "SCNVME00000000000001";  // up to 20 characters
  std::string model_number = "scnvme SystemC NVMe controller";  // up to 40
  std::string firmware_revision = "0.1.0";              // up to 8
  uint32_t ieee_oui = 0x000000;
  std::string subnqn;     // empty: derived from the instance's hierarchical name (unique per sim)
  uint16_t controller_id = 1;

  // Queues.
  uint16_t max_io_queues = 64;       // I/O SQ/CQ pairs the controller supports (1..65535)
  uint32_t max_queue_entries = 1024; // CAP.MQES + 1, 2..65536
  uint8_t doorbell_stride = 0;       // CAP.DSTRD, 0..15: doorbells are 4 << DSTRD bytes apart
  uint16_t command_slots = 16;       // commands executing concurrently inside the controller
  uint16_t dma_engines = 4;          // data transfers (PRP/SGL lists, data) in flight at once, 1..256
  uint32_t data_buffer_kib = 4096;   // internal data buffer; exhausted, it holds fetching back

  // Memory pages and transfers.
  uint8_t mps_min = 0;               // CAP.MPSMIN: 4 KiB << n, 0..15
  uint8_t mps_max = 4;               // CAP.MPSMAX
  uint8_t mdts = 5;                  // max transfer = (4 KiB << mps_min) << mdts; 1..15

  // Admin command set.
  uint8_t abort_command_limit = 3;   // ACL (0-based)
  uint8_t async_event_limit = 3;     // AERL (0-based)
  bool doorbell_buffer_config = true;  // OACS bit 8: shadow doorbells and EventIdx buffers
  uint16_t keep_alive_granularity_100ms = 1;  // Identify KAS: Keep Alive supported with this
                                              // granularity (x 100 ms); 0 = not supported
  uint8_t error_log_entries = 63;    // ELPE (0-based)
  bool volatile_write_cache = true;  // VWC present; Feature 06h supported
  bool weighted_round_robin = true;  // CAP.AMS bit 17: weighted round robin with urgent priority
                                     // class arbitration selectable by CC.AMS = 001b (QPRIO and
                                     // the Arbitration feature's weights then apply); off: round
                                     // robin only
  bool sgl_support = true;           // SGLs for I/O commands (Identify SGLS); off: PRPs only,
                                     // as some drivers require
  bool nvm_subsystem_reset = true;   // CAP.NSSRS
  uint32_t max_namespaces = 256;     // NN
  uint16_t warning_temperature_k = 343;   // WCTEMP
  uint16_t critical_temperature_k = 358;  // CCTEMP
  uint16_t ambient_temperature_k = 308;   // composite temperature of an idle controller
  // Thermal model (controller/thermal_model.h): the composite temperature approaches ambient +
  // thermal_heat_k_per_gbps x (host data read and written, GB/s, averaged between evaluations)
  // with the first-order time constant thermal_time_constant_ms; idle, it falls back to ambient.
  uint32_t thermal_heat_k_per_gbps = 10;     // 0..1000 kelvin per GB/s (0: always ambient)
  uint32_t thermal_time_constant_ms = 10000; // 1..3600000
  uint8_t available_spare_threshold = 10;    // SMART Available Spare Threshold, percent 0..100
  /// Power states (Identify NPSS/PSDs, Feature 02h): 1..32, PS0 operational.
  std::vector<PowerStateConfig> power_states = default_power_states();
  uint8_t timeout_500ms = 20;        // CAP.TO / CRTO.CRWMT: worst-case time to ready, 500 ms units

  // Firmware update: Firmware Image Download / Firmware Commit (OACS bit 2), Firmware Slot log.
  // Slot 1 holds `firmware_revision` at power-on; the image format is in the README.
  bool firmware_update = true;            // OACS bit 2; off: both commands are Invalid Command Opcode
  uint8_t firmware_slots = 2;             // FRMW.NOFS: 1..7
  bool firmware_slot1_read_only = false;  // FRMW bit 0
  bool firmware_activation_without_reset = true;  // FRMW bit 4: Commit Action 011b, Firmware
                                                  // Activation Notices (OAES bit 9)
  uint8_t firmware_update_granularity_4k = 1;  // FWUG: Firmware Image Download NUMD/OFST granularity
                                               // in 4 KiB units; 0 = no information, 0xFF = none
  uint32_t firmware_max_image_kib = 1024;      // largest image accepted, 4..65536 KiB
  uint32_t firmware_activation_us = 1000;      // an activation without reset pauses command
                                               // processing (CSTS.PP) this long; MTFA derives from it
  // Device Self-test (OACS bit 4) and its log.
  bool device_self_test = true;
  uint32_t self_test_short_ms = 100;      // short test duration (spec: at most 2 minutes)
  uint32_t self_test_extended_ms = 1000;  // extended test duration; EDSTT reports it in minutes

  // Namespace Management and Namespace Attachment (OACS bit 3): namespaces created, deleted,
  // attached and detached at run time, Identify CNS 10h-13h, TNVMCAP/UNVMCAP. The configured
  // namespaces are allocated and attached at power-on; a created one uses the sparse RAM store and
  // the LBA formats Identify Namespace reports for NSID FFFFFFFFh (512 and 4096 bytes, with 0, 8 or
  // 64 bytes of metadata).
  bool namespace_management = true;
  // Format NVM (OACS bit 1): a namespace (or every attached one) gets another of its LBA formats
  // and loses its data; user data and cryptographic erase are supported (FNA 04h).
  bool format_nvm = true;
  // Total NVM capacity (Identify TNVMCAP), in bytes. Each namespace takes its data bytes rounded
  // up to the allocation unit (the flash backend's mapping unit, else 4 KiB); UNVMCAP is what the
  // allocated namespaces leave. 0: the flash backend's logical capacity when flash.enabled, else
  // the configured namespaces' total (nothing left to create namespaces in until one is deleted).
  uint64_t nvm_capacity_bytes = 0;

  std::vector<NamespaceConfig> namespaces = {NamespaceConfig{}};

  /// NAND media under an FTL timing reads, writes, flushes and deallocations (off: memory speed).
  /// The namespaces are laid out one after the other on the FTL's logical capacity.
  FlashConfig flash;

  uint64_t seed = 1;                 // drives every random choice of this instance

  /// Throws ConfigError naming the first bad field and its valid range.
  void validate() const;

  /// Page size the controller uses for MDTS units.
  uint64_t min_page_size() const { return 4096ull << mps_min; }
  uint64_t max_transfer_bytes() const { return min_page_size() << mdts; }
  /// Number of doorbell registers (admin + I/O pairs) and the end of the doorbell area.
  uint64_t doorbell_area_end() const {
    return 0x1000ull + 2ull * (max_io_queues + 1ull) * (4ull << doorbell_stride);
  }
};

}  // namespace scnvme
