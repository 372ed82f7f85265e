// scnvme::PerfettoWriter — a TraceSink writing the Chrome trace-event JSON format, which Perfetto
// (ui.perfetto.dev) and chrome://tracing open.
//
// - Commands (command(), fed from Controller::on_command_complete): one async slice per command
//   ("Read sq1 cid 5") from its doorbell to its CQE (or interrupt), with its stages as child
//   slices: "fetch" (doorbell -> SQE in a slot), "execute" (-> data moved), "post" (-> CQE
//   written), "interrupt" (-> message sent, when one went out for it).
// - 1-bit busy signals (a die's array, a channel's bus, a link direction): slices named by what
//   the resource did, on one track per signal.
// - Wider busy signals (DMA engines): async slices, which may overlap, on the signal's track.
// - Levels and counts (queue occupancy, slots, buffers): counter tracks, written in time order
//   once simulation time has passed them.
// Other events are written as they come (viewers sort them). With a size cap the file stops
// growing at the cap (later events are counted, not written; slices open on a track still get
// their end) and stays valid JSON.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "scnvme/controller.h"
#include "scnvme/trace.h"

namespace scnvme {

namespace detail {
class ChangeOrder;
}

class PerfettoWriter : public TraceSink {
 public:
  /// Opens `path` (std::runtime_error if it cannot be written); `max_bytes` = 0: no cap.
  explicit PerfettoWriter(const std::string& path, uint64_t max_bytes = 0, const std::string& process = "scnvme");
  ~PerfettoWriter() override;
  PerfettoWriter(const PerfettoWriter&) = delete;
  PerfettoWriter& operator=(const PerfettoWriter&) = delete;

  int declare(const std::string& path, unsigned bits) override;
  void set(int id, const sc_core::sc_time& at, uint64_t value) override;
  void busy(int id, const sc_core::sc_time& begin, const sc_core::sc_time& end, const char* what) override;
  void begin(int id, const sc_core::sc_time& at, const char* what) override;
  void end(int id, const sc_core::sc_time& at) override;
  /// One completed command with its stages.
  void command(const CommandRecord& r);

  /// Ends the JSON document and closes the file; the destructor calls it.
  void close();
  uint64_t events_written() const { return events_; }
  uint64_t events_dropped() const { return dropped_; }
  uint64_t bytes_written() const { return bytes_; }

 private:
  struct Signal {
    std::string path;
    unsigned bits;
    unsigned track;  // thread id of its track
    bool open;       // 1 bit: a begin() was written and its end() is due
  };
  /// Writes one event object (without the separator); false if the cap drops it. `force`: the
  /// end of a slice already written goes in even past the cap (at most one per track).
  bool emit(const std::string& event, bool force = false);
  void name_track(unsigned tid, const std::string& name);
  /// Writes the counter values before `limit` (time-resolution units).
  void flush_counters(uint64_t limit);
  bool valid(int id) const { return id >= 0 && static_cast<std::size_t>(id) < signals_.size(); }

  std::FILE* out_ = nullptr;
  uint64_t max_bytes_;
  uint64_t bytes_ = 0, events_ = 0, dropped_ = 0;
  uint64_t next_async_id_ = 1;
  std::vector<Signal> signals_;
  std::unique_ptr<detail::ChangeOrder> counters_;
  std::string process_;
  bool first_ = true;
};

}  // namespace scnvme
