// scnvme::Controller — an NVMe 2.0 controller as a PCI Express function, for SystemC/TLM-2.0
// virtual platforms.
//
//   scnvme::Controller nvme("nvme0", cfg);  // cfg validated here: throws scnvme::ConfigError
//   nvme.bar0.bind(...);     // target: BAR0 MMIO, address = offset inside BAR0
//   nvme.pci_cfg.bind(...);  // target: PCI configuration space, address = config offset
//   nvme.dma.bind(...);      // initiator: host memory (SQEs, PRP lists, data, CQEs)
//   nvme.msi.bind(...);      // initiator (optional): MSI/MSI-X messages, 4-byte writes
//   nvme.intx.bind(sig);     // sc_signal<bool> (optional): legacy INTx level
//
// Targets never wait: they add their cost to the annotated delay and take effect at now + delay.
// Everything the host controls (registers, SQEs, lists) gets the behaviour or NVMe status the
// specification prescribes; nothing the host does aborts the simulation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "scnvme/checkpoint.h"
#include "scnvme/config.h"
#include "scnvme/diagnostics.h"
#include "scnvme/faults.h"
#include "scnvme/flash_stats.h"
#include "scnvme/trace.h"

namespace scnvme {

namespace detail {
class ControllerImpl;
}

/// Counters an integrator or test can read at any time.
struct ControllerStats {
  uint64_t commands_fetched = 0;
  uint64_t commands_completed = 0;
  uint64_t commands_failed = 0;       // completed with a non-success status
  uint64_t interrupts_sent = 0;       // MSI and MSI-X messages written on `msi`
  uint64_t guest_errors = 0;          // host mistakes reported under scnvme/guest-error (every
                                      // occurrence; per kind: Controller::guest_errors())
  uint64_t controller_resets = 0;       // CC.EN cleared (Controller Level Reset)
  uint64_t subsystem_resets = 0;        // NVM Subsystem Resets (NSSR)
  uint64_t function_level_resets = 0;   // PCIe Function Level Resets (power losses: SMART Power Cycles)
  sc_core::sc_time link_upstream_busy;    // time the PCIe link carried TLPs device -> host
  sc_core::sc_time link_downstream_busy;  // ... host -> device (completions of device reads)
  // Internal resources (utilisation = busy / (elapsed x count)).
  sc_core::sc_time slots_busy;            // summed command-slot occupancy (fetch issued to slot freed)
  sc_core::sc_time dma_engines_busy;      // summed DMA-engine occupancy (PRP/SGL lists and data)
  double data_buffer_byte_seconds = 0;    // internal data buffer occupancy integrated over time
  uint64_t data_buffer_peak_bytes = 0;
};

/// A submission or completion queue as the controller sees it (Controller::queues()): what a
/// driver developer compares with the driver's own view, and what a protocol monitor checks CQEs
/// against.
struct QueueInfo {
  bool submission = false;  // SQ, else CQ
  uint16_t id = 0;
  uint64_t serial = 0;      // tells this queue from earlier ones with the same ID (a creation count
                            // of this controller, restarting after a checkpoint restore)
  uint64_t base = 0;        // bus address of entry 0 (queues are physically contiguous)
  uint32_t entries = 0;
  uint32_t head = 0;        // SQ: next entry to fetch; CQ: the host's last head doorbell
  uint32_t tail = 0;        // SQ: the host's last tail doorbell; CQ: next entry to claim
  bool phase = true;        // CQ: phase tag of the entries written on the current pass
  uint16_t cqid = 0;        // SQ: the CQ it posts to
  uint32_t in_flight = 0;   // SQ: commands fetched and not yet completed (the admin SQ's include
                            // Asynchronous Event Requests waiting for an event)
  bool deleting = false;    // SQ: a Delete I/O SQ command is waiting for its commands
  uint16_t vector = 0;      // CQ: interrupt vector
  bool interrupts_enabled = false;  // CQ
};

/// Where the time of one completed command went, stage by stage (simulation times).
struct CommandRecord {
  uint16_t sqid = 0;
  uint16_t cid = 0;
  uint16_t cqid = 0;                // the CQ its SQ posts to
  uint32_t sq_entry = 0;            // the SQ entry the SQE was fetched from
  uint32_t cq_entry = 0;            // the CQ entry its CQE was written to (0 until posted)
  uint8_t opcode = 0;
  uint32_t nsid = 0;
  uint16_t status = 0;              // status field: SC | SCT << 8 | M << 13 | DNR << 14
  sc_core::sc_time doorbell;        // the SQ tail doorbell covering the entry took effect
  sc_core::sc_time fetched;         // the SQE arrived in a command slot
  sc_core::sc_time executed;        // execution and data transfer done
  sc_core::sc_time posted;          // the CQE write completed (visible to the host)
  sc_core::sc_time interrupt;       // the interrupt message it caused left the device (zero when
                                    // none went out with it: coalesced, masked, INTx or polled)
};

class Controller : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Controller> bar0;
  tlm_utils::simple_target_socket<Controller> pci_cfg;
  tlm_utils::simple_initiator_socket<Controller> dma;
  tlm_utils::simple_initiator_socket_optional<Controller> msi;
  sc_core::sc_port<sc_core::sc_signal_inout_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND> intx;

