// scnvme-sim --replay: the three trace parsers (fields, operations, units, what is skipped, bad
// lines with their line number), format detection, how records land on the namespace (scale,
// wrap, alignment, splitting), and replays run by the binary: counts and bytes, faithful timing,
// speed, loops, lateness, deallocation and the sample traces.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "options.h"
#include "support/temp_file.h"
#include "trace_replay.h"

#ifndef SCNVME_SIM_PATH
#error "SCNVME_SIM_PATH must name the scnvme-sim executable"
#endif
#ifndef SCNVME_SOURCE_DIR
#error "SCNVME_SOURCE_DIR must name the source tree (sim/traces)"
#endif

namespace {

using scnvme::sim::Extent;
using scnvme::sim::LbaMap;
using scnvme::sim::LbaMapping;
using scnvme::sim::Trace;
using scnvme::sim::TraceFormat;
using scnvme::sim::TraceOp;
using scnvme::sim::TraceParseOptions;
using scnvme::sim::TraceRecord;

bool parse(const std::string& text, Trace& t, std::string& error, TraceFormat format = TraceFormat::Auto, char action = 'Q') {
  std::istringstream in(text);
  TraceParseOptions opt;
  opt.format = format;
  opt.blkparse_action = action;
  return scnvme::sim::parse_trace(in, "t.trace", opt, t, error);
}

Trace parse_ok(const std::string& text, TraceFormat format = TraceFormat::Auto, char action = 'Q') {
  Trace t;
  std::string error;
  EXPECT_TRUE(parse(text, t, error, format, action)) << error;
  return t;
}

void expect_record(const TraceRecord& r, int64_t time_ns, TraceOp op, uint64_t offset, uint32_t bytes, uint8_t flags = 0) {
  EXPECT_EQ(r.time_ns, time_ns);
  EXPECT_EQ(r.op, op);
  EXPECT_EQ(r.offset, offset);
  EXPECT_EQ(r.bytes, bytes);
  EXPECT_EQ(r.flags, flags);
}

std::vector<uint8_t> bytes_of(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

// blkparse's default output: a queued read, its merge/issue/complete events, a message, plug and
// unplug, a preflush write without data, a FUA write, a discard, a pure flush, a zone reset, the
// summary.
const char* const kBlkparse =
    "259,0    1        1     0.000000000  1412  Q  RA 2048 + 256 [cat]\n"
    "259,0    1        2     0.000000300     0  m   N nvme0n1: a message\n"
    "259,0    1        3     0.000001200  1412  G  RA 2048 + 256 [cat]\n"
    "259,0    1        4     0.000001500  1412  P   N [cat]\n"
    "259,0    1        5     0.000002100  1412  D  RA 2048 + 256 [cat]\n"
    "259,0    1        6     0.000002600  1412  U   N [cat] 1\n"
    "259,0    1        7     0.000011100     0  C  RA 2048 + 256 [0]\n"
    "259,0    0        1     0.000460000   388  Q FWS [jbd2/nvme0n1p1-8]\n"
    "259,0    0        2     0.000470000   388  Q WFS 1050656 + 8 [jbd2/nvme0n1p1-8]\n"
    "259,0    2        1     0.000980000  1650  Q  DS 3145728 + 4096 [fstrim]\n"
    "259,0    2        2     0.000981000  1650  D  DS 3145728 + 4096 [fstrim]\n"
    "259,0    3        1     0.001000000  1701  Q FWFS 16 + 8 [kworker/3:1H]\n"
    "259,0    1        8     0.001490000  1720  Q  FN [sync]\n"
    "259,0    1        9     0.001500000  1720  Q  ZR 4096 + 0 [zonectl]\n"
    "259,0    1       10     0.001510000  1720  Q   W 4096 + 0 [empty]\n"
    "259,0    1       11     0.002000000   800  Q   F [flusher]\n"
    "Total (259,0):\n"
    " Reads Queued:           1,      128KiB\t Writes Queued:           2,        4KiB\n"
    "Throughput (R/W): 95KiB/s / 259KiB/s\n"
    "Events (259,0): 16 entries\n";

}  // namespace

// ---- Parsers ----

TEST(TraceReplayParse, BlkparseReplaysQueueActions) {
  const Trace t = parse_ok(kBlkparse);
  EXPECT_EQ(t.format, TraceFormat::Blkparse);
  EXPECT_TRUE(t.detected);
  ASSERT_EQ(t.records.size(), 7u);
  expect_record(t.records[0], 0, TraceOp::Read, 2048 * 512, 256 * 512);
  expect_record(t.records[1], 460000, TraceOp::Flush, 0, 0);                    // FWS without data: a flush
  expect_record(t.records[2], 470000, TraceOp::Write, 1050656ull * 512, 4096, TraceRecord::kFua);  // WFS: FUA
  expect_record(t.records[3], 980000, TraceOp::Deallocate, 3145728ull * 512, 4096 * 512);
  expect_record(t.records[4], 1000000, TraceOp::Write, 16 * 512, 4096, TraceRecord::kFua | TraceRecord::kPreflush);
  expect_record(t.records[5], 1490000, TraceOp::Flush, 0, 0);                   // FN: preflush, no operation
  expect_record(t.records[6], 2000000, TraceOp::Flush, 0, 0);                   // F: the flush operation
  EXPECT_EQ(t.lines, 20u);
  EXPECT_EQ(t.skipped, 13u);  // G, P, D, U, C, m, D, ZR, the empty W and four summary lines
  EXPECT_EQ(t.end_bytes, (3145728ull + 4096) * 512);
  EXPECT_EQ(t.max_bytes, 256u * 512);
  EXPECT_EQ(t.last_time_ns, 2000000);
}

TEST(TraceReplayParse, BlkparseIssueActionsWithActionD) {
  const Trace t = parse_ok(kBlkparse, TraceFormat::Blkparse, 'D');
  EXPECT_FALSE(t.detected);
  ASSERT_EQ(t.records.size(), 2u);
  expect_record(t.records[0], 0, TraceOp::Read, 2048 * 512, 256 * 512);  // time relative to the first D
  expect_record(t.records[1], 978900, TraceOp::Deallocate, 3145728ull * 512, 4096 * 512);
}

TEST(TraceReplayParse, MsrFieldsAndUnits) {
  const Trace t = parse_ok(
      "Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\n"
      "128166372003061629,wdev,0,Read,3551043584,4096,1331\n"
      "128166372003071629,wdev,0,write,1073741824,65536,9000\r\n"
      "128166372003061000,wdev,0,WRITE,512,512,10\n");
  EXPECT_EQ(t.format, TraceFormat::Msr);
  ASSERT_EQ(t.records.size(), 3u);
  expect_record(t.records[0], 0, TraceOp::Read, 3551043584ull, 4096);
  expect_record(t.records[1], 10000 * 100, TraceOp::Write, 1073741824ull, 65536);  // filetime: 100 ns ticks
  expect_record(t.records[2], -629 * 100, TraceOp::Write, 512, 512);              // earlier than the first
  EXPECT_EQ(t.skipped, 1u);  // the header
  EXPECT_EQ(t.end_bytes, 3551043584ull + 4096);
  EXPECT_EQ(t.last_time_ns, 1000000);
}

TEST(TraceReplayParse, CsvFieldsCommentsAndHeader) {
  const Trace t = parse_ok(
      "# a comment\n"
      "time_us,op,offset,bytes\n"
      "\n"
      "0,W,0,131072\n"
      "12.5,r,4096,8192   # a trailing comment\n"
      " 100 , T , 1048576 , 262144 \n"
      "150.0004,F,0,0\n"
      "200,W,7,3000\n");
  EXPECT_EQ(t.format, TraceFormat::Csv);
  ASSERT_EQ(t.records.size(), 5u);
  expect_record(t.records[0], 0, TraceOp::Write, 0, 131072);
  expect_record(t.records[1], 12500, TraceOp::Read, 4096, 8192);
  expect_record(t.records[2], 100000, TraceOp::Deallocate, 1048576, 262144);
  expect_record(t.records[3], 150000, TraceOp::Flush, 0, 0);  // below a nanosecond: dropped
  expect_record(t.records[4], 200000, TraceOp::Write, 7, 3000);
  EXPECT_EQ(t.skipped, 3u);
  EXPECT_EQ(t.end_bytes, 1048576u + 262144);
}

TEST(TraceReplayParse, EmptyIosAreSkippedAndHugeOnesSplit) {
  const Trace t = parse_ok("0,R,0,0\n1,T,0,3221225472\n");  // 3 GiB trim: two records
  ASSERT_EQ(t.records.size(), 2u);
  EXPECT_EQ(t.skipped, 1u);
  expect_record(t.records[0], 0, TraceOp::Deallocate, 0, 1u << 31);  // the first record replayed is time 0
  expect_record(t.records[1], 0, TraceOp::Deallocate, 1ull << 31, 1u << 30);
}

TEST(TraceReplayParse, FormatDetection) {
  using scnvme::sim::detect_trace_format;
  EXPECT_EQ(detect_trace_format("  8,0    3        1     0.000000000   697  Q  WS 3932168 + 8 [kworker]"), TraceFormat::Blkparse);
  EXPECT_EQ(detect_trace_format("128166372003061629,wdev,0,Read,3551043584,4096,1331"), TraceFormat::Msr);
  EXPECT_EQ(detect_trace_format("Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime"), TraceFormat::Msr);
  EXPECT_EQ(detect_trace_format("time_us,op,offset,bytes"), TraceFormat::Csv);
  EXPECT_EQ(detect_trace_format("10.5,W,0,4096"), TraceFormat::Csv);
  EXPECT_EQ(detect_trace_format("# comment"), TraceFormat::Auto);
  EXPECT_EQ(detect_trace_format(""), TraceFormat::Auto);
  EXPECT_EQ(detect_trace_format("hello, world"), TraceFormat::Auto);
  // Comments and blank lines before the first record do not stop the detection.
  const Trace t = parse_ok("# comment\n\n259,0 1 1 0.5 10 Q R 8 + 8 [x]\n");
  EXPECT_EQ(t.format, TraceFormat::Blkparse);
  EXPECT_EQ(t.skipped, 2u);
  TraceFormat f = TraceFormat::Auto;
  EXPECT_TRUE(scnvme::sim::parse_trace_format("msr", f));
  EXPECT_EQ(f, TraceFormat::Msr);
  EXPECT_FALSE(scnvme::sim::parse_trace_format("spc", f));
}

TEST(TraceReplayParse, BadLinesNameTheLineAndWhatIsAccepted) {
  struct Case {
    std::string text;
    TraceFormat format;
    std::string expected;  // the error starts with this; then `also` appears in it
    std::string also;
    char action = 'Q';
  };
  const std::string q = "259,0 1 1 0.000001000 10 Q R 8 + 8 [x]\n";
  const std::vector<Case> cases = {
      {q + q + "259,0 1 3 0.0000x1000 10 Q R 8 + 8 [x]\n", TraceFormat::Auto, "t.trace:3: timestamp \"0.0000x1000\"", "SECONDS.NANOSECONDS"},
      {q + "259,0 1 3 0.000001000 ten Q R 8 + 8 [x]\n", TraceFormat::Auto, "t.trace:2: PID \"ten\" is not an integer", "MAJ,MIN CPU"},
      {q + "259,0 1 3 0.1 10 Q\n", TraceFormat::Auto, "t.trace:2: RWBS missing", "[F](R|W|D|N)"},
      {q + "259,0 1 3 0.1 10 Q XW 8 + 8 [x]\n", TraceFormat::Auto, "t.trace:2: RWBS \"XW\"", "FUA"},
      {q + "\n259,0 1 3 0.1 10 Q W 8 - 8 [x]\n", TraceFormat::Auto, "t.trace:3: expected SECTOR + BLOCKS", "[PROCESS]"},
      {q + "259,0 1 3\n", TraceFormat::Auto, "t.trace:2: a blkparse event line has at least 6 fields", "SEQ"},
      {"1,wdev,0,Read,0,512,1\n1,wdev,0,Trim,0,512,1\n", TraceFormat::Auto, "t.trace:2: Type \"Trim\" is not Read or Write",
       "Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime"},
      {"1,wdev,0,Read,0,512,1\n1,wdev,0,Read,0,512\n", TraceFormat::Auto, "t.trace:2: expected 7 comma-separated fields, got 6", "ResponseTime"},
      {"1,wdev,0,Read,-5,512,1\n", TraceFormat::Msr, "t.trace:1: Offset \"-5\"", "Offset,Size"},
      {"1.5,wdev,0,Read,0,512,1\n", TraceFormat::Msr, "t.trace:1: Timestamp \"1.5\" is not a Windows filetime", "Hostname"},
      {"# c\ntime_us,op,offset,bytes\n0,R,0,4096\n5,X,0,4096\n", TraceFormat::Auto, "t.trace:4: op \"X\" is not R (read), W (write), T (trim) or F (flush)",
       "time_us,op,offset,bytes"},
      {"0,R,0,4096\n-1,R,0,4096\n", TraceFormat::Csv, "t.trace:2: time_us \"-1\"", "op R, W, T or F"},
      {"0,R,0,4096\n1,R,0\n", TraceFormat::Csv, "t.trace:2: expected 4 comma-separated fields, got 3", "time_us,op,offset,bytes"},
      {"0,R,0,4096\n1,W,0,4k\n", TraceFormat::Csv, "t.trace:2: bytes \"4k\"", "e.g. 12.5,W,4096,8192"},
      {"0,R,0,4096\ntime_us,op,offset,bytes\n", TraceFormat::Csv, "t.trace:2: time_us \"time_us\"", "time_us,op,offset,bytes"},  // a header only first
      {"0,R,18446744073709551615,4096\n", TraceFormat::Csv, "t.trace:1: offset + size is beyond 2^64 bytes", ""},
      // Found by fuzz_trace: an exabyte write became 600 million records (memory exhaustion).
      {"0,W,0,1310710310710485067\n", TraceFormat::Csv, "t.trace:1: size 1310710310710485067 bytes is more than 16 TiB in one I/O", ""},
      // Found by fuzz_trace: filetimes further apart than an int64 of nanoseconds (was an overflow).
      {"128166372000000,wdev,0,Read,0,512,1\n3000128166372000000,wdev,0,Read,0,512,1\n", TraceFormat::Msr,
       "t.trace:2: time 3000128166372000000 is more than 292 years from the first record's", ""},
      {"# only\nhello world\n", TraceFormat::Auto, "t.trace:2: cannot tell the trace format", "--replay_format"},
      {"0,R,0,4096\n", TraceFormat::Msr, "t.trace:1: expected 7 comma-separated fields, got 4", "Timestamp"},
      {"# nothing\n", TraceFormat::Csv, "t.trace: no I/O records to replay in 1 lines (format csv)", ""},
      {q, TraceFormat::Blkparse, "t.trace: no I/O records", "only the D (issued) actions are replayed: see --replay_action=Q", 'D'},
  };
  for (const Case& c : cases) {
    Trace t;
    std::string error;
    EXPECT_FALSE(parse(c.text, t, error, c.format, c.action)) << c.text;
    EXPECT_EQ(error.rfind(c.expected, 0), 0u) << "got: " << error << "\nexpected to start with: " << c.expected;
    EXPECT_NE(error.find(c.also), std::string::npos) << error;
  }
}

// ---- Where records land ----

TEST(TraceReplayMap, ScaleWrapAlignmentAndSplitting) {
  struct Case {
    const char* what;
    LbaMap map;
    uint64_t offset, bytes;
    std::vector<Extent> expected;
  };
  const uint64_t GiB = 1ull << 30, MiB = 1ull << 20;
  const LbaMap fits{LbaMapping::Scale, MiB, 2048, 512, 0};             // 1 MiB namespace, the trace fits
  const LbaMap big{LbaMapping::Scale, 4 * GiB, 2 * MiB, 512, 256};     // a 4 GiB trace on 1 GiB, 128 KiB commands
  const LbaMap wrap{LbaMapping::Wrap, 4 * GiB, 2048, 512, 256};
  const LbaMap four_k{LbaMapping::Scale, MiB, 256, 4096, 0};
  const std::vector<Case> cases = {
      {"fits: offsets unchanged", fits, 4096, 8192, {{8, 16}}},
      {"unaligned: widened to whole blocks", fits, 100, 1000, {{0, 3}}},
      {"4 KiB blocks", four_k, 4096 + 512, 512, {{1, 1}}},
      {"4 KiB blocks, across a boundary", four_k, 4000, 200, {{0, 2}}},
      {"scale: half-way lands half-way", big, 2 * GiB, 4096, {{1048576, 8}}},
      {"scale: the last bytes stay inside", big, 4 * GiB - 4096, 4096, {{2 * MiB - 8, 8}}},
      {"scale: split at the maximum transfer", big, 0, MiB / 2, {{0, 256}, {256, 256}, {512, 256}, {768, 256}}},
      {"scale: a partial last piece", big, 0, 300 * 512, {{0, 256}, {256, 44}}},
      {"wrap: modulo the namespace", wrap, 3 * MiB + 4096, 4096, {{8, 8}}},
      {"wrap: across the end continues at 0", wrap, MiB - 4096, 8192, {{2040, 8}, {0, 8}}},
      {"wrap: larger than the namespace is cut to it", wrap, 0, 2 * MiB, {{0, 256}, {256, 256}, {512, 256}, {768, 256},
                                                                         {1024, 256}, {1280, 256}, {1536, 256}, {1792, 256}}},
      {"scale: larger than the namespace is cut to it", fits, 0, 2 * MiB, {{0, 2048}}},
  };
  for (const Case& c : cases) {
    std::vector<Extent> got;
    scnvme::sim::map_extents(c.map, c.offset, c.bytes, got);
    ASSERT_EQ(got.size(), c.expected.size()) << c.what;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].slba, c.expected[i].slba) << c.what << " piece " << i;
      EXPECT_EQ(got[i].blocks, c.expected[i].blocks) << c.what << " piece " << i;
    }
  }
}

