# Flash translation layer (mapping, blocks, write buffer, garbage collection, preconditioning).
target_sources(scnvme PRIVATE
  backend/ftl/ftl_config.cpp
  backend/ftl/ftl_geometry.cpp
  backend/ftl/nand_op.cpp
  backend/ftl/mapping_table.cpp
  backend/ftl/block_manager.cpp
  backend/ftl/policies.cpp
  backend/ftl/write_buffer.cpp
  backend/ftl/unprogrammed_log.cpp
  backend/ftl/scan_index.cpp
  backend/ftl/garbage_collector.cpp
  backend/ftl/map_cache.cpp
  backend/ftl/ftl.cpp
  backend/ftl/precondition.cpp)