  Controller(const sc_core::sc_module_name& name, const ControllerConfig& config = ControllerConfig{});
  ~Controller() override;
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  const ControllerConfig& config() const;
  ControllerStats stats() const;
  /// The flash backend's figures (enabled = false without one).
  FlashStats flash_stats() const;

  /// The bus address the host programmed into BAR0 (BAR0/BAR1), and whether Memory Space Enable
  /// is set. A platform's interconnect maps `bar0` there.
  uint64_t bar0_address() const;
  bool memory_space_enabled() const;
  /// Called (from the config-space access, at its time) whenever BAR0's address or Memory Space
  /// Enable changes, so an interconnect can move its mapping.
  void on_bar0_change(std::function<void(uint64_t address, bool enabled)> callback);

  /// Called (inside the simulation, after the CQE write) for every command that completes; the
  /// simulator's per-stage latency statistics and command traces come from here. Each call adds
  /// a callback; they run in the order they were added.
  void on_command_complete(std::function<void(const CommandRecord&)> callback);
  /// Called (inside the simulation, when the SQE has been read from host memory, before the
  /// command executes) for every command fetched: sqid, cid, opcode, nsid, sq_entry, cqid and the
  /// doorbell and fetched times are set. A protocol monitor pairs these with on_command_complete.
  void on_command_fetched(std::function<void(const CommandRecord&)> callback);
  /// The queues that exist now, by ID (a CQ before the SQ with the same ID; the admin queues first).
  std::vector<QueueInfo> queues() const;
  /// One queue (an SQ with `submission`, else a CQ), if it exists.
  std::optional<QueueInfo> queue(bool submission, uint16_t id) const;

  /// Host mistakes seen so far (scnvme/diagnostics.h): one record per kind and subject (a queue
  /// such as "SQ1", a register such as "CC", ...) in the order they first happened, with the
  /// count and the first occurrence's value. Resets do not clear them.
  std::vector<GuestErrorRecord> guest_errors() const;
  /// Occurrences of one kind over every subject.
  uint64_t guest_error_count(GuestError kind) const;
  /// Enables the named trace points (and per-occurrence guest-error lines) whose names match one
  /// of `patterns` ('*' any text, '?' one character; e.g. {"cmd.*", "guest.*"}); an empty list,
  /// the default, disables them all. Callable at any time. ConfigError for an empty pattern.
  void set_log_filter(const std::vector<std::string>& patterns);

  /// Reports the controller's internal activity (queue occupancy, slots, DMA, link, interrupts,
  /// NAND dies and channels: scnvme/trace.h) to `sink` from now on. Call before sc_start(); the
  /// sink must outlive the simulation. Several sinks may be attached.
  void attach_trace(TraceSink& sink);

  /// Power loss and restore, as a platform's power model signals it: data not yet durable (in the
  /// volatile write cache) is lost, an unsafe shutdown is counted unless the host completed a
  /// shutdown, and the controller and its PCI function return to their power-on state (this also
  /// ends a surprise_remove()).
  void power_loss();

  /// Namespace hot-plug, as a platform's storage changes: callable from a SystemC process or
  /// between sc_start() calls. Each change adds the NSID to the Changed Namespace List and posts a
  /// Namespace Attribute Changed notice (when the host enabled it in Feature 0Bh bit 8).
  /// - add_namespace: allocates `config.nsid` and attaches it, with an empty store (or its image).
  ///   False when the NSID is already allocated or the NVM capacity cannot hold it (with a derived
  ///   capacity, nvm_capacity_bytes = 0 and no flash backend, the capacity grows with it).
  /// - remove_namespace: deletes it; later I/O to it gets Invalid Namespace or Format. False when
  ///   the NSID is not allocated.
  /// - resize_namespace: new size in data bytes; the data both sizes hold is kept; Identify
  ///   Namespace NSZE/NCAP follow. False when the NSID is not allocated, the capacity does not
  ///   suffice, or the namespace is an image file.
  /// A configuration that is invalid on its own (NSID outside [1, max_namespaces], LBA formats,
  /// a size that is not a non-zero multiple of the data size) throws ConfigError.
  bool add_namespace(const NamespaceConfig& config);
  bool remove_namespace(uint32_t nsid);
  bool resize_namespace(uint32_t nsid, uint64_t size_bytes);

