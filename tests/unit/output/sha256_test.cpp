// SPDX-License-Identifier: MIT
#include "ltdes/output/sha256.hpp"

#include "ltdes/core/error.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

using ltdes::output::Sha256;

std::string digest(std::string_view text) {
    Sha256 s;
    s.update(text);
    return s.hex_digest();
}

// Expected digests: the FIPS 180-4 / NIST CAVS example vectors.
TEST(Sha256, MatchesTheNistVectors) {
    EXPECT_EQ(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(digest(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, SplitUpdatesEqualOneUpdate) {
    Sha256 s;
    s.update("ab");
    s.update("c");
    EXPECT_EQ(s.hex_digest(), digest("abc"));
}

TEST(Sha256, HashesAFileAndReportsAMissingOne) {
    const auto path = std::filesystem::temp_directory_path() / "ltdes_sha256_test.txt";
    std::ofstream(path, std::ios::binary) << "abc";
    EXPECT_EQ(ltdes::output::sha256_file(path), digest("abc"));
    std::filesystem::remove(path);
    EXPECT_THROW(ltdes::output::sha256_file(path), ltdes::OutputError);
}

}  // namespace
