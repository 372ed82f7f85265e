// The fuzz targets without libFuzzer: runs every file named on the command line (a directory: every
// file in it, in name order) through LLVMFuzzerTestOneInput once. Built in normal builds so the
// targets keep compiling and their seed corpora (tests/fuzz/corpus/<target>) run as CTest tests;
// a crash, sanitizer report or hang fails the test.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <systemc>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int sc_main(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      std::vector<std::filesystem::path> in_dir;
      for (const auto& e : std::filesystem::directory_iterator(p))
        if (e.is_regular_file()) in_dir.push_back(e.path());
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else {
      files.push_back(p);
    }
  }
  if (files.empty()) {
    std::cerr << "usage: " << argv[0] << " FILE|DIRECTORY...: runs each input once\n";
    return 2;
  }
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::cerr << f.string() << ": cannot open\n";
      return 2;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::cout << files.size() << " inputs run\n";
  return 0;
}

// LeakSanitizer cannot follow SystemC's coroutine stacks (it crashes at exit).
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
