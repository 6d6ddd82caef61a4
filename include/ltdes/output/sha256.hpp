// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace ltdes::output {

/// Incremental SHA-256 (FIPS 180-4), for the input-file digests of `/metadata/inputs`. Small
/// and dependency-free; not constant-time (nothing secret is hashed).
class Sha256 {
public:
    Sha256();

    /// Appends bytes to the message.
    void update(std::span<const std::byte> data);

    void update(std::string_view text);

    /// The digest as 64 lowercase hex digits. Ends the message: call once.
    std::string hex_digest();

private:
    void compress(const std::uint8_t* block);

    std::array<std::uint32_t, 8> state_{};
    std::array<std::uint8_t, 64> block_{};
    std::size_t block_used_ = 0;
    std::uint64_t total_bytes_ = 0;
};

/// SHA-256 of a file's bytes as hex; throws OutputError when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace ltdes::output
