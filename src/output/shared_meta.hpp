// SPDX-License-Identifier: MIT
// The run metadata every rank passes to parallel HDF5: rank 0's copy plus what only rank 0
// computes (input digests, creation date), broadcast so all ranks write identical attributes.
#pragma once

#include "ltdes/output/run_metadata.hpp"

#include <string>
#include <vector>

namespace ltdes::output {

/// Rank 0's metadata with the input digests (same order as meta.inputs) and the creation date.
struct SharedMeta {
    RunMetadata meta;
    std::vector<std::string> sha256;
    std::string created;
};

/// Collective: rank 0 hashes the inputs and stamps the date, then every rank gets its copy.
/// Throws OutputError on every rank when rank 0 cannot read an input.
SharedMeta share_meta(const RunMetadata& meta);

}  // namespace ltdes::output
