// SPDX-License-Identifier: MIT
#include "ltdes/output/output_path.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/core/input_file.hpp"

#include <fmt/format.h>

#include <system_error>
#include <unistd.h>

namespace ltdes::output {

namespace fs = std::filesystem;

void check_output_path(const fs::path& path, bool force) {
    if (path.empty()) {
        throw OutputError("--out: the result file name is empty");
    }
    const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::exists(parent, ec)) {
        throw OutputError(fmt::format(
            "{}: the folder '{}' does not exist (lt-des creates no folders; create it first)",
            path.string(), parent.string()));
    }
    if (!fs::is_directory(parent, ec)) {
        throw OutputError(fmt::format("{}: '{}' is not a folder", path.string(), parent.string()));
    }
    if (::access(parent.c_str(), W_OK | X_OK) != 0) {
        throw OutputError(
            fmt::format("{}: the folder '{}' is not writable", path.string(), parent.string()));
    }
    if (fs::is_directory(path, ec)) {
        throw OutputError(fmt::format("{}: is a folder, not a result file name", path.string()));
    }
    // --force replaces a result file, never a device (/dev/null), FIFO or socket, even through
    // a symlink: the check follows links and needs no open.
    if (const auto why = not_a_regular_file(path)) {
        throw OutputError(fmt::format("{}: {}; lt-des only replaces regular files (with --force)",
                                      path.string(), *why));
    }
    if (fs::exists(path, ec) && !force) {
        throw OutputError(fmt::format(
            "{}: already exists; lt-des leaves it untouched (use --force to replace it)",
            path.string()));
    }
    const fs::space_info space = fs::space(parent, ec);
    if (!ec && space.available < kMinFreeBytes) {
        throw OutputError(fmt::format("{}: the disk holding '{}' is full ({} bytes free)",
                                      path.string(), parent.string(), space.available));
    }
}

fs::path partial_path(const fs::path& path) {
    fs::path p = path;
    p += ".partial";
    return p;
}

}  // namespace ltdes::output
