// Checkpoints: the file format (round trips, truncated/corrupt/mismatched files) and the controller
// saved at a quiescent point and restored in a fresh process (this executable re-run as a child,
// since SystemC elaborates once per process): the resumed run's statistics, completion times and
// data equal those of the uninterrupted run.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "integration/nvm_host.h"
#include "scnvme/checkpoint.h"
#include "scnvme/spec/nvme_features.h"
#include "support/small_flash.h"

namespace scnvme::test {
namespace {

using namespace nvm;
namespace ck = scnvme::checkpoint;

/// A scratch directory removed at the end of the test.
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/scnvme-ckpt-XXXXXX";
    EXPECT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + dir + "'").c_str()); }
  const std::string& path() const { return dir; }
  std::string dir;
};

// --- the file format ----------------------------------------------------------------------------

struct Sample {
  uint32_t a = 0;
  std::string s;
  std::vector<uint16_t> v;
  std::map<uint64_t, uint64_t> m;
  std::vector<bool> bits;
  sc_core::sc_time t;
  double d = 0;
  void persist(ck::Archive& ar) {
    ar.begin("sample");
    ar.io(a);
    ar.io(s);
    ar.io(v);
    ar.io(m);
    ar.io(bits);
    ar.io(t);
    ar.io(d);
    ar.end();
  }
};

std::string saved(Sample s) {
  ck::Writer w;
  w.io(s);
  std::ostringstream os;
  w.finish(os);
  return os.str();
}

Sample sample() {
  Sample s;
  s.a = 0xDEADBEEF;
  s.s = "queue";
  s.v = {1, 2, 65535};
  s.m = {{1, 2}, {1ull << 40, 7}};
  s.bits = {true, false, true};
  s.t = sc_core::sc_time(1234, sc_core::SC_NS);
  s.d = 0.125;
  return s;
}

std::string load_error(const std::string& bytes) {
  try {
    std::istringstream in(bytes);
    ck::Reader r(in);
    Sample s;
    r.io(s);
  } catch (const CheckpointError& e) {
    return e.what();
  }
  return "";
}

TEST(CheckpointFormat, RoundTrip) {
  const std::string bytes = saved(sample());
  std::istringstream in(bytes);
  ck::Reader r(in);
  Sample s;
  r.io(s);
  EXPECT_TRUE(r.at_end());
  const Sample e = sample();
  EXPECT_EQ(s.a, e.a);
  EXPECT_EQ(s.s, e.s);
  EXPECT_EQ(s.v, e.v);
  EXPECT_EQ(s.m, e.m);
  EXPECT_EQ(s.bits, e.bits);
  EXPECT_EQ(s.t, e.t);
  EXPECT_EQ(s.d, e.d);
}

TEST(CheckpointFormat, EveryTruncationIsAnError) {
  const std::string bytes = saved(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) EXPECT_NE(load_error(bytes.substr(0, n)), "") << n << " bytes";
  EXPECT_NE(load_error(bytes + "x"), "");
}

TEST(CheckpointFormat, EveryCorruptByteIsAnError) {
  const std::string bytes = saved(sample());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string b = bytes;
    b[i] = static_cast<char>(b[i] ^ 0x41);
    EXPECT_NE(load_error(b), "") << "byte " << i;
  }
}

TEST(CheckpointFormat, SpecificMessages) {
  const std::string bytes = saved(sample());
  EXPECT_NE(load_error("not a checkpoint at all, really").find("bad magic"), std::string::npos);
  std::string v = bytes;
  v[8] = 9;
  EXPECT_NE(load_error(v).find("format version 9"), std::string::npos) << load_error(v);
  std::string c = bytes;
  c[c.size() - 12] ^= 1;
  EXPECT_NE(load_error(c).find("corrupt"), std::string::npos) << load_error(c);
  EXPECT_NE(load_error(bytes.substr(0, bytes.size() - 3)).find("truncated"), std::string::npos);
}

TEST(CheckpointFormat, SectionMismatchAndLeftovers) {
  ck::Writer w;
  w.begin("other");
  uint32_t x = 5;
  w.io(x);
  w.end();
  std::ostringstream os;
  w.finish(os);
  EXPECT_NE(load_error(os.str()).find("expected section \"sample\", found \"other\""), std::string::npos) << load_error(os.str());

  ck::Writer w2;  // the right section with more in it than the reader expects
  Sample s = sample();
  w2.begin("sample");
  w2.io(s.a);
  w2.io(s.s);
  w2.io(s.v);
  w2.io(s.m);
  w2.io(s.bits);
  w2.io(s.t);
  w2.io(s.d);
  w2.io(x);
  w2.end();
  std::ostringstream os2;
  w2.finish(os2);
  EXPECT_NE(load_error(os2.str()).find("left unread"), std::string::npos) << load_error(os2.str());
}

