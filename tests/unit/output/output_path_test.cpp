// SPDX-License-Identifier: MIT
#include "ltdes/output/output_path.hpp"

#include "ltdes/core/error.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>

namespace {

namespace fs = std::filesystem;
using ltdes::OutputError;
using ltdes::output::check_output_path;

std::string message_of(const fs::path& p, bool force) {
    try {
        check_output_path(p, force);
    } catch (const OutputError& e) {
        return e.what();
    }
    return "";
}

TEST(CheckOutputPath, AcceptsANewFileInAnExistingFolder) {
    EXPECT_EQ(message_of(fs::temp_directory_path() / "ltdes_never_written.h5", false), "");
}

TEST(CheckOutputPath, RejectsAMissingFolderWithoutCreatingIt) {
    const fs::path dir = fs::temp_directory_path() / "ltdes_no_such_dir";
    const auto msg = message_of(dir / "run.h5", false);
    EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
    EXPECT_FALSE(fs::exists(dir));
}

TEST(CheckOutputPath, AnExistingFileNeedsForce) {
    const fs::path p = fs::temp_directory_path() / "ltdes_existing.h5";
    std::ofstream(p) << "x";
    EXPECT_NE(message_of(p, false).find("--force"), std::string::npos);
    EXPECT_EQ(message_of(p, true), "");
    fs::remove(p);
}

TEST(CheckOutputPath, RejectsAFolderAsTheFileName) {
    EXPECT_NE(message_of(fs::temp_directory_path(), true).find("is a folder"), std::string::npos);
}

TEST(CheckOutputPath, ForceNeverReplacesAFifoOrADevice) {
    const fs::path dir = fs::temp_directory_path() / "ltdes-output-path-fifo";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path fifo = dir / "run.h5";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_NE(message_of(fifo, true).find("is a FIFO (named pipe), not a regular file"),
              std::string::npos);
    const fs::path link = dir / "null.h5";
    fs::create_symlink("/dev/null", link);
    EXPECT_NE(message_of(link, true).find("is a device"), std::string::npos);
    EXPECT_TRUE(fs::is_fifo(fifo));
    EXPECT_TRUE(fs::is_symlink(link));
    fs::remove_all(dir);
}

TEST(CheckOutputPath, ForceNeverReplacesDevNull) {
    // The case as root: `--out /dev/null --force`. The check only looks (stat), so
    // asking it about the real /dev/null is safe; it must refuse and leave the device alone.
    EXPECT_NE(message_of("/dev/null", true).find("is a device"), std::string::npos);
    EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST(CheckOutputPath, RejectsAnEmptyName) {
    EXPECT_NE(message_of("", false).find("empty"), std::string::npos);
}

TEST(CheckOutputPath, PartialNameAppendsASuffix) {
    EXPECT_EQ(ltdes::output::partial_path("out/run.h5"), fs::path("out/run.h5.partial"));
}

}  // namespace
