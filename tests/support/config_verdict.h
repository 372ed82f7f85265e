// The verdict of a configuration check: `validate` must accept (`field` empty), or throw a
// ConfigError naming `field` whose message starts with "field: " and explains the problem.
#pragma once

#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "scnvme/config_error.h"

namespace scnvme::test {

inline void expect_config_verdict(const std::function<void()>& validate, const std::string& field) {
  if (field.empty()) {
    EXPECT_NO_THROW(validate());
    return;
  }
  try {
    validate();
    ADD_FAILURE() << "validate() accepted the configuration; expected an error on " << field;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind(field + ": ", 0), 0u) << e.what();
    EXPECT_GT(std::string(e.what()).size(), field.size() + 2) << "the message explains the problem";
  }
}

}  // namespace scnvme::test