TEST(CheckpointFormat, HugeCountIsRejectedWithoutAllocating) {
  ck::Writer w;
  w.begin("sample");
  uint32_t a = 1;
  w.io(a);
  uint64_t huge = 1ull << 60;  // the string's length
  w.io(huge);
  w.end();
  std::ostringstream os;
  w.finish(os);
  EXPECT_NE(load_error(os.str()).find("exceeds"), std::string::npos) << load_error(os.str());
}

// --- the controller ------------------------------------------------------------------------------

constexpr uint32_t kBlocks = 8;  // per command (512-byte blocks)
constexpr uint32_t kEntries = 32;

ControllerConfig config(bool flash = false) {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 64ull << 20, 512}};
  if (flash) cfg.flash = small_flash(2, 1, Precondition::None);
  return cfg;
}

/// Host memory laid out identically in the saving and the resuming process (allocated first).
struct Buffers {
  explicit Buffers(Bench& h) : data(h, kBlocks * 512) {}
  DataBuffer data;
};

spec::Cqe io_cid(Bench& h, const spec::Sqe& s, uint16_t cid) {
  h.submit(1, s, cid);
  spec::Cqe c = h.wait_cqe(1, sc_core::sc_time(10, sc_core::SC_MS));
  EXPECT_EQ(c.cid(), cid);
  return c;
}

/// Brings the controller up, writes data, and leaves an AER outstanding, coalescing on and a Keep
/// Alive timer running; then waits for a quiescent point.
void before_checkpoint(Bench& h, Buffers& b) {
  bring_up(h, kEntries);
  ASSERT_TRUE(h.set_features(spec::feature::kInterruptCoalescing, 0x0103).status().ok());  // THR 4, 100 us
  ASSERT_TRUE(h.set_features(spec::feature::kKeepAliveTimer, 60000).status().ok());
  h.submit(0, make_sqe(spec::admin_opcode::kAsyncEventRequest));  // stays outstanding
  // A namespace the fresh controller of the resuming process does not have.
  EXPECT_TRUE(h.nvme.add_namespace(NamespaceConfig{2, 8ull << 20, 4096}));
  b.data.put(pattern(4096, 77));
  EXPECT_TRUE(io_cid(h, b.data.with_prps(lba_sqe(io_op::kWrite, 2, 3, 1), 4096), 99).status().ok());
  for (uint32_t i = 0; i < 20; ++i) {
    b.data.put(pattern(kBlocks * 512, i));
    EXPECT_TRUE(io_cid(h, b.data.with_prps(lba_sqe(io_op::kWrite, 1, i * kBlocks, kBlocks), kBlocks * 512), 100 + i).status().ok());
  }
  unsigned waited = 0;
  while (!h.nvme.quiescent() && waited++ < 100000) sc_core::wait(100, sc_core::SC_NS);
  ASSERT_TRUE(h.nvme.quiescent()) << h.nvme.quiescence_blocker();
}