  /// Fault injection (scnvme/faults.h), callable from a SystemC process or between sc_start()
  /// calls; each fault applies from the current simulation time. inject() arms a fault and returns
  /// its id (the index in FaultStats::fired); ConfigError for a bad field (a probability outside
  /// [0, 1], a success status, a zero delay, a namespace or LBA range that does not exist).
  /// - CommandFailure: matching commands complete with the status, without executing.
  /// - MediaError: the LBA range fails reads with Unrecovered Read Error until rewritten.
  /// - CommandDelay: matching commands are held back (or forever); Abort and resets end them.
  /// - InterruptDrop: the next MSI/MSI-X messages (of a vector) are lost.
  /// Probabilistic choices draw from a generator seeded from ControllerConfig::seed.
  std::size_t inject(const CommandFailure& fault);
  std::size_t inject(const MediaError& fault);
  std::size_t inject(const CommandDelay& fault);
  std::size_t inject(const InterruptDrop& fault);
  /// Sends an MSI/MSI-X message for `vector` with no new CQE behind it (left pending when the
  /// vector is masked; nothing in INTx mode or for a vector that is not enabled).
  void send_spurious_interrupt(uint16_t vector);
  /// Sets CSTS.CFS: fetching stops and the commands in flight never complete, until a Controller
  /// Level Reset (CC.EN 1 -> 0, FLR, NSSR) or power loss clears it.
  void raise_fatal_status();
  /// Surprise removal: from now on BAR0 and configuration reads return all ones and writes are
  /// ignored, no DMA or interrupt leaves the device and the commands in flight never complete.
  /// power_loss() re-inserts it in its power-on state.
  void surprise_remove();
  /// How often each kind of fault, and each injection, fired so far.
  FaultStats fault_stats() const;

  /// Checkpoints (scnvme/checkpoint.h). A checkpoint is taken at a quiescent point: no command in
  /// the controller (slots empty, every SQ fetched up to its tail), no CQE, interrupt message or
  /// register/doorbell side effect on its way, no aggregated completion waiting for its interrupt,
  /// no enable/reset/shutdown or firmware activation in progress, no injected fault armed.
  /// Outstanding Asynchronous Event Requests, timers (Keep Alive, coalescing, self-test, thermal
  /// watch) and everything else the controller holds are saved.
  /// quiescence_blocker() says what keeps it from one ("" at a quiescent point).
  bool quiescent() const { return quiescence_blocker().empty(); }
  std::string quiescence_blocker() const;
  /// Saves the controller's state (registers, PCI configuration space, MSI-X table and PBA,
  /// queues, arbitration, features, logs, asynchronous events, firmware slots, namespaces with
  /// their media, statistics, timed resources, the random generators) and its configuration, as
  /// a section of `w` (a platform adds its own sections to the same file), or as a whole file on
  /// `out`. Throws CheckpointError when not at a quiescent point (naming what blocks it). Call it
  /// from a SystemC process or between sc_start() calls.
  void save_checkpoint(checkpoint::Writer& w) const;
  void save_checkpoint(std::ostream& out) const;
  /// Restores a saved state into this controller, which must have the same configuration (a
  /// difference throws CheckpointError naming the field), must not have been used by the host, and
  /// whose simulation must have been advanced to the checkpoint's time first
  /// (checkpoint::Reader::time(); sc_start(t) moves an idle simulation there). Timers continue
  /// at their saved absolute times, so the run goes on as the saved one would have. A truncated
  /// or corrupt file throws CheckpointError.
  void restore_checkpoint(checkpoint::Reader& r);
  void restore_checkpoint(std::istream& in);

  const char* kind() const override { return "scnvme::Controller"; }

 private:
  void bar0_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned bar0_transport_dbg(tlm::tlm_generic_payload& trans);
  void cfg_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned cfg_transport_dbg(tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  std::unique_ptr<detail::ControllerImpl> impl_;
};

}  // namespace scnvme
