# NAND flash timing model (geometry, operation timing, dies and channels, transaction scheduling).
target_sources(scnvme PRIVATE
  backend/nand/nand_config.cpp
  backend/nand/nand_geometry.cpp
  backend/nand/nand_timing.cpp
  backend/nand/nand_scheduler.cpp
  backend/nand/flash_array.cpp
  backend/nand/flash_array_dies.cpp
  backend/nand/flash_array_trace.cpp
)
