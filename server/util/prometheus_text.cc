#include "server/util/prometheus_text.h"

namespace wj::server {

void WriteMetricHeader(std::ostringstream& os, std::string_view name, std::string_view type,
                       std::string_view help) {
  os << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace wj::server
