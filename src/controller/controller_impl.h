// The controller's internal state and behaviour. ControllerImpl composes the parts (register
// table, configuration space, MSI-X table, DMA port, timed actions, queues, command slots) and its
// behaviour is split by concern across files:
//   controller_impl.cpp   construction, socket access paths, resets
//   nvme_registers.cpp    the BAR0 register table, CC/CSTS state machine, doorbells
//   command_pipeline.cpp  arbitration + SQE fetch, command slots, CQE posting
//   interrupt_unit.cpp    MSI-X / MSI / INTx signalling
//   faults.cpp            injected faults (scnvme/faults.h; the choices in fault_injector.h)
//   admin/*.cpp           admin command set
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "backend/flash/flash_backend.h"
#include "backend/namespace_media.h"
#include "controller/arbiter.h"
#include "controller/async_events.h"
#include "controller/command.h"
#include "controller/controller_trace.h"
#include "controller/data_buffer.h"
#include "controller/diagnostics.h"
#include "controller/dma_port.h"
#include "controller/error_log.h"
#include "controller/fault_injector.h"
#include "controller/interrupt_coalescing.h"
#include "controller/msix_table.h"
#include "controller/namespace_table.h"
#include "controller/pci_config_space.h"
#include "controller/power_states.h"
#include "controller/prp_walker.h"
#include "controller/sgl_walker.h"
#include "controller/queues.h"
#include "controller/register_file.h"
#include "controller/thermal_model.h"
#include "controller/timed_actions.h"
#include "scnvme/config.h"
#include "scnvme/controller.h"
#include "scnvme/spec/nvme_command.h"

namespace scnvme::detail {

/// Current values of the features the controller implements (Get/Set Features).
struct FeatureState {
  uint32_t arbitration = 0;          // AB/LPW/MPW/HPW
  uint32_t power_management = 0;     // PS/WH
  uint16_t temperature_over = 0;     // composite over-temperature threshold (K)
  uint16_t temperature_under = 0;    // composite under-temperature threshold (K)
  uint32_t error_recovery = 0;       // TLER
  bool write_cache = true;           // WCE
  uint16_t nsqa = 0, ncqa = 0;       // allocated I/O queues, 0-based
  uint32_t coalescing = 0;           // THR/TIME
  std::vector<bool> no_coalescing;   // CD per interrupt vector
  uint32_t async_event_config = 0;
  uint32_t keep_alive_timeout_ms = 0;  // KATO, rounded up to the KAS granularity; 0 = timer off
  // Timestamp (0Eh): the value the host set (or 0 at the last Controller Level Reset), when, and
  // its origin (admin/timestamp.cpp).
  uint64_t timestamp_ms = 0;
  sc_core::sc_time timestamp_at;
  uint8_t timestamp_origin = 0;
  std::array<uint8_t, 512> host_behavior{};  // Host Behavior Support (16h)
};

/// Counters behind the SMART / Health Information log.
struct HealthCounters {
  uint64_t read_512_units = 0;       // data read by host commands, in 512-byte units
  uint64_t written_512_units = 0;
  uint32_t io_outstanding = 0;       // I/O commands executing (for busy time)
  sc_core::sc_time busy_since;
  uint64_t host_read_commands = 0;
  uint64_t host_write_commands = 0;
  uint64_t busy_time_ns = 0;         // time with I/O commands outstanding
  uint64_t power_cycles = 1;
  uint64_t unsafe_shutdowns = 0;
  uint64_t media_errors = 0;
};

/// Firmware slots and the image being downloaded (admin/firmware.cpp). Slots are non-volatile:
/// they survive every reset and power loss; the download buffer does not survive a reset.
struct FirmwareState {
  /// The reset that activates a committed image (ordered: a reset activates what needs it or less).
  enum class Reset : uint8_t { Controller = 0, Conventional = 1, Subsystem = 2, PowerCycle = 3 };
  struct Slot {
    std::string revision;           // FRS, space padded to 8 characters; empty: no image
    Reset needs = Reset::Controller;
    bool immediate = true;          // may be activated without a reset (Commit Action 011b)
  };
  std::array<Slot, 8> slots;        // [1..7]
  std::string running;              // revision of the executing image (Identify FR)
  uint8_t active = 1;               // AFI bits 2:0: the slot the running image came from
  uint8_t next = 0;                 // AFI bits 6:4: activated at the next qualifying reset (0: none)
  uint8_t last_committed = 0;       // chosen by an activation with Firmware Slot 0
  std::vector<uint8_t> download;    // pieces received since the last commit or reset
  std::map<uint64_t, uint64_t> pieces;  // byte ranges of `download` received: begin -> end
  bool activating = false;          // an activation without reset is pausing command processing
};

/// Device self-test state (admin/self_test.cpp).
struct SelfTestState {
  struct Result {
    uint8_t status = 0;             // code (7:4) and result (3:0)
    uint64_t power_on_hours = 0;
  };
  uint8_t current = 0;              // 0: none, 1h short, 2h extended
  uint32_t nsid = 0;                // the command's NSID (0, FFFFFFFFh or an active namespace)
  sc_core::sc_time started, duration;
  uint64_t generation = 0;          // bumped by every start, abort and reschedule: older ends are void
  std::deque<Result> results;       // newest first, at most 20
};

/// Marks a reused payload object in use for the lifetime of a transport call.
class PayloadClaim {
 public:
  PayloadClaim(bool& busy, bool claim) : busy_(claim ? &busy : nullptr) {
    if (busy_) *busy_ = true;
  }
  ~PayloadClaim() {
    if (busy_) *busy_ = false;
  }
  PayloadClaim(const PayloadClaim&) = delete;
  PayloadClaim& operator=(const PayloadClaim&) = delete;

