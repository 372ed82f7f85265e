#include "msi_controller.h"

#include <cstring>
#include <string>

namespace scnvme::platform {

MsiController::MsiController(const sc_core::sc_module_name& name, unsigned vectors)
    : sc_module(name), socket("socket"), vectors_(vectors) {
  socket.register_b_transport(this, &MsiController::b_transport);
}

void MsiController::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (!trans.is_write() || trans.get_data_length() != 4 || trans.get_byte_enable_ptr()) {
    ++spurious_;
    SC_REPORT_WARNING("scnvme/platform", (std::string(name()) + ": spurious access in the MSI window").c_str());
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  uint32_t data = 0;
  for (unsigned i = 0; i < 4; ++i) data |= static_cast<uint32_t>(trans.get_data_ptr()[i]) << (8 * i);
  if (data >= vectors_) {
    ++unknown_;
    SC_REPORT_WARNING("scnvme/platform", (std::string(name()) + ": MSI for unknown vector " + std::to_string(data)).c_str());
    trans.set_response_status(tlm::TLM_OK_RESPONSE);  // posted write: the device sees no error
    return;
  }
  ++delivered_;
  if (deliver_) deliver_(data, delay);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace scnvme::platform
