// The error every configuration check throws: what() names the field and its valid range.
#pragma once

#include <stdexcept>
#include <string>

namespace scnvme {

/// Thrown by ControllerConfig::validate() (and so by the Controller's constructor) for a bad
/// value or combination. what() names the field and its valid range.
class ConfigError : public std::invalid_argument {
 public:
  ConfigError(const std::string& field, const std::string& message)
      : std::invalid_argument(field + ": " + message), field_(field) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

}  // namespace scnvme
