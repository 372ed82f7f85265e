// --timeseries: the run's counted completions as a CSV of fixed intervals, per job and in total.
//   time_s,job,read_iops,write_iops,read_bytes_per_s,write_bytes_per_s,lat_mean_ns,lat_p99_ns
// time_s is the interval's end, in simulated seconds from the start of the measured period; one
// row per interval (empty intervals included) for each job, then the rows of job "all".
#pragma once

#include <iosfwd>
#include <string>

#include "statistics.h"
#include "workload.h"

namespace scnvme::sim {

/// The header line (without newline).
extern const char* const kTimeseriesHeader;

void write_timeseries(std::ostream& os, const RunResult& run, double interval_s);
/// Returns false (with `error`) if the file cannot be written.
bool write_timeseries(const std::string& path, const RunResult& run, double interval_s, std::string& error);

}  // namespace scnvme::sim