 private:
  bool* busy_;
};

/// Timer kinds of the timed actions (timed_actions.h), re-created by a checkpoint restore.
constexpr uint8_t kTimerKeepAlive = 1;   // a = generation, b = epoch
constexpr uint8_t kTimerCoalescing = 2;  // a = vector, b = epoch
constexpr uint8_t kTimerSelfTest = 3;    // a = generation

struct InterruptMessage {
  uint64_t address;
  uint32_t data;
  sc_core::sc_time send_at;  // when it leaves the device (after generation and the link)
  uint16_t vector;           // MSI-X table entry, or MSI message number
};

class ControllerImpl {
 public:
  ControllerImpl(Controller& owner, const ControllerConfig& cfg);

  // --- access paths from the sockets (controller_impl.cpp) ---
  void bar0_access(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned bar0_debug(tlm::tlm_generic_payload& trans);
  void cfg_access(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned cfg_debug(tlm::tlm_generic_payload& trans);

  // --- resets and state changes (controller_impl.cpp, nvme_registers.cpp) ---
  void enable_controller();
  void controller_reset();
  void subsystem_reset();
  void function_level_reset();
  /// Controller, registers, configuration space and MSI-X back to reset values; a Function Level
  /// Reset (conventional = false) keeps the link-level state of the configuration space.
  void reset_function(bool conventional);
  void start_shutdown();
  /// CSTS.CFS set: not ready, fetching stops, the commands in flight never complete, messages
  /// on their way are dropped; a Controller Level Reset (or power loss) clears it.
  void enter_fatal_status();
  /// Sets CSTS.CFS because of a host mistake of `kind` (reported as a guest error).
  void controller_fatal(GuestError kind, const std::string& subject, uint64_t value, const std::string& why);

  // --- diagnostics (controller_diagnostics.cpp; the catalogue in diagnostics.cpp) ---
  /// A host mistake: counted in stats.guest_errors and reported by Diagnostics' rule.
  void guest_error(GuestError kind, const std::string& subject, uint64_t value, const std::string& what);
  /// Reports enabled trace point `p` at now + delay (through `actions` when later than now).
  void trace_at(TracePoint p, const sc_core::sc_time& delay, std::string text);
  /// The queues that exist, for Controller::queues() / queue().
  std::vector<QueueInfo> queue_infos() const;
  std::optional<QueueInfo> queue_info(bool submission, uint16_t id) const;
  /// The name of what is at BAR0 `offset`: "CC", "CAP+4", "SQ1TDBL", "MSI-X entry 3+8", ...
  std::string bar0_name(uint32_t offset) const;
  /// "SQ1" / "CQ1" for a doorbell offset ("BAR0" between strided doorbells).
  std::string doorbell_subject(uint32_t offset) const;
  /// Width and byte-enable rules of a register access (carried out either way).
  void check_register_access(uint32_t offset, unsigned len, const uint8_t* be, unsigned be_len, bool is_write);
  /// RegisterFile::on_ignored_write: read-only registers, reserved bits and offsets.
  void register_write_ignored(const RegisterSpec* reg, uint32_t offset, uint64_t written, uint64_t ignored);
  /// CC written while an enable or reset is still in progress (CSTS.RDY != CC.EN).
  void check_cc_write(uint32_t old_value, uint32_t new_value);
  /// An I/O queue was created (trace point, memory overlap check) or is being deleted.
  void queue_created(bool is_cq, uint16_t qid);
  void queue_deleted(bool is_cq, uint16_t qid);
  /// A command completes with PRP Offset Invalid: the guest error with the offending entry.
  void prp_offset_invalid(const Command& cmd);
  void trace_register(uint32_t offset, const uint8_t* data, unsigned len, bool is_write, const sc_core::sc_time& delay);
  void trace_config(uint32_t offset, const uint8_t* data, unsigned len, bool is_write, const sc_core::sc_time& delay);
  void trace_fetched(const Command& cmd);
  void trace_completed(const Command& cmd);
  void trace_message(uint64_t address, uint32_t data, uint16_t vector, const sc_core::sc_time& send_at);

  // --- BAR0 registers (nvme_registers.cpp) ---
  void build_registers();
  void on_cc_write(uint32_t old_value, uint32_t new_value);
  void on_doorbell_write(uint32_t offset, uint32_t value);
  void apply_doorbell(uint16_t qid, bool is_cq, uint32_t value);
  uint32_t csts() const;
  void set_csts_bits(uint32_t mask, bool on);

  // --- checkpoints (controller/checkpoint.cpp; scnvme/checkpoint.h) ---
  /// Why the controller is not at a quiescent point ("" when it is): a command in a slot or an
  /// SQ, a CQE or interrupt on its way, a pending register side effect, ...
  std::string quiescence_blocker() const;
  void save_checkpoint(checkpoint::Writer& w);
  void restore_checkpoint(checkpoint::Reader& r);
  /// Everything saved, described once for both directions (the media and the flash backend too).
  void persist(checkpoint::Archive& a);
  std::function<void()> make_timer(const Timer& t);

  // --- pipeline (command_pipeline.cpp) ---
  void start_threads();
  void fetch_thread();
  void slot_thread(unsigned index);
  bool stale(const Command& cmd) const { return cmd.epoch != epoch; }
  void complete(Command& cmd);
  /// What on_command_fetched / on_command_complete callbacks get (the fields known at fetch).
  CommandRecord record_of(const Command& cmd) const;
  /// Prefetches the FTL mapping entry of a fetched Read's first block (flash backend).
  void prefetch_mapping(const Command& cmd);
  void release(Command& cmd);
  uint64_t page_size() const;
  /// Holds `bytes` of the internal data buffer for the command (waiting in line when it is
  /// exhausted); false when the command went stale meanwhile.
  bool hold_buffer(Command& cmd, uint64_t bytes);
  /// Moves `len` bytes between host memory described by the command's data pointer (PRPs or an
  /// SGL, by PSDT) and `buf`.
  spec::Status transfer(Command& cmd, uint8_t* buf, uint64_t len, bool to_host);
  spec::Status move_segments(Command& cmd, const std::vector<DmaSegment>& segments, uint8_t* buf, bool to_host);

  // --- interrupts (interrupt_unit.cpp) ---
  unsigned interrupt_vectors() const;  // vectors usable by completion queues in the current mode
  void signal_vector(uint16_t vector);
  void deliver_pending_msix();
  void deliver_pending_msi();
  void update_intx();
  void drive_intx();
  void interrupt_thread();
  void queue_message(uint64_t address, uint32_t data, uint16_t vector);
  void send_message(const InterruptMessage& m);
  /// Set while a slot thread signals its completion: messages may be sent from that thread.
  bool messages_from_thread = false;
  tlm::tlm_generic_payload message_payload;
  bool message_payload_busy = false;
  bool message_leaving = false;  // the interrupt thread holds a message until its send time

  // --- interrupt coalescing (interrupt_coalescing.cpp) ---
  /// Entry point after a CQE was posted to `cqid` (with interrupts enabled): signals its vector now
  /// or aggregates the entry by the Interrupt Coalescing and Interrupt Vector Configuration features.
  void completion_posted(uint16_t cqid, uint16_t vector);
  /// Signals every vector holding aggregated entries (coalescing settings changed).
  void flush_coalescing();
  void coalescing_timer(uint16_t vector, uint64_t for_epoch);
  VectorAggregation& aggregation(uint16_t vector);

  // --- fault injection (faults.cpp; scnvme/faults.h) ---
  /// Marks the range unreadable (ConfigError for a namespace or range that does not exist).
  std::size_t inject_media(const MediaError& m);
  /// An SQE was fetched while command faults are armed: fails it, or marks it to be held.
  void fault_on_fetch(Command& cmd);
  /// Holds a command marked by fault_on_fetch until its delay ends, an Abort names it or its SQ is
  /// being deleted; false when a reset made it stale meanwhile.
  bool fault_hold(Command& cmd);
  /// A command failed with Unrecovered Read Error: counts it if an injected range caused it.
  void fault_media_hit(const Command& cmd);
  /// True when an armed InterruptDrop swallows this message of `vector`.
  bool fault_drop_message(uint16_t vector);
  void send_spurious_interrupt(uint16_t vector);
  void raise_fatal_status();
  void surprise_remove();
  /// BAR0 / configuration accesses after a surprise removal: reads return all ones, writes vanish.
  void removed_access(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned removed_debug(tlm::tlm_generic_payload& trans);
  /// Logs a fault that fired (scnvme/fault, trace point fault.injected).
  void fault_report(std::size_t id, const std::string& text);

  // --- NVM command set (nvm/*.cpp) ---
  void execute_io(Command& cmd);
  NamespaceMedia* namespace_media(uint32_t nsid);
  bool write_cache_enabled() const;
  /// Moves the command's separate metadata (MPTR) between host memory and `buf`.
  spec::Status transfer_metadata(Command& cmd, uint8_t* buf, uint64_t len, bool to_host);
  /// Power lost: volatile data dropped, the controller and its function back to power-on state.
  void power_loss();

  // --- admin command set (admin/*.cpp) ---
  void execute_admin(Command& cmd);
  void admin_identify(Command& cmd);
  void admin_create_cq(Command& cmd);
  void admin_create_sq(Command& cmd);
  void admin_delete_cq(Command& cmd);
  void admin_delete_sq(Command& cmd);
  void admin_get_features(Command& cmd);
  void admin_set_features(Command& cmd);
  void admin_get_log_page(Command& cmd);
  void admin_async_event_request(Command& cmd);
  void admin_abort(Command& cmd);
  // --- Doorbell Buffer Config (admin/doorbell_buffer.cpp) ---
  void admin_doorbell_buffer_config(Command& cmd);
  uint64_t dbbuf_entry(uint16_t qid, bool is_cq) const;
  bool read_shadow_doorbell(uint16_t qid, bool is_cq, uint32_t& value);
  void write_event_index(uint16_t qid, bool is_cq, uint32_t value);
  /// Picks up I/O SQ tails the host wrote only to the shadow buffer and arms EventIdx (from the
  /// fetcher, before it sleeps); true when an SQ has entries to fetch now.
  bool poll_shadow_doorbells();
  /// A full I/O CQ: picks up a head the host wrote only to the shadow buffer, arming EventIdx.
  void refresh_cq_head(uint16_t cqid);
  /// Reports an asynchronous event through an outstanding Asynchronous Event Request (now, or when
  /// one arrives); SMART/health and notice events only when Feature 0Bh enables them.
  void post_async_event(uint8_t type, uint8_t info, uint8_t log_page);
  /// SMART / health state (admin/health.cpp): the composite temperature, the Critical Warning
  /// bits, and the events a change in them raises.
  /// The thermal model brought up to now (thermal_model.h).
  uint16_t composite_temperature_k();
  uint8_t critical_warning();
  /// SMART endurance figures: from the flash backend's wear, else 100 % spare and 0 % used.
  uint8_t available_spare() const;
  uint8_t percentage_used() const;
  void check_health();
  /// While the temperature moves, check_health() runs every quarter time constant (at least every
  /// 100 us apart) so threshold crossings are reported without a host read; stops once settled.
  void thermal_watch();
  bool thermal_watching = false;
  /// The thermal watch's own timer: a far-future entry among the short-lived timed actions would
  /// make every earlier one re-notify their event and leave a dead entry in the kernel's queue.
  sc_core::sc_event thermal_timer;
  sc_core::sc_time thermal_due;  // when thermal_timer fires (while thermal_watching)
  /// Power management (power_states.h): called by a slot thread when an I/O command starts
  /// executing; returns the exit latency when that leaves a non-operational power state, and starts
  /// the thermal watch if I/O resumes while it is idle.
  sc_core::sc_time io_start_cost();
  /// Enters power state `ps` (Feature 02h, a reset): the clock follows; returns the entry latency.
  sc_core::sc_time enter_power_state(unsigned ps);
  /// Keep Alive (5.25, 3.9): (re)starts the Keep Alive timer from now; its expiry is fatal.
  void restart_keep_alive();
  void keep_alive_expired(uint64_t generation, uint64_t for_epoch);
  void aer_thread();
  FeatureState default_features() const;
  /// Timestamp (Feature 0Eh) and Host Behavior Support (16h), which move data (admin/timestamp.cpp).
  void get_timestamp(Command& cmd, const FeatureState& f);
  void set_timestamp(Command& cmd);
  void get_host_behavior(Command& cmd, const FeatureState& f);
  void set_host_behavior(Command& cmd);
  /// Commands Supported and Effects entries (0: not supported), and the whole log page.
  static uint32_t admin_command_effects(uint8_t opcode, const ControllerConfig& cfg);
  static uint32_t io_command_effects(uint8_t opcode);
  std::vector<uint8_t> command_effects_log() const;
  void reset_features();
  bool namespace_active(uint32_t nsid) const;

  // --- Namespace Management / Attachment (admin/namespace_management.cpp), Format NVM
  // (admin/format_nvm.cpp) ---
  void admin_namespace_management(Command& cmd);
  void admin_namespace_attachment(Command& cmd);
  void admin_format_nvm(Command& cmd);
  /// The namespace's attributes changed for this controller: it joins the Changed Namespace List
  /// and a Namespace Attribute Changed notice is posted (when Feature 0Bh enables it).
  void namespace_changed(uint32_t nsid);
  /// Namespace hot-plug by the platform (Controller::add_namespace & co.): false when the NVM
  /// subsystem's state refuses the request; ConfigError for a bad configuration.
  bool hotplug_add(const NamespaceConfig& config);
  bool hotplug_remove(uint32_t nsid);
  bool hotplug_resize(uint32_t nsid, uint64_t size_bytes);

  // --- Firmware update (admin/firmware.cpp) and Device Self-test (admin/self_test.cpp) ---
  // Firmware Image Download / Firmware Commit (5.13, 5.12) with the slots, pending activation and
  // activation without reset (CSTS.PP); the Firmware Slot Information log. Device Self-test
  // (5.9): short and extended operations running in the background on `actions`, their log.
  void admin_firmware_download(Command& cmd);
  void admin_firmware_commit(Command& cmd);
  void init_firmware();
  /// A reset of `scope` happened: the download is discarded; a pending image that needs no more
  /// than this reset becomes the running one.
  void firmware_reset(FirmwareState::Reset scope);
  std::vector<uint8_t> firmware_slot_log() const;
  void admin_device_self_test(Command& cmd);
  /// A Controller Level Reset: a short operation is aborted; an extended one goes on.
  void self_test_reset();
  void self_test_finished(uint64_t generation);
  void self_test_record(uint8_t result);
  std::vector<uint8_t> self_test_log() const;
  FirmwareState firmware;
  sc_core::sc_event firmware_activated;  // an activation without reset ended (or a reset ended it)
  SelfTestState self_test;

  Controller& owner;
  const ControllerConfig cfg;
  const std::string name;
  std::string subnqn;
  sc_core::sc_time clock;             // period in the current power state
  sc_core::sc_time base_clock;        // period at full speed (timing.clock_mhz)
  sc_core::sc_time cycles(uint64_t n) const { return clock * static_cast<double>(n); }
  std::mt19937_64 rng;

  RegisterFile regs;
  PciConfigSpace pci;
  MsixTable msix;
  TimedActions actions;
  PcieLink link;
  DmaPort dma;
  DataBuffer data_buffer;
  ErrorLog errors;
  SglLimits sgl_limits;               // what Identify SGLS advertises and how far SGLs are walked
  FeatureState features;
  /// Saved values (Set Features with SV = 1) of the saveable features: NVM subsystem state that
  /// every reset and power loss restores as the current values.
  FeatureState saved_features;
  ThermalModel thermal;
  PowerStates power;
  HealthCounters health;
  ControllerStats stats;
  Diagnostics diag{name};             // trace-point filter and guest-error counts (kept over resets)
  FaultInjector faults{cfg.seed};     // armed faults (kept over resets; power loss ends a removal)
  sc_core::sc_time slots_busy;        // summed slot occupancy (fetch issued to slot freed)
  std::size_t busy_slots = 0;         // slots not Free

  /// The allocated namespaces: state, configuration and media store of each (namespace_table.h).
  NamespaceTable namespaces;
  /// NAND under an FTL timing the media (null: memory speed); nvm/flash_io.cpp uses it.
  std::unique_ptr<FlashBackend> flash;
  std::vector<std::unique_ptr<FlashWait>> slot_flash;  // per command slot
  FlashWait& flash_wait(const Command& cmd) { return *slot_flash.at(slot_index(cmd)); }
  std::vector<SubmissionQueue> sqs;   // index = queue id; 0 = admin
  std::size_t sq_id_limit = 1;        // above every SQ id created so far (arbitration scans below it)
  std::vector<CompletionQueue> cqs;
  std::vector<Command> slots;
  std::vector<uint32_t> free_slot_list;  // indices of Free slots (the fetcher takes the last one)
  /// Command arbitration (3.4.4), chosen by CC.AMS at enable; fetch_thread asks it for each grant.
  std::unique_ptr<Arbiter> arbiter = std::make_unique<RoundRobinArbiter>();
  /// Per-slot data and metadata buffers, reused from command to command (no allocation or zeroing
  /// on the I/O path once warm).
  std::vector<std::vector<uint8_t>> slot_data, slot_metadata;
  std::vector<std::vector<DmaSegment>> slot_segments;
  /// The command's slot's segment list (a parked AER is not in a slot: it gets a spare list).
  std::vector<DmaSegment>& segment_buffer(const Command& cmd) {
    const std::size_t i = slot_index(cmd);
    return i < slot_segments.size() ? slot_segments[i] : spare_segments;
  }
  std::vector<DmaSegment> spare_segments;
  /// The slot a command occupies (a parked AER copy occupies none: slots.size()).
  std::size_t slot_index(const Command& cmd) const {
    const std::less<const Command*> before;
    if (before(&cmd, slots.data()) || !before(&cmd, slots.data() + slots.size())) return slots.size();
    return static_cast<std::size_t>(&cmd - slots.data());
  }
  std::vector<uint8_t>& data_storage(const Command& cmd) { return slot_data.at(slot_index(cmd)); }
  std::vector<uint8_t>& metadata_storage(const Command& cmd) { return slot_metadata.at(slot_index(cmd)); }
  std::vector<std::unique_ptr<sc_core::sc_event>> slot_events;
  std::vector<uint32_t> changed_namespaces;  // NSIDs changed since the Changed Namespace List was read
  std::vector<Command> parked_aers;   // outstanding Asynchronous Event Requests
  AsyncEvents async_events;           // events waiting for a request, and the masked types
  sc_core::sc_event aer_work;         // an event was posted, a request parked or a log read
  unsigned aborts_in_flight = 0;
  struct DoorbellBuffers {
    bool enabled = false;
    uint64_t shadow = 0, eventidx = 0;  // bus addresses (page aligned)
  } dbbuf;
  uint64_t keep_alive_generation = 0;  // bumped by every restart: older expiry checks are void

  uint64_t epoch = 0;                 // bumped by every reset: older commands are stale
  bool ready = false;                 // CSTS.RDY and not failed: fetching allowed
  bool shutting_down = false;
  bool io_queues_exist = false;       // Number of Queues may not change after this
  uint32_t intms = 0;                 // INTMS/INTMC mask (MSI and INTx)
  std::vector<bool> msi_pending;      // per MSI vector, held while masked by INTMS
  CoalescingState coalescing;         // per-vector aggregation (stale once `epoch` moves on)
  bool intx_level = false;
  sc_core::sc_time last_message_at;   // when the last interrupt message queued will leave
  sc_core::sc_time access_delay;      // annotated delay of the BAR0 access being applied

  sc_core::sc_event fetch_wakeup;     // the fetcher may have work: doorbell, slot freed, ready,
                                      // Bus Master Enable set, reset, data buffer line moved
  sc_core::sc_event cq_space_event;   // a CQ head doorbell freed entries
  sc_core::sc_event cqe_landed_event; // a CQE landed while another, claimed later, waited for it
  unsigned cqe_landing_waiters = 0;
  sc_core::sc_event slot_done_event;  // a command of an SQ being deleted left its slot
  sc_core::sc_event reset_event;      // a reset made in-flight commands stale
  sc_core::sc_event bus_master_event; // Bus Master Enable was set
  sc_core::sc_event message_event;
  sc_core::sc_event intx_changed;
  std::deque<InterruptMessage> messages;

  /// Trace signals (controller_trace.cpp): declared to every sink attached.
  void attach_trace(TraceSink& sink);
  ControllerTrace trace;

  std::function<void(uint64_t, bool)> bar0_changed;
  std::vector<std::function<void(const CommandRecord&)>> command_completed;
  std::vector<std::function<void(const CommandRecord&)>> command_fetched;
  uint64_t queue_serial = 0;  // queues created so far (QueueInfo::serial)
  unsigned aers_completing = 0;  // Asynchronous Event Requests taken out of parked_aers, CQE not yet posted
};

}  // namespace scnvme::detail
