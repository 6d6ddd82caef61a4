// SPDX-License-Identifier: MIT
// `lt-des trace`: not built yet.
#include "cli/commands.hpp"
#include "cli/options.hpp"

namespace ltdes::cli {

int cmd_trace(int /*argc*/, char** /*argv*/) {
    print_error("'trace' is not implemented yet");
    return 1;
}

}  // namespace ltdes::cli
