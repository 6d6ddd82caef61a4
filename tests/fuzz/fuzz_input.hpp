// SPDX-License-Identifier: MIT
// The loaders under fuzzing read files by path: a memfd holds each input, reached through
// /proc/self/fd/N (a regular file to fstat, no disk traffic, one per process).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace ltdes::fuzz {

/// Writes `data` into the process's input memfd and returns a path that opens it.
inline std::string input_path(const std::uint8_t* data, std::size_t size) {
    static const int fd = ::memfd_create("ltdes-fuzz-input", MFD_CLOEXEC);
    if (fd < 0 || ::ftruncate(fd, 0) != 0) {
        std::abort();
    }
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
        if (n <= 0) {
            std::abort();
        }
        done += static_cast<std::size_t>(n);
    }
    return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace ltdes::fuzz
