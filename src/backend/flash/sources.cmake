# The flash backend: the FTL over the NAND timing engine, as the controller's commands see it.
target_sources(scnvme PRIVATE
  backend/flash/flash_backend.cpp
  backend/flash/flash_checkpoint.cpp
  backend/flash/flash_config.cpp)
