// SPDX-License-Identifier: MIT
// `lt-des estimate`: not built yet.
#include "cli/commands.hpp"
#include "cli/options.hpp"

namespace ltdes::cli {

int cmd_estimate(int /*argc*/, char** /*argv*/) {
    print_error("'estimate' is not implemented yet");
    return 1;
}

}  // namespace ltdes::cli
