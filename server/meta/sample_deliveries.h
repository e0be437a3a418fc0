#pragma once

#include <span>

#include "storage/embedded_file.h"

namespace wj::server {

// Real webhook bodies of every field (server/samples/*.json, sources in SOURCES.md),
// compiled into the binary for `simulate`, the benchmark and the tests. Sorted by name;
// each name is "<field>__<case>.json".
std::span<const EmbeddedFile> SampleFiles();

}  // namespace wj::server
