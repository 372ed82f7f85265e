# NAND flash timing model (geometry, operation timing, dies and channels, transaction scheduling).
target_sources(scnvme PRIVATE)
