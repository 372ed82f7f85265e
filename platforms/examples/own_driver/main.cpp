// Runs my_driver_main() (plain C, HAL only) on the reference platform instead of the reference
// driver.
#include <systemc>

#include "reference_platform.h"

extern "C" int my_driver_main(scnvme_hal_device* dev);

int sc_main(int, char*[]) {
  scnvme::platform::ReferencePlatform platform("top", scnvme::platform::PlatformConfig{});
  int rc = 1;
  platform.cpu().run("my_driver", [&] {
    rc = my_driver_main(platform.hal(0));
    sc_core::sc_stop();
  });
  sc_core::sc_start();
  return rc;
}
