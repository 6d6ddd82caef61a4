// SPDX-License-Identifier: MIT
// Reading the small input files (arch and cluster YAML, Hugging Face config.json) safely: one
// open, regular files only, a size limit. A device (/dev/zero), FIFO, socket or folder given
// as a config is refused at once instead of being read without end or twice.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ltdes {

/// Largest config file lt-des reads, in bytes (16 MiB: the largest config in use is a few KB;
/// a cluster YAML with a chip_arch entry for each of 2^20 chips would be ~40 MB — list the
/// chips that differ instead).
inline constexpr std::size_t kMaxConfigFileBytes = std::size_t{16} << 20;

/// Why `path` cannot be read as an input file without opening it (stat only, never blocks):
/// "is a folder", "is a FIFO (named pipe) …", "is a character device …"; nullopt for a regular
/// file or a path that does not exist (the open reports that).
std::optional<std::string> not_a_regular_file(const std::filesystem::path& path);

/// The whole of the regular file `path` (at most `max_bytes`), read through one open. Throws
/// ConfigError("<path>: <what>: <reason>") when it cannot be opened, is not a regular file, or
/// is larger than `max_bytes`. `what` names the input ("arch file", "cluster file", …).
std::string read_config_file(const std::filesystem::path& path,
                             std::string_view what,
                             std::size_t max_bytes = kMaxConfigFileBytes);

}  // namespace ltdes
