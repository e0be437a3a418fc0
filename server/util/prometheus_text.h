#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace wj::server {

// Helpers for Prometheus' text exposition format (version 0.0.4).

// Writes the "# HELP" and "# TYPE" lines of metric `name`.
void WriteMetricHeader(std::ostringstream& os, std::string_view name, std::string_view type,
                       std::string_view help);

// A label value with backslash, double quote and newline escaped.
std::string EscapeLabelValue(std::string_view value);

}  // namespace wj::server
