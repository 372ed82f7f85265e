// One NAND operation as the caller submits it to FlashArray: the request, where the caller wants
// to hear of its completion, and the stage timestamps the array fills in. The caller owns the
// object and keeps it alive (and unchanged) from submit() until its completion.
//
// Operations
// - Read: the page at `addr` (or the same block/page index on every plane of `plane_mask`);
//   `bytes` per plane are transferred out and decoded (0 = the whole page).
// - Program: the word line containing `addr.page` (all its pages: bits per cell of them, one in
//   a pSLC block), on each plane of the mask. Data in first, then one tPROG.
// - Erase: the block `addr.block` on each plane of the mask.
#pragma once

#include <cstdint>
#include <functional>

#include <systemc>

#include "backend/nand/nand_geometry.h"

namespace scnvme::nand {

enum class NandOp : uint8_t { Read, Program, Erase };

/// When each stage happened. For a program, the transfer is the data in (before the array
/// phase); for a read the data out (after it). array_end includes any suspension.
struct NandTimestamps {
  sc_core::sc_time submitted, started, array_start, array_end, transfer_start, transfer_end, done;
};

namespace detail {
/// The engine's bookkeeping inside a transaction; only FlashArray touches it.
enum class Stage : uint8_t {
  Idle, Queued, WaitToken, Command, Array, WaitRegister, DataOut, DataIn, WaitArray, Poll,
  Suspending, Suspended, Done
};
struct EngineState {
  Stage stage = Stage::Idle;
  uint32_t die = 0;                // global die index
  uint32_t planes = 1;             // planes taking part
  uint32_t bytes_per_plane = 0;    // read: data out per plane
  bool in_suspension = false;      // a read served while its die's program/erase is suspended
  sc_core::sc_time remaining;      // array time left of a suspended program/erase
  uint32_t power_epoch = 0;        // the array's power epoch at submission (power_loss() ends it)
};
}  // namespace detail

struct NandTransaction {
  // --- Request (set by the caller) --------------------------------------------------------------
  NandOp op = NandOp::Read;
  NandAddress addr;
  uint32_t plane_mask = 0;   // planes of a multi-plane operation (bit p = plane p); 0 = addr.plane only
  uint32_t bytes = 0;        // read: bytes per plane transferred out, 1..page_bytes (0 = the page)
  bool slc = false;          // the block is in pSLC mode (pSLC timings, one page per word line)
  uint32_t pe_cycles = 0;    // the block's wear, for the read retry probability
  bool background = false;   // background work (garbage collection, folding): queued behind
                             // host work of the same class by the default scheduler
  uint32_t retry_limit = UINT32_MAX;  // read: retries allowed (Limited Retry); more needed: uncorrectable
  /// Called from the array's SC_METHOD when the NAND part is over: must not wait; may submit new
  /// transactions. A read's data has then left the die; its ECC decode ends at time.done, which
  /// may be later (the transaction may be submitted again at once all the same).
  std::function<void(NandTransaction&)> on_done;
  /// Notified at time.done (a delta after on_done when that is now).
  sc_core::sc_event* done_event = nullptr;
  uint64_t tag = 0;          // free for the caller

  // --- Results (set by the array) ----------------------------------------------------------------
  NandTimestamps time;
  uint32_t retries = 0;      // read retries (drawn at submission)
  bool uncorrectable = false;  // read: needed more retries than retry_limit (ends after the limit)
  uint32_t suspends = 0;     // times this program/erase was suspended

  sc_core::sc_time latency() const { return time.done - time.submitted; }

  detail::EngineState engine;  // private to FlashArray
};

}  // namespace scnvme::nand
