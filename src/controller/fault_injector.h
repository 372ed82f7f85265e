// The armed faults of one controller (scnvme/faults.h) and the choice of which commands and
// interrupt messages they hit. Pure bookkeeping with its own seeded generator: the controller asks
// it at a few hooks (SQE fetched, interrupt message raised, a command failed) and does the rest
// itself (controller/faults.cpp). Nothing armed costs one branch per hook.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include <systemc>

#include "scnvme/checkpoint.h"
#include "scnvme/faults.h"
#include "scnvme/spec/nvme_command.h"

namespace scnvme::detail {

class FaultInjector {
 public:
  explicit FaultInjector(uint64_t seed);

  /// Arms a fault and returns its id (the index in FaultStats::fired). ConfigError ("fault.<key>")
  /// for a bad field.
  std::size_t add(const CommandFailure& f);
  std::size_t add(const CommandDelay& d);
  std::size_t add(const InterruptDrop& d);
  std::size_t add(const MediaError& m);
  /// An id for a fault applied at once (spurious interrupt, fatal status, removal).
  std::size_t add_immediate();

  /// What happens to a command just fetched.
  struct Verdict {
    enum class Kind : uint8_t { None, Fail, Delay } kind = Kind::None;
    spec::Status status;                         // Fail
    sc_core::sc_time delay;                      // Delay
    bool never = false;                          // Delay forever
    std::size_t id = 0;
  };
  bool commands_armed() const { return commands_armed_; }
  Verdict select(uint16_t sqid, uint8_t opcode, uint32_t nsid);

  /// True when the next message of `vector` is to be dropped (the drop is counted).
  bool interrupts_armed() const { return interrupts_armed_; }
  bool drop_message(uint16_t vector, std::size_t& id);

  /// The MediaError range holding `lba` of `nsid` (its id), counted as fired; false when none.
  bool media_armed() const { return !media_.empty(); }
  bool media_hit(uint32_t nsid, uint64_t lba, std::size_t& id);

  void fired(std::size_t id) { ++stats_.fired.at(id); }
  FaultStats& stats() { return stats_; }
  const FaultStats& stats() const { return stats_; }

  /// Faults still armed (a checkpoint does not hold them).
  bool any_armed() const { return !commands_.empty() || !drops_.empty() || !media_.empty(); }
  /// Generator, counts and the removal flag (armed faults are not saved: see any_armed()).
  void persist(checkpoint::Archive& a);

  /// Surprise removal: BAR0 and configuration reads return all ones, nothing leaves the device.
  bool removed = false;
  /// Commands held by a CommandDelay, and the event that makes them look again (an admin command,
  /// which may be an Abort or a Delete I/O SQ naming them, is about to execute).
  unsigned held = 0;
  sc_core::sc_event wake;

 private:
  struct CommandRule {
    CommandMatch match;
    uint32_t left;       // 0: unlimited
    bool unlimited;
    double probability;
    Verdict verdict;
  };
  struct DropRule {
    InterruptDrop drop;
    uint32_t left;
    bool unlimited;
    std::size_t id;
  };
  std::size_t next_id();
  bool draw(double probability);
  void refresh();

  std::mt19937_64 rng_;
  std::vector<CommandRule> commands_;
  std::vector<DropRule> drops_;
  std::vector<std::pair<MediaError, std::size_t>> media_;
  bool commands_armed_ = false;
  bool interrupts_armed_ = false;
  FaultStats stats_;
};

}  // namespace scnvme::detail
