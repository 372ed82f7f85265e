// scnvme::TraceSink — where a controller reports its internal activity over time, for waveform
// viewers (VcdWriter: gtkwave) and timeline viewers (PerfettoWriter: Perfetto / chrome://tracing).
//
//   scnvme::VcdWriter vcd("run.vcd");
//   nvme.attach_trace(vcd);      // before sc_start(): the controller declares its signals
//   sc_core::sc_start();
//   vcd.close();                 // (or its destructor) writes what is still buffered
//
// A signal is a named value over time. The controller declares every signal it may drive when
// the sink is attached (queues and interrupt vectors up to the configured limits, every NAND die
// and channel), so a waveform's variables are known before the first time step:
//   <controller>.sq<N>.entries, .cq<N>.entries   submission / completion queue occupancy
//   <controller>.slots.busy                      command slots holding a command
//   <controller>.dma.busy                        DMA engines moving data
//   <controller>.data_buffer.bytes               internal data buffer held by commands
//   <controller>.link.upstream, .downstream      PCIe link carrying TLPs (1 bit per direction)
//   <controller>.intx                            the legacy interrupt line
//   <controller>.interrupt.vector<N>             a pulse per interrupt message (MSI-X or MSI) on vector N
//   <controller>.flash.ch<C>.bus                 a NAND channel's bus busy
//   <controller>.flash.ch<C>.die<D>.array        a die's array operation (read, program, erase;
//                                                "gc ..." for garbage collection), D within channel C
//   <controller>.flash.write_buffer.units        write-buffer units holding host data
//
// Times are simulation times at or after sc_time_stamp() when the call is made: timed resources
// plan ahead (a link transfer is reserved when it is issued), so a change may arrive before its
// time and out of order with other changes. A sink orders them itself. A queue's occupancy rises
// when the tail doorbell takes effect (begin per entry) and falls when the SQE has arrived in a
// command slot (end at its arrival) or the CQE has been consumed (head doorbell).
#pragma once

#include <cstdint>
#include <string>

#include <systemc>

namespace scnvme {

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  /// Declares a signal `bits` wide under `path` (dot-separated scopes). Returns the handle the
  /// controller uses for its changes, or -1 when the sink does not want it (a filter): the
  /// controller then reports nothing for it.
  virtual int declare(const std::string& path, unsigned bits) = 0;
  /// The signal holds `value` from `at` on (a level or a count).
  virtual void set(int id, const sc_core::sc_time& at, uint64_t value) = 0;
  /// The signal's resource is busy in [begin, end) doing `what` (a static string: "read",
  /// "program", "TLP", ...). Its value is the number of such intervals overlapping (1 bit: busy).
  virtual void busy(int id, const sc_core::sc_time& begin, const sc_core::sc_time& end, const char* what) = 0;
  /// As busy(), for an interval whose end is not known when it starts: begin() opens one at `at`,
  /// end() closes the one opened first (a 1-bit resource has one open at a time).
  virtual void begin(int id, const sc_core::sc_time& at, const char* what) = 0;
  virtual void end(int id, const sc_core::sc_time& at) = 0;
};

}  // namespace scnvme
