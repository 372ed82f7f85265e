// The reference virtual platform: a host CPU, DRAM, an interconnect with the address map, the
// MSI interrupt controller and one or more scnvme controllers on PCI Express, each with a HAL
// device context for driver code.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>

#include "hal/hal_device.h"
#include "host_cpu.h"
#include "host_memory.h"
#include "interconnect.h"
#include "msi_controller.h"
#include "protocol_checker.h"
#include "queue_monitor.h"
#include "scnvme/controller.h"

namespace scnvme::platform {

struct PlatformConfig {
  uint64_t ram_bytes = 256ull << 20;
  sc_core::sc_time ram_read_latency = sc_core::sc_time(80, sc_core::SC_NS);
  sc_core::sc_time ram_write_latency = sc_core::sc_time(60, sc_core::SC_NS);
  sc_core::sc_time interconnect_latency = sc_core::sc_time(10, sc_core::SC_NS);
  sc_core::sc_time cpu_op_cost = sc_core::sc_time(20, sc_core::SC_NS);  // per driver register access / operation
  std::vector<ControllerConfig> controllers{ControllerConfig{}};
  int log_level = SCNVME_HAL_LOG_WARN;
  /// A ProtocolChecker on each of every controller's four sockets (base protocol, scnvme's
  /// register-socket conventions, and no DMA or MSI while Bus Master Enable is clear); a violation
  /// is an SC_REPORT_ERROR under "scnvme/protocol". Off: the sockets bind directly (a little faster).
  bool protocol_checks = true;
  /// A QueueMonitor on every controller (queue_monitor.h: SQE fetches, CQEs, commands answered
  /// once); a violation is an SC_REPORT_ERROR under "scnvme/protocol". Costs a little per command.
  bool queue_monitors = false;
};

class ReferencePlatform : public sc_core::sc_module {
 public:
  static constexpr unsigned kVectorsPerDevice = 256;

  ReferencePlatform(const sc_core::sc_module_name& name, const PlatformConfig& cfg);

  std::size_t devices() const { return controllers_.size(); }
  Controller& controller(std::size_t i) { return *controllers_.at(i); }
  scnvme_hal_device* hal(std::size_t i) { return hal_.at(i).get(); }
  HostCpu& cpu() { return cpu_; }
  HostMemory& ram() { return ram_; }
  Interconnect& interconnect() { return bus_; }
  MsiController& msi_controller() { return msi_; }
  /// The checkers of controller i (bar0, pci_cfg, dma, msi), empty without protocol_checks.
  std::vector<const ProtocolChecker*> protocol_checkers(std::size_t i) const;
  /// The queue monitor of controller i (nullptr without queue_monitors).
  QueueMonitor* queue_monitor(std::size_t i) { return monitors_.empty() ? nullptr : monitors_.at(i).get(); }

  /// Checkpoints of the whole platform (scnvme/checkpoint.h): every controller
  /// (Controller::save_checkpoint) and the host side: DRAM's written pages, each HAL device's DMA
  /// allocations, the interconnect's, MSI controller's and CPU's counters and pending interrupts.
  /// A driver saves its own state beside it (a section of its own); a workload likewise.
  /// What keeps the platform from a quiescent point ("" at one): a controller's
  /// quiescence_blocker(), or an interrupt on its way to the CPU.
  std::string quiescence_blocker() const;
  /// Writes section "platform". Throws CheckpointError when not at a quiescent point.
  void save_checkpoint(checkpoint::Writer& w);
  /// Reads section "platform" into this platform, which must be new (its host side unused, its
  /// controllers never enabled) and at the checkpoint's time (checkpoint::Reader::time()); the
  /// configuration must be the checkpoint's. Throws CheckpointError otherwise.
  void restore_checkpoint(checkpoint::Reader& r);

 private:
  HostCpu cpu_;
  Interconnect bus_;
  HostMemory ram_;
  MsiController msi_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> intx_;
  std::vector<std::unique_ptr<scnvme_hal_device>> hal_;
  std::vector<std::unique_ptr<ProtocolChecker>> checkers_;  // 4 per controller when enabled
  std::vector<std::unique_ptr<QueueMonitor>> monitors_;     // 1 per controller when enabled
  void persist_host(checkpoint::Archive& a);
};

}  // namespace scnvme::platform
