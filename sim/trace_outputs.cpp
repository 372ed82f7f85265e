#include "trace_outputs.h"

#include <ostream>

namespace scnvme::sim {

TraceOutputs::TraceOutputs(const SimOptions& opt, Controller& nvme) : vcd_path_(opt.vcd_path), perfetto_path_(opt.perfetto_path) {
  if (!opt.vcd_path.empty()) {
    vcd_ = std::make_unique<VcdWriter>(opt.vcd_path, opt.vcd_signals);
    nvme.attach_trace(*vcd_);
  }
  if (!opt.perfetto_path.empty()) {
    perfetto_ = std::make_unique<PerfettoWriter>(opt.perfetto_path, opt.perfetto_max_bytes, nvme.name());
    nvme.attach_trace(*perfetto_);
    nvme.on_command_complete([p = perfetto_.get()](const CommandRecord& r) { p->command(r); });
  }
}

void TraceOutputs::close() {
  if (vcd_) vcd_->close();
  if (perfetto_) perfetto_->close();
}

void TraceOutputs::print(std::ostream& os) const {
  if (vcd_)
    os << "VCD: " << vcd_path_ << " (" << vcd_->signals() << " signals, " << vcd_->changes_written() << " changes)\n";
  if (perfetto_) {
    os << "Perfetto trace: " << perfetto_path_ << " (" << perfetto_->events_written() << " events, "
       << (perfetto_->bytes_written() >> 10) << " KiB";
    if (perfetto_->events_dropped())
      os << "; size cap reached: " << perfetto_->events_dropped() << " events left out, raise --perfetto_max_mb";
    os << ")\n";
  }
}

}  // namespace scnvme::sim
