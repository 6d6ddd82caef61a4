// SPDX-License-Identifier: MIT
#include "ltdes/core/version.hpp"

#include "cli/commands.hpp"

#include "ltdes/des/build_info.hpp"
#include "ltdes/dist/mpi_session.hpp"
#include "ltdes/output/build_info.hpp"

#include <fmt/format.h>

namespace ltdes::cli {

void print_version() {
    fmt::print("lt-des {} ({})\n", version(), git_commit());
    fmt::print("  {}\n  {}\n  {}\n", dist::mpi_build_version(), output::hdf5_version(),
               des::tbb_version());
}

}  // namespace ltdes::cli