// ---- Options (parsed in this process) ----

namespace {

scnvme::sim::ParseOutcome parse_cli(const std::vector<std::string>& args, scnvme::sim::SimOptions& opt, std::string& out,
                                    std::string& err) {
  std::vector<const char*> argv{"scnvme-sim"};
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream o, e;
  const auto r = scnvme::sim::parse_command_line(static_cast<int>(argv.size()), argv.data(), opt, o, e);
  out = o.str();
  err = e.str();
  return r;
}

}  // namespace

TEST(TraceReplayOptions, ParsedAtOptionTimeWithRangesChecked) {
  using scnvme::sim::ParseOutcome;
  const scnvme::test::TempFile trace(bytes_of("time_us,op,offset,bytes\n0,W,0,4096\n1,R,0,4096\n"));
  const scnvme::test::TempFile bad(bytes_of("0,W,0,4096\n1,W,0,4096\n2,Q,0,4096\n"));
  scnvme::sim::SimOptions opt;
  std::string out, err;
  ASSERT_EQ(parse_cli({"--replay", trace.path, "--replay_timing=afap", "--replay_lba=wrap", "--replay_loops=3", "--iodepth=8"},
                      opt, out, err),
            ParseOutcome::Run)
      << err;
  EXPECT_EQ(err, "");
  const auto& r = opt.workload.replay;
  EXPECT_EQ(r.path, trace.path);
  ASSERT_TRUE(r.trace);
  EXPECT_EQ(r.trace->records.size(), 2u);
  EXPECT_FALSE(r.faithful);
  EXPECT_TRUE(r.wrap);
  EXPECT_EQ(r.loops, 3u);
  EXPECT_EQ(opt.workload.jobs.front().iodepth, 8u);
  EXPECT_EQ(opt.driver.io_queues, 1u);
  EXPECT_EQ(opt.effective["replay_format"], "csv");

  struct Bad {
    std::vector<std::string> args;
    std::string needle;
  };
  const std::vector<Bad> cases = {
      {{"--replay", bad.path}, bad.path + ":3: op \"Q\""},
      {{"--replay", trace.path, "--replay_speed=0"}, "--replay_speed=0: expected a number in [0.001, 1e+06]"},
      {{"--replay", trace.path, "--replay_speed=fast"}, "--replay_speed=fast"},
      {{"--replay", trace.path, "--replay_loops=0"}, "--replay_loops=0: expected an integer in [1, 1000000]"},
      {{"--replay", trace.path, "--replay_format=spc"}, "--replay_format=spc: expected one of auto, blkparse, msr, csv"},
      {{"--replay", trace.path, "--replay_timing=slow"}, "--replay_timing=slow: expected one of faithful, afap"},
      {{"--replay", trace.path, "--replay_lba=hash"}, "--replay_lba=hash: expected one of scale, wrap"},
      {{"--replay", trace.path, "--replay_action=C"}, "--replay_action=C: expected one of Q, D"},
      {{"--replay", trace.path, "--replay_format=blkparse"}, "no I/O records"},
      {{"--replay", trace.path, "--nsid=all"}, "--nsid=all"},
      {{"--replay", trace.path, "--power_loss_at=1ms"}, "--power_loss_at"},
      {{"--replay", trace.path, "--iodepth=4096"}, "--iodepth=4096"},
      {{"--replay", "/nonexistent/trace.csv"}, "/nonexistent/trace.csv: cannot open the trace file"},
      {{"--replay_loops=2"}, "--replay_loops: only with --replay FILE"},
  };
  for (const Bad& c : cases) {
    scnvme::sim::SimOptions o;
    EXPECT_EQ(parse_cli(c.args, o, out, err), ParseOutcome::BadInput) << c.needle;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find(c.needle), std::string::npos) << err;
  }
  // The workload keys the trace decides are ignored, with one warning line.
  scnvme::sim::SimOptions o;
  ASSERT_EQ(parse_cli({"--replay", trace.path, "--rw=randwrite", "--bs=64k", "--numjobs=4"}, o, out, err), ParseOutcome::Run);
  EXPECT_EQ(err, "scnvme-sim: warning: --bs, --numjobs, --rw ignored with --replay (only --iodepth and --nsid apply)\n");
  EXPECT_EQ(o.workload.instances(), 1u);
  ASSERT_EQ(parse_cli({"--help"}, o, out, err), ParseOutcome::Exit);
  for (const char* k : {"--replay ", "--replay_format", "--replay_timing", "--replay_speed", "--replay_lba", "--replay_action",
                        "--replay_loops"})
    EXPECT_NE(out.find(k), std::string::npos) << k;
}

