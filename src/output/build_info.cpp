// SPDX-License-Identifier: MIT
#include "ltdes/output/build_info.hpp"

#include <fmt/format.h>
#include <hdf5.h>

namespace ltdes::output {

std::string hdf5_version() {
#ifdef H5_HAVE_PARALLEL
    constexpr const char* kKind = "parallel";
#else
    constexpr const char* kKind = "serial";
#endif
    return fmt::format("HDF5 {}.{}.{} ({})", H5_VERS_MAJOR, H5_VERS_MINOR, H5_VERS_RELEASE, kKind);
}

}  // namespace ltdes::output