/// The run after the checkpoint: reads back what was written, writes more, and describes what the
/// controller did (completion times, statistics, data) as text to compare between processes.
std::string after_checkpoint(Bench& h, Buffers& b) {
  std::ostringstream out;
  const std::size_t messages_before = h.msi.messages.size();  // the host's own record is not saved
  for (uint32_t i = 0; i < 30; ++i) {
    const uint16_t cid = static_cast<uint16_t>(200 + i);
    spec::Cqe c;
    if (i % 2 == 0 && i / 2 < 20) {
      b.data.fill(0);
      c = io_cid(h, b.data.with_prps(lba_sqe(io_op::kRead, 1, (i / 2) * kBlocks, kBlocks), kBlocks * 512), cid);
      EXPECT_EQ(b.data.get(kBlocks * 512), pattern(kBlocks * 512, i / 2)) << "data written before the checkpoint, LBA " << (i / 2) * kBlocks;
    } else {
      b.data.put(pattern(kBlocks * 512, 1000 + i));
      c = io_cid(h, b.data.with_prps(lba_sqe(io_op::kWrite, 1, (40 + i) * kBlocks, kBlocks), kBlocks * 512), cid);
    }
    if (i == 5) {  // the hot-plugged namespace's data
      b.data.fill(0);
      EXPECT_TRUE(io_cid(h, b.data.with_prps(lba_sqe(io_op::kRead, 2, 3, 1), 4096), 300).status().ok());
      EXPECT_EQ(b.data.get(4096), pattern(4096, 77));
    }
    out << "cqe " << cid << " status " << c.status().field() << " sqhd " << c.sq_head() << " at " << sc_core::sc_time_stamp().value() << "\n";
  }
  sc_core::wait(1, sc_core::SC_MS);
  const ControllerStats s = h.nvme.stats();
  out << "fetched " << s.commands_fetched << " completed " << s.commands_completed << " failed " << s.commands_failed
      << " interrupts " << s.interrupts_sent << " guest_errors " << s.guest_errors << "\n"
      << "link_up " << s.link_upstream_busy.value() << " link_down " << s.link_downstream_busy.value() << " slots "
      << s.slots_busy.value() << " dma " << s.dma_engines_busy.value() << " buffer " << s.data_buffer_byte_seconds
      << " peak " << s.data_buffer_peak_bytes << "\n";
  const std::vector<uint8_t> smart = smart_log(h);
  out << "smart";
  for (uint8_t byte : smart) out << ' ' << unsigned{byte};
  for (std::size_t i = messages_before; i < h.msi.messages.size(); ++i)
    out << "\nmsi " << h.msi.messages[i].data << " at " << h.msi.messages[i].time.value();
  out << "\nmsi " << h.msi.messages.size() - messages_before << " now " << sc_core::sc_time_stamp().value() << "\n";
  return out.str();
}

void save_host(ck::Writer& w, Bench& h) {
  w.begin("test-host");
  w.io(h.mem.bytes);
  for (auto* queues : {&h.sqs, &h.cqs}) {
    uint64_t n = queues->size();
    w.io(n);
    for (auto& [id, q] : *queues) {
      uint16_t key = id;
      w.io(key);
      w.io(q.id);
      w.io(q.base);
      w.io(q.size);
      w.io(q.index);
      w.io(q.phase);
    }
  }
  w.end();
}

