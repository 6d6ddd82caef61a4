// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace ltdes::des {

/// "oneTBB 2021.8 (runtime 2021.8)": the TBB lt-des was built with and the one loaded.
std::string tbb_version();

}  // namespace ltdes::des