// ---- Replays run by scnvme-sim ----

namespace {

class TraceReplayRun : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/scnvme-replay-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string path(const std::string& n) const { return dir_ + "/" + n; }
  static std::string slurp(const std::string& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  /// Runs scnvme-sim; returns the exit code and fills the JSON, stdout and stderr.
  int run(const std::string& args, nlohmann::json* json = nullptr, std::string* out = nullptr, std::string* err = nullptr) const {
    const std::string cmd = "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 '" SCNVME_SIM_PATH "' --log-level=error " + args + " --json '" +
                            path("r.json") + "' >'" + path("out.txt") + "' 2>'" + path("err.txt") + "'";
    std::remove(path("r.json").c_str());
    const int status = std::system(cmd.c_str());
    if (out) *out = slurp(path("out.txt"));
    if (err) *err = slurp(path("err.txt"));
    std::ifstream in(path("r.json"));
    if (json && in) *json = nlohmann::json::parse(in);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  nlohmann::json ok(const std::string& args, std::string* out = nullptr) const {
    nlohmann::json j;
    std::string err;
    EXPECT_EQ(run(args, &j, out, &err), 0) << args << "\n" << err;
    return j;
  }
  std::string dir_;
};

// Media time off (memory-speed answers): the trace's own timing is what the cases measure.
const std::string kFast = "--flash.enabled=false ";

/// `n` 4 KiB reads `gap_us` apart.
std::string spaced_reads(unsigned n, unsigned gap_us) {
  std::string t = "time_us,op,offset,bytes\n";
  for (unsigned i = 0; i < n; ++i) t += std::to_string(i * gap_us) + ",R," + std::to_string(i * 4096) + ",4096\n";
  return t;
}

}  // namespace

TEST_F(TraceReplayRun, CountsBytesSplitsFlushesAndDeallocates) {
  const scnvme::test::TempFile trace(bytes_of(
      "time_us,op,offset,bytes\n"
      "0,W,0,8192\n"
      "10,W,8192,4096\n"
      "20,R,0,4096\n"
      "30,R,4096,12288\n"
      "40,T,0,4096\n"
      "50,F,0,0\n"
      "60,W,1048576,1048576\n"));  // 1 MiB: eight 128 KiB commands
  std::string out;
  const nlohmann::json j = ok(kFast + "--controller.mdts=5 --iodepth=4 --replay " + trace.path, &out);
  const auto& res = j["results"];
  EXPECT_EQ(res["read"]["ios"], 2);
  EXPECT_EQ(res["read"]["bytes"], 4096 + 12288);
  EXPECT_EQ(res["write"]["ios"], 10);
  EXPECT_EQ(res["write"]["bytes"], 8192 + 4096 + 1048576);
  ASSERT_EQ(res["jobs"].size(), 1u);
  const auto& job = res["jobs"][0];
  EXPECT_EQ(job["name"], "replay");
  EXPECT_EQ(job["flushes"], 1);
  EXPECT_EQ(job["errors"], 0);
  EXPECT_EQ(job["ios_by_bs"]["131072"], 8);
  EXPECT_EQ(job["ios_by_bs"]["4096"], 2);
  EXPECT_EQ(job["options"]["iodepth"], "4");
  const auto& r = res["replay"];
  EXPECT_EQ(r["format"], "csv");
  EXPECT_EQ(r["format_detected"], true);
  EXPECT_EQ(r["records"], 7);
  EXPECT_EQ(r["replayed"], 7);
  EXPECT_EQ(r["commands"], 14);
  EXPECT_EQ(r["deallocates"], 1);
  EXPECT_EQ(r["deallocated_bytes"], 4096);
  EXPECT_EQ(r["skipped_lines"], 1);
  EXPECT_NE(out.find("replay: " + trace.path + " (csv, detected): 7 records x 1 loop(s), 1 lines skipped; timing faithful (speed 1), "
                     "lba scale, iodepth=4, nsid=1\n    issued 7 records as 14 commands; 1 deallocates (0.0 MiB); late "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("flushes: 1\n"), std::string::npos) << out;
}

// Commands the controller never answers time out; the driver's recovery aborts them and the
// replay submits them again (as the workloads do), so the trace completes in full.
TEST_F(TraceReplayRun, CommandsEndedByTheDriversRecoveryAreSubmittedAgain) {
  std::string t = "time_us,op,offset,bytes\n";
  for (unsigned i = 0; i < 40; ++i) t += std::to_string(i * 10) + (i % 2 ? ",R," : ",W,") + std::to_string(i * 4096) + ",4096\n";
  t += "400,F,0,0\n";
  const scnvme::test::TempFile trace(bytes_of(t));
  std::string out;
  const nlohmann::json j =
      ok(kFast + "--iodepth=4 --driver.timeout_ms=1 --fault=hang:sqid=1,count=3 --replay " + trace.path, &out);
  EXPECT_EQ(j["ok"], true);
  const auto& res = j["results"];
  EXPECT_EQ(res["read"]["ios"], 20);
  EXPECT_EQ(res["write"]["ios"], 20);
  EXPECT_EQ(res["jobs"][0]["flushes"], 1);
  EXPECT_EQ(res["jobs"][0]["errors"], 0);
  EXPECT_EQ(res["jobs"][0]["retries"], 3);
  EXPECT_EQ(res["replay"]["commands"], 41);
  EXPECT_EQ(res["driver_recovery"]["timeouts"], 3);
  EXPECT_NE(out.find("3 submitted again"), std::string::npos) << out;
}

TEST_F(TraceReplayRun, FaithfulTimingSpacesCommandsAsTheTimestampsSay) {
  const scnvme::test::TempFile trace(bytes_of(spaced_reads(10, 100)));  // 0 .. 900 us
  const nlohmann::json faithful = ok(kFast + "--replay " + trace.path);
  const uint64_t t = faithful["results"]["sim_time_ns"].get<uint64_t>();
  EXPECT_GE(t, 900000u);
  EXPECT_LT(t, 950000u);  // the last read completes soon after it is issued
  EXPECT_EQ(faithful["results"]["read"]["ios"], 10);
  EXPECT_EQ(faithful["results"]["replay"]["late"], 0);
  // Twice as fast: half the span.
  const uint64_t t2 = ok(kFast + "--replay_speed=2 --replay " + trace.path)["results"]["sim_time_ns"].get<uint64_t>();
  EXPECT_GE(t2, 450000u);
  EXPECT_LT(t2, 500000u);
  // As fast as possible: back to back, far below the trace's span.
  const nlohmann::json afap = ok(kFast + "--replay_timing=afap --replay " + trace.path);
  EXPECT_LT(afap["results"]["sim_time_ns"].get<uint64_t>(), 200000u);
  EXPECT_EQ(afap["results"]["replay"]["timing"], "afap");
}

TEST_F(TraceReplayRun, LoopsRepeatTheTraceAfterItsSpan) {
  const scnvme::test::TempFile trace(bytes_of(spaced_reads(5, 100)));  // 0 .. 400 us; loops 500 us apart
  const nlohmann::json j = ok(kFast + "--replay_loops=3 --replay " + trace.path);
  EXPECT_EQ(j["results"]["read"]["ios"], 15);
  EXPECT_EQ(j["results"]["replay"]["replayed"], 15);
  EXPECT_EQ(j["results"]["replay"]["records"], 5);
  const uint64_t t = j["results"]["sim_time_ns"].get<uint64_t>();
  EXPECT_GE(t, 1400000u);  // the last record: 2 x 500 + 400 us
  EXPECT_LT(t, 1450000u);
}

TEST_F(TraceReplayRun, RecordsWaitingForAFullQueueAreLate) {
  // Eight reads at the same time through one slot: seven wait for the one before.
  std::string t = "time_us,op,offset,bytes\n";
  for (int i = 0; i < 8; ++i) t += "0,R," + std::to_string(i * 4096) + ",4096\n";
  const scnvme::test::TempFile trace(bytes_of(t));
  const nlohmann::json j = ok("--iodepth=1 --replay " + trace.path);
  const auto& r = j["results"]["replay"];
  EXPECT_EQ(r["late"], 7);
  EXPECT_GT(r["mean_lateness_ns"].get<double>(), 0);
  EXPECT_GE(r["max_lateness_ns"].get<double>(), r["mean_lateness_ns"].get<double>());
  // With room for all of them, none is late.
  EXPECT_EQ(ok("--iodepth=8 --replay " + trace.path)["results"]["replay"]["late"], 0);
}

TEST_F(TraceReplayRun, DeallocateReachesTheFtl) {
  const scnvme::test::TempFile trace(bytes_of("0,W,0,262144\n100,T,0,262144\n200,R,0,4096\n"));
  const nlohmann::json j = ok("--replay " + trace.path);
  EXPECT_EQ(j["results"]["replay"]["deallocates"], 1);
  EXPECT_EQ(j["results"]["jobs"][0]["errors"], 0);
  EXPECT_GT(j["results"]["flash"]["ftl"]["host_units_trimmed"].get<uint64_t>(), 0u);
}

TEST_F(TraceReplayRun, ScaleAndWrapKeepABigTraceInsideASmallNamespace) {
  // Offsets up to 64 MiB on a 1 MiB namespace: out of range unless mapped.
  const scnvme::test::TempFile trace(bytes_of("0,W,0,4096\n1,W,33554432,8192\n2,R,67104768,4096\n3,T,50331648,65536\n"));
  for (const char* lba : {"scale", "wrap"}) {
    const nlohmann::json j = ok(kFast + "--ns1.size=1m --replay_lba=" + std::string(lba) + " --replay " + trace.path);
    EXPECT_EQ(j["results"]["jobs"][0]["errors"], 0) << lba;
    EXPECT_EQ(j["results"]["write"]["ios"], 2) << lba;
    EXPECT_EQ(j["results"]["replay"]["lba"], lba);
  }
}

TEST_F(TraceReplayRun, SampleTracesRunWithTheirFormatDetected) {
  const std::string dir = SCNVME_SOURCE_DIR "/sim/traces/";
  const std::vector<std::pair<std::string, std::string>> samples = {
      {"sample.blkparse", "blkparse"}, {"sample_msr.csv", "msr"}, {"sample.csv", "csv"}};
  for (const auto& [file, format] : samples) {
    const nlohmann::json j = ok(kFast + "--iodepth=8 --replay " + dir + file);
    const auto& r = j["results"]["replay"];
    EXPECT_EQ(r["format"], format) << file;
    EXPECT_GE(r["records"].get<uint64_t>(), 14u) << file;
    EXPECT_EQ(r["replayed"], r["records"]) << file;
    EXPECT_EQ(j["results"]["jobs"][0]["errors"], 0) << file;
    EXPECT_GT(j["results"]["ios_completed"].get<uint64_t>(), 0u) << file;
  }
  // The blkparse sample with its issue (D) actions: the same I/Os.
  const nlohmann::json d = ok(kFast + "--replay_action=D --replay " + dir + "sample.blkparse");
  EXPECT_EQ(d["results"]["replay"]["records"], 14);
}

TEST_F(TraceReplayRun, BadInputExitsTwoBeforeSimulating) {
  const scnvme::test::TempFile trace(bytes_of("0,W,0,4096\n1,W,0,4096\n2,W,zero,4096\n"));
  std::string out, err;
  EXPECT_EQ(run("--replay " + trace.path, nullptr, &out, &err), 2);
  EXPECT_EQ(err, "scnvme-sim: " + trace.path + ":3: offset \"zero\" is not a byte offset (an integer) (expected time_us,op,offset,bytes, "
                 "e.g. 12.5,W,4096,8192; op R, W, T or F)\n");
  EXPECT_EQ(out, "");
  const std::string job = path("j.fio");
  std::ofstream(job) << "[j]\nrw=read\n";
  const scnvme::test::TempFile good(bytes_of("0,W,0,4096\n"));
  EXPECT_EQ(run("--replay " + good.path + " " + job, nullptr, &out, &err), 2);
  EXPECT_NE(err.find("give either --replay or a job file"), std::string::npos) << err;
  // A namespace the controller will not have: bad input, like the jobs'.
  EXPECT_EQ(run("--nsid=3 --replay " + good.path, nullptr, &out, &err), 2);
  EXPECT_NE(err.find("--nsid=3 (job replay): namespace 3 is absent"), std::string::npos) << err;
  EXPECT_EQ(out, "");
}

TEST_F(TraceReplayRun, FuaWritesReachTheMediaAndPreflushesComeFirst) {
  // blkparse WS (cached by the drive's volatile write cache) against WFS (Force Unit Access).
  auto writes = [](const std::string& rwbs) {
    std::string t;
    char line[128];
    for (int i = 0; i < 10; ++i) {  // 200 us apart
      std::snprintf(line, sizeof line, "259,0 1 %d 0.%09d 10 Q %s %d + 8 [x]\n", i + 1, i * 200000, rwbs.c_str(), i * 8);
      t += line;
    }
    return t;
  };
  const scnvme::test::TempFile cached(bytes_of(writes("WS"))), fua(bytes_of(writes("WFS")));
  const double cached_ns = ok("--replay " + cached.path)["results"]["write"]["latency_ns"]["mean"].get<double>();
  const double fua_ns = ok("--replay " + fua.path)["results"]["write"]["latency_ns"]["mean"].get<double>();
  EXPECT_GT(fua_ns, 10 * cached_ns) << "FUA writes are programmed before they complete";
  // FWS with data: a Flush, then (after it completes) the write.
  const scnvme::test::TempFile preflush(bytes_of("259,0 1 1 0.000000000 10 Q FWS 64 + 8 [x]\n"));
  const nlohmann::json j = ok("--replay " + preflush.path);
  EXPECT_EQ(j["results"]["jobs"][0]["flushes"], 1);
  EXPECT_EQ(j["results"]["write"]["ios"], 1);
  EXPECT_EQ(j["results"]["replay"]["commands"], 2);
  EXPECT_EQ(j["results"]["replay"]["records"], 1);
}
