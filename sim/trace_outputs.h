// scnvme-sim's trace files: the VCD waveform (--vcd) and the Perfetto trace (--perfetto) of the
// first controller, attached before simulation starts and closed after it.
#pragma once

#include <iosfwd>
#include <memory>

#include "options.h"
#include "scnvme/controller.h"
#include "scnvme/perfetto_writer.h"
#include "scnvme/vcd_writer.h"

namespace scnvme::sim {

class TraceOutputs {
 public:
  /// Opens the files `opt` names and attaches them to `nvme`; std::runtime_error if one cannot
  /// be written.
  TraceOutputs(const SimOptions& opt, Controller& nvme);
  /// Writes what is buffered and closes the files.
  void close();
  /// One line per file written, for the summary.
  void print(std::ostream& os) const;
  const VcdWriter* vcd() const { return vcd_.get(); }
  const PerfettoWriter* perfetto() const { return perfetto_.get(); }

 private:
  std::string vcd_path_, perfetto_path_;
  std::unique_ptr<VcdWriter> vcd_;
  std::unique_ptr<PerfettoWriter> perfetto_;
};

}  // namespace scnvme::sim
