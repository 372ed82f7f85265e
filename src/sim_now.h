// The current simulation time, read inline.
//
// sim_now() is an out-of-line library call; the model reads the time about 75 times per I/O.
// The simulation context and its time stamp are inline in SystemC's headers, so this is the same
// value for a few loads.
#pragma once

#include <systemc>

namespace scnvme {

inline const sc_core::sc_time& sim_now() { return sc_core::sc_get_curr_simcontext()->time_stamp(); }

}  // namespace scnvme