void restore_host(ck::Reader& r, Bench& h) {
  r.begin("test-host");
  r.io(h.mem.bytes);
  for (auto* queues : {&h.sqs, &h.cqs}) {
    uint64_t n = 0;
    r.io(n);
    for (uint64_t i = 0; i < n; ++i) {
      uint16_t key = 0;
      r.io(key);
      HostQueue& q = (*queues)[key];
      r.io(q.id);
      r.io(q.base);
      r.io(q.size);
      r.io(q.index);
      r.io(q.phase);
    }
  }
  r.end();
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Runs this test executable's `filter` case in a child process with SCNVME_CHECKPOINT_DIR set.
int run_child(const std::string& filter, const std::string& dir) {
  const std::string cmd = "SCNVME_CHECKPOINT_DIR='" + dir + "' /proc/" + std::to_string(getpid()) +
                          "/exe --gtest_filter=" + filter + " >'" + dir + "/child.log' 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void resumed_run_equals_uninterrupted_run(bool flash) {
  TempDir dir;
  write_text(dir.path() + "/flash.txt", flash ? "1" : "0");
  Bench h("h", config(flash));
  std::string expected;
  h.run([&](Bench& b) {
    Buffers buffers(b);
    before_checkpoint(b, buffers);
    if (::testing::Test::HasFatalFailure()) return;
    ck::Writer w;
    b.nvme.save_checkpoint(w);
    save_host(w, b);
    std::ofstream out(dir.path() + "/ckpt.bin", std::ios::binary);
    w.finish(out);
    out.close();
    write_text(dir.path() + "/time.txt", std::to_string(sc_core::sc_time_stamp().value()));
    expected = after_checkpoint(b, buffers);
  });
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(run_child("ControllerCheckpointChild.Resume", dir.path()), 0) << read_all(dir.path() + "/child.log");
  const std::string actual = read_all(dir.path() + "/resumed.txt");
  EXPECT_EQ(actual, expected);
}

TEST(ControllerCheckpoint, ResumedRunEqualsUninterruptedRun) { resumed_run_equals_uninterrupted_run(false); }

// The same with the flash backend: FTL and NAND state (mapping, blocks, wear, write buffer,
// NAND statistics) continue as in the uninterrupted run.
TEST(ControllerCheckpoint, ResumedFlashRunEqualsUninterruptedRun) { resumed_run_equals_uninterrupted_run(true); }

// The resuming half: runs only as the child of the case above.
TEST(ControllerCheckpointChild, Resume) {
  const char* env = std::getenv("SCNVME_CHECKPOINT_DIR");
  if (!env) GTEST_SKIP() << "runs as the child of ControllerCheckpoint.ResumedRunEqualsUninterruptedRun";
  const std::string dir = env;
  const sc_core::sc_time at = ck::file_time(dir + "/ckpt.bin");
  EXPECT_EQ(std::to_string(at.value()), read_all(dir + "/time.txt"));
  Bench h("h", config(read_all(dir + "/flash.txt") == "1"));
  h.run([&](Bench& b) {
    Buffers buffers(b);
    sc_core::wait(at - sc_core::sc_time_stamp());  // nothing runs until then: time jumps there
    std::ifstream in(dir + "/ckpt.bin", std::ios::binary);
    ck::Reader r(in);
    b.nvme.restore_checkpoint(r);
    b.queue_monitor->resync();  // the restored queues are adopted as they are
    restore_host(r, b);
    EXPECT_TRUE(r.at_end());
    EXPECT_TRUE(b.nvme.quiescent()) << b.nvme.quiescence_blocker();
    write_text(dir + "/resumed.txt", after_checkpoint(b, buffers));
  });
}

TEST(ControllerCheckpoint, RefusesWhenNotQuiescent) {
  Bench h("h", config());
  h.run([&](Bench& b) {
    Buffers buffers(b);
    bring_up(b, kEntries);
    buffers.data.fill(1);
    b.submit(1, buffers.data.with_prps(lba_sqe(io_op::kWrite, 1, 0, kBlocks), kBlocks * 512), 7);
    std::ostringstream out;
    try {
      b.nvme.save_checkpoint(out);
      ADD_FAILURE() << "saved with a command in flight";
    } catch (const CheckpointError& e) {
      EXPECT_NE(std::string(e.what()).find("not at a quiescent point"), std::string::npos) << e.what();
    }
    EXPECT_NE(b.nvme.quiescence_blocker(), "");
    b.wait_cqe(1);
    sc_core::wait(10, sc_core::SC_US);
    EXPECT_TRUE(b.nvme.quiescent()) << b.nvme.quiescence_blocker();
    b.nvme.save_checkpoint(out);
  });
}

// Two controllers in one simulation: a checkpoint of one restores into another only with the same
// configuration, and only at the checkpoint's time; failures leave a clear message.
TEST(ControllerCheckpoint, RestoreChecksConfigurationAndTime) {
  ControllerConfig other = config();
  other.pci.msix_vectors = 33;
  Bench a("a", config());
  Bench b("b", other);
  Bench c("c", config());
  std::string saved;
  b.set_body([](Bench&) { sc_core::wait(1, sc_core::SC_SEC); });
  c.set_body([](Bench&) { sc_core::wait(1, sc_core::SC_SEC); });
  a.run([&](Bench& h) {
    Buffers buffers(h);
    bring_up(h, kEntries);
    sc_core::wait(10, sc_core::SC_US);
    std::ostringstream out;
    h.nvme.save_checkpoint(out);
    saved = out.str();
    auto error = [&](Controller& target) -> std::string {
      try {
        std::istringstream in(saved);
        target.restore_checkpoint(in);
      } catch (const CheckpointError& e) {
        return e.what();
      }
      return "";
    };
    EXPECT_NE(error(b.nvme).find("pci.msix_vectors is 65 in the checkpoint, 33 now"), std::string::npos) << error(b.nvme);
    sc_core::wait(1, sc_core::SC_US);
    EXPECT_NE(error(c.nvme).find("advance the simulation there"), std::string::npos) << error(c.nvme);
    std::string truncated = saved.substr(0, saved.size() / 2);
    try {
      std::istringstream in(truncated);
      c.nvme.restore_checkpoint(in);
      ADD_FAILURE() << "restored a truncated file";
    } catch (const CheckpointError& e) {
      EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    }
  });
}

}  // namespace
}  // namespace scnvme::test
