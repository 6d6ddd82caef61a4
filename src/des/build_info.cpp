// SPDX-License-Identifier: MIT
#include "ltdes/des/build_info.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/version.h>

namespace ltdes::des {

std::string tbb_version() {
    return fmt::format("oneTBB {} (runtime {})", TBB_VERSION_STRING, TBB_runtime_version());
}

}  // namespace ltdes::des
