// Names of the NAND operation kinds and purposes (statistics, logs, test messages).
#include "backend/ftl/nand_op.h"

namespace scnvme::detail::ftl {

const char* to_string(NandOpType t) {
  switch (t) {
    case NandOpType::Read: return "read";
    case NandOpType::Program: return "program";
    case NandOpType::Erase: return "erase";
  }
  return "?";
}

const char* to_string(OpPurpose p) {
  switch (p) {
    case OpPurpose::Host: return "host";
    case OpPurpose::Gc: return "gc";
    case OpPurpose::Fold: return "fold";
    case OpPurpose::Map: return "map";
  }
  return "?";
}

}  // namespace scnvme::detail::ftl
