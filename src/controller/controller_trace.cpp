// The controller's trace signals (scnvme/trace.h): declared per sink, then driven from the
// pipeline, doorbells, interrupt unit, link, DMA engines, buffers and the flash backend.
#include "controller/controller_impl.h"

namespace scnvme::detail {

namespace {
/// Queues declared per sink: the admin queue and up to this many I/O queues (a waveform with
/// thousands of idle variables helps nobody).
constexpr std::size_t kMaxTracedIoQueues = 1023;
constexpr std::size_t kMsiVectors = 32;
}  // namespace

void ControllerImpl::attach_trace(TraceSink& sink) {
  const std::string p = name + ".";
  const std::size_t queues = std::min<std::size_t>(cfg.max_io_queues, kMaxTracedIoQueues) + 1;
  trace.sq.resize(queues);
  trace.cq.resize(queues);
  for (std::size_t q = 0; q < queues; ++q) {
    trace.sq[q].declare(sink, p + "sq" + std::to_string(q) + ".entries", 32);
    trace.cq[q].declare(sink, p + "cq" + std::to_string(q) + ".entries", 32);
  }
  trace.slots.declare(sink, p + "slots.busy", 32);
  trace.dma.declare(sink, p + "dma.busy", 8);
  trace.data_buffer.declare(sink, p + "data_buffer.bytes", 40);  // up to the 4 GiB data_buffer_kib allows
  trace.link_up.declare(sink, p + "link.upstream", 1);
  trace.link_down.declare(sink, p + "link.downstream", 1);
  trace.intx.declare(sink, p + "intx", 1);
  trace.vectors.resize(cfg.pci.msix ? cfg.pci.msix_vectors : kMsiVectors);
  for (std::size_t v = 0; v < trace.vectors.size(); ++v)
    trace.vectors[v].declare(sink, p + "interrupt.vector" + std::to_string(v), 1);
  link.trace_to(&trace.link_up, &trace.link_down);
  dma.trace_to(&trace.dma);
  data_buffer.trace_to(&trace.data_buffer);
  if (flash) flash->attach_trace(sink, p + "flash");
}

}  // namespace scnvme::detail
