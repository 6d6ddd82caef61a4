// SPDX-License-Identifier: MIT
#include "ltdes/core/input_file.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace ltdes {

namespace {

std::optional<std::string> kind_of(mode_t mode) {
    if (S_ISREG(mode)) {
        return std::nullopt;
    }
    if (S_ISDIR(mode)) {
        return std::string("is a folder, not a file");
    }
    if (S_ISFIFO(mode)) {
        return std::string("is a FIFO (named pipe), not a regular file");
    }
    if (S_ISCHR(mode) || S_ISBLK(mode)) {
        return std::string("is a device, not a regular file");
    }
    if (S_ISSOCK(mode)) {
        return std::string("is a socket, not a regular file");
    }
    return std::string("is not a regular file");
}

/// Closes a file descriptor on scope exit.
struct FdGuard {
    int fd;

    ~FdGuard() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

std::string errno_text(int err) {
    // error_code::message rather than strerror, which is not thread-safe.
    return std::error_code(err, std::generic_category()).message();
}

}  // namespace

std::optional<std::string> not_a_regular_file(const std::filesystem::path& path) {
    struct stat st {};

    if (::stat(path.c_str(), &st) != 0) {
        return std::nullopt;
    }
    return kind_of(st.st_mode);
}

std::string read_config_file(const std::filesystem::path& path,
                             std::string_view what,
                             std::size_t max_bytes) {
    const std::string name = path.string();
    // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat below refuses it.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        throw ConfigError(fmt::format("{}: cannot open the {}: {}", name, what, errno_text(errno)));
    }
    const FdGuard guard{fd};

    struct stat st {};

    if (::fstat(fd, &st) != 0) {
        throw ConfigError(fmt::format("{}: cannot read the {}: {}", name, what, errno_text(errno)));
    }
    if (const auto why = kind_of(st.st_mode)) {
        throw ConfigError(fmt::format("{}: the {} {}", name, what, *why));
    }
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
        throw ConfigError(fmt::format("{}: the {} is {} bytes, more than the limit of {} bytes",
                                      name, what, st.st_size, max_bytes));
    }
    std::string text;
    text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    // Read up to one byte past the limit: a file that grows while being read is still bounded.
    for (;;) {
        if (got == text.size()) {
            if (text.size() > max_bytes) {
                throw ConfigError(fmt::format("{}: the {} is larger than the limit of {} bytes",
                                              name, what, max_bytes));
            }
            text.resize(std::min(max_bytes + 1, text.size() + 4096));
        }
        const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw ConfigError(
                fmt::format("{}: cannot read the {}: {}", name, what, errno_text(errno)));
        }
        if (n == 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    return text;
}

}  // namespace ltdes
