// The NAND array's trace signals: per channel, the bus; per die, the array operation (each
// reported when it starts and when it ends).
#include "backend/nand/flash_array.h"

namespace scnvme::nand {

void FlashArray::attach_trace(TraceSink& sink, const std::string& prefix) {
  die_trace_.resize(dies_.size());
  channel_trace_.resize(channels_.size());
  std::vector<uint32_t> within(channels_.size(), 0);  // dies numbered within their channel
  for (std::size_t c = 0; c < channels_.size(); ++c)
    channel_trace_[c].declare(sink, prefix + ".ch" + std::to_string(c) + ".bus", 1);
  for (std::size_t d = 0; d < dies_.size(); ++d) {
    const uint32_t c = dies_[d].channel;
    die_trace_[d].declare(sink, prefix + ".ch" + std::to_string(c) + ".die" + std::to_string(within[c]++) + ".array", 1);
  }
}

const char* FlashArray::array_op_name(const NandTransaction& t) {
  switch (t.op) {
    case NandOp::Read: return t.background ? "gc read" : "read";
    case NandOp::Program: return t.background ? "gc program" : "program";
    case NandOp::Erase: return "erase";
  }
  return "array";
}

const char* FlashArray::bus_op_name(BusOp op) {
  switch (op) {
    case BusOp::Command: return "command";
    case BusOp::DataOut: return "data out";
    case BusOp::DataIn: return "data in";
    case BusOp::Poll: return "status";
  }
  return "bus";
}

}  // namespace scnvme::nand
