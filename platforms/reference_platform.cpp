#include "reference_platform.h"

#include <cstring>
#include <string>

#include "address_map.h"

namespace scnvme::platform {

namespace am = address_map;

namespace {
constexpr uint64_t kReservedLowRam = 1ull << 20;  // below this: nothing handed out for DMA
constexpr unsigned kFirstDeviceVector = 32;       // vectors below are the platform's own
}  // namespace

ReferencePlatform::ReferencePlatform(const sc_core::sc_module_name& name, const PlatformConfig& cfg)
    : sc_module(name),
      cpu_("cpu", static_cast<unsigned>(kFirstDeviceVector + kVectorsPerDevice * cfg.controllers.size()), cfg.cpu_op_cost),
      bus_("interconnect", cfg.interconnect_latency),
      ram_("ram", cfg.ram_bytes, cfg.ram_read_latency, cfg.ram_write_latency),
      msi_("msi", static_cast<unsigned>(kFirstDeviceVector + kVectorsPerDevice * cfg.controllers.size())) {
  const std::size_t n = cfg.controllers.size();
  if (n == 0 || n > 32) throw std::invalid_argument("platform: 1..32 controllers supported");
  if (cfg.ram_bytes <= kReservedLowRam + n * (4ull << 20))
    throw std::invalid_argument("platform: ram_bytes too small for " + std::to_string(n) + " controller(s)");

  // Initiators: CPU, then each controller's dma and msi. Targets: RAM (0), MSI window (1), then
  // each controller's configuration space (2 + 2i) and BAR0 (3 + 2i).
  cpu_.bus.bind(bus_.from_initiators);
  bus_.to_targets.bind(ram_.socket);
  bus_.to_targets.bind(msi_.socket);
  bus_.map("ram", am::kRamBase, cfg.ram_bytes, 0);
  bus_.map("msi", am::kMsiBase, am::kMsiSize, 1);
  msi_.on_interrupt([this](unsigned vector, const sc_core::sc_time& delay) { cpu_.raise(vector, delay); });

  const uint64_t mmio_slice = am::kPciMmioSize / n;
  const uint64_t dma_slice = ((cfg.ram_bytes - kReservedLowRam) / n) & ~0xFFFull;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string dev = "nvme" + std::to_string(i);
    controllers_.push_back(std::make_unique<Controller>(dev.c_str(), cfg.controllers[i]));
    Controller& c = *controllers_.back();
    if (cfg.protocol_checks) {
      using K = ProtocolChecker::Target;
      auto& bar0 = *checkers_.emplace_back(std::make_unique<ProtocolChecker>((dev + "_bar0_check").c_str(), K::Registers));
      auto& pci = *checkers_.emplace_back(std::make_unique<ProtocolChecker>((dev + "_cfg_check").c_str(), K::Registers));
      auto& dma = *checkers_.emplace_back(std::make_unique<ProtocolChecker>((dev + "_dma_check").c_str(), K::Memory));
      auto& msi = *checkers_.emplace_back(std::make_unique<ProtocolChecker>((dev + "_msi_check").c_str(), K::Memory));
      bar0.to_target.bind(c.bar0);
      pci.to_target.bind(c.pci_cfg);
      c.dma.bind(dma.from_initiator);
      c.msi.bind(msi.from_initiator);
      dma.add_rule(bus_master_enable_rule(pci));
      msi.add_rule(bus_master_enable_rule(pci));
      dma.to_target.bind(bus_.from_initiators);
      msi.to_target.bind(bus_.from_initiators);
      bus_.to_targets.bind(pci.from_initiator);
      bus_.to_targets.bind(bar0.from_initiator);
    } else {
      c.dma.bind(bus_.from_initiators);
      c.msi.bind(bus_.from_initiators);
      bus_.to_targets.bind(c.pci_cfg);
      bus_.to_targets.bind(c.bar0);
    }
    const unsigned cfg_port = static_cast<unsigned>(2 + 2 * i), bar_port = cfg_port + 1;
    const uint64_t ecam = am::kEcamBase + am::ecam_offset(0, static_cast<unsigned>(i + 1), 0);
    bus_.map(dev + ".cfg", ecam, 4096, cfg_port);
    bus_.map(dev + ".bar0", 0, c.config().pci.bar0_size, bar_port, false);  // placed when the host programs BAR0
    c.on_bar0_change([this, region = dev + ".bar0"](uint64_t address, bool enabled) { bus_.remap(region, address, enabled); });

    auto hal = std::make_unique<scnvme_hal_device>();
    hal->cpu = &cpu_;
    hal->ram = ram_.data();
    hal->ram_base = am::kRamBase;
    hal->pool = DmaPool(am::kRamBase + kReservedLowRam + i * dma_slice, dma_slice);
    hal->ecam_base = ecam;
    hal->mmio_base = am::kPciMmioBase + i * mmio_slice;
    hal->mmio_size = mmio_slice;
    hal->msi_address = am::kMsiBase;
    hal->vector_base = static_cast<unsigned>(kFirstDeviceVector + kVectorsPerDevice * i);
    hal->vector_count = kVectorsPerDevice;
    hal->log_level = cfg.log_level;
    hal->name = dev;

    // INTx: a rising level raises the device's vector 0.
    intx_.push_back(std::make_unique<sc_core::sc_signal<bool>>((dev + "_intx").c_str()));
    c.intx.bind(*intx_.back());
    sc_core::sc_spawn_options opts;
    opts.spawn_method();
    opts.set_sensitivity(&intx_.back()->posedge_event());
    opts.dont_initialize();
    sc_core::sc_spawn([this, v = hal->vector_base] { cpu_.raise(v, sc_core::SC_ZERO_TIME); }, (dev + "_intx_line").c_str(),
                      &opts);
    hal_.push_back(std::move(hal));
    if (cfg.queue_monitors)
      monitors_.push_back(std::make_unique<QueueMonitor>(dev + "_queue_monitor", c, [this, size = cfg.ram_bytes](uint64_t a, void* p, std::size_t len) {
        if (a < am::kRamBase || a - am::kRamBase >= size || len > size - (a - am::kRamBase)) return false;
        std::memcpy(p, ram_.data() + (a - am::kRamBase), len);
        return true;
      }));
  }
}

std::vector<const ProtocolChecker*> ReferencePlatform::protocol_checkers(std::size_t i) const {
  std::vector<const ProtocolChecker*> out;
  if (checkers_.empty()) return out;
  for (std::size_t k = 0; k < 4; ++k) out.push_back(checkers_.at(4 * i + k).get());
  return out;
}

}  // namespace scnvme::platform
