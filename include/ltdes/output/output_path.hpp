// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <filesystem>

namespace ltdes::output {

/// Free space the result folder must have before a run starts (a full disk is reported before
/// the simulation, not after it).
inline constexpr std::uintmax_t kMinFreeBytes = 1U << 20;

/// Checks, before any simulation work, that `path` can become a result file (docs/commands.md):
/// its parent folder exists (lt-des creates none) and is writable with at least kMinFreeBytes
/// free, `path` is not a folder, and an existing file is only replaced with `force`. Throws
/// OutputError naming the path and what is wrong. Not collective; needs no MPI.
void check_output_path(const std::filesystem::path& path, bool force);

/// `<path>.partial`: where a result is written until it is complete.
std::filesystem::path partial_path(const std::filesystem::path& path);

}  // namespace ltdes::output
