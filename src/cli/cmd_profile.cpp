// SPDX-License-Identifier: MIT
// `lt-des profile`: not built yet.
#include "cli/commands.hpp"
#include "cli/options.hpp"

namespace ltdes::cli {

int cmd_profile(int /*argc*/, char** /*argv*/) {
    print_error("'profile' is not implemented yet");
    return 1;
}

}  // namespace ltdes::cli
