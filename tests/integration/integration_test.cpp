// End-to-end bring-up as a bare-metal driver does it, and the integration conventions.
#include <cstring>

#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_status.h"
#include "support/bench.h"

using namespace scnvme;
using namespace scnvme::test;
namespace st = scnvme::spec::status;

TEST(Integration, BringUpIdentifyAndIoQueues) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    std::vector<uint8_t> id;
    spec::Cqe c = h.identify(spec::cns::kController, 0, id);
    EXPECT_STATUS(c, st::kSuccess);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&id[spec::id_ctrl::kMn]), 30), "scnvme SystemC NVMe controller");
    EXPECT_EQ(id[spec::id_ctrl::kMn + 39], ' ');
    EXPECT_EQ(id[spec::id_ctrl::kSqes], 0x66);
    EXPECT_EQ(id[spec::id_ctrl::kCqes], 0x44);
    EXPECT_EQ(spec::get_le32(&id[spec::id_ctrl::kVer]), 0x00020000u);
    EXPECT_STATUS(h.create_cq(1, 64, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 64, 1), st::kSuccess);
    // Each of the three admin completions raised vector 0, after its CQE was written.
    sc_core::wait(10, sc_core::SC_US);
    EXPECT_EQ(h.msi.count(0), 3u);
    EXPECT_EQ(h.msi.messages.at(0).address, kMsiBase);
  });
}
