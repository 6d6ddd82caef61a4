// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

namespace ltdes {

/// lt-des semantic version, e.g. "0.1.0".
std::string_view version();

/// Git commit the build was configured from ("unknown" outside a checkout).
std::string_view git_commit();

}  // namespace ltdes
