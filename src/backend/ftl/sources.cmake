# Flash translation layer (mapping, blocks, write buffer, garbage collection, preconditioning).
target_sources(scnvme PRIVATE)
