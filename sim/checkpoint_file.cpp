#include "checkpoint_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace scnvme::sim {

std::shared_ptr<checkpoint::Reader> open_for_resume(const std::string& path,
                                                    const std::map<std::string, std::string>& fingerprint) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CheckpointError(path + ": cannot open (" + std::strerror(errno) + ")");
  auto r = std::make_shared<checkpoint::Reader>(in, path);
  std::map<std::string, std::string> saved;
  r->begin("options");
  r->io(saved);
  r->end();
  // Name the first difference, in option order.
  for (auto s = saved.cbegin(), n = fingerprint.cbegin(); s != saved.end() || n != fingerprint.end();) {
    if (n == fingerprint.end() || (s != saved.end() && s->first < n->first)) {
      throw CheckpointError(path + ": taken with option --" + s->first + "=" + s->second + ", which this scnvme-sim does not have");
    }
    if (s == saved.end() || n->first < s->first) {
      throw CheckpointError(path + ": option --" + n->first + " is not in the checkpoint (another scnvme-sim version?)");
    }
    if (s->second != n->second)
      throw CheckpointError(path + ": option --" + s->first + " differs: \"" + s->second + "\" in the checkpoint, \"" + n->second +
                            "\" now (resume with the options the checkpoint was taken with)");
    ++s;
    ++n;
  }
  return r;
}

void write_options(checkpoint::Writer& w, const std::map<std::string, std::string>& fingerprint) {
  std::map<std::string, std::string> copy = fingerprint;
  w.begin("options");
  w.io(copy);
  w.end();
}

void persist_driver_state(checkpoint::Archive& a, nvme_handover_state& state) {
  a.begin("driver");
  a.expect(static_cast<uint64_t>(sizeof state), "driver state size");
  a.raw(&state, sizeof state);
  if (a.loading() && (state.magic != NVME_HANDOVER_MAGIC || state.version != NVME_HANDOVER_VERSION || state.bytes != sizeof state))
    a.fail("the driver state is not one this reference driver saved");
  a.end();
}

uint64_t write_file(const checkpoint::Writer& w, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw CheckpointError(path + ": cannot write (" + std::strerror(errno) + ")");
  w.finish(out);
  out.close();
  if (!out) throw CheckpointError(path + ": writing failed");
  std::ifstream size(path, std::ios::binary | std::ios::ate);
  return static_cast<uint64_t>(size.tellg());
}

}  // namespace scnvme::sim
