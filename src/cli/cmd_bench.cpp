// SPDX-License-Identifier: MIT
// `lt-des bench`: not built yet.
#include "cli/commands.hpp"
#include "cli/options.hpp"

namespace ltdes::cli {

int cmd_bench(int /*argc*/, char** /*argv*/) {
    print_error("'bench' is not implemented yet");
    return 1;
}

}  // namespace ltdes::cli
