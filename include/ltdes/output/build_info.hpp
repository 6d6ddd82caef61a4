// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace ltdes::output {

/// "HDF5 1.10.8 (parallel)": the HDF5 lt-des was built with.
std::string hdf5_version();

}  // namespace ltdes::output
