// SPDX-License-Identifier: MIT
#include "ltdes/core/input_file.hpp"

#include "ltdes/core/error.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>

namespace ltdes {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / "ltdes-input-file-test";
    fs::create_directories(dir);
    const fs::path p = dir / name;
    fs::remove_all(p);
    return p;
}

std::string error_of(const fs::path& p, std::size_t limit = kMaxConfigFileBytes) {
    try {
        read_config_file(p, "cluster file", limit);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

TEST(ReadConfigFile, ReadsARegularFileWhole) {
    const fs::path p = scratch("ok.yaml");
    std::ofstream(p) << "chips: 4\n";
    EXPECT_EQ(read_config_file(p, "cluster file"), "chips: 4\n");
}

TEST(ReadConfigFile, RefusesDevicesFoldersAndFifosWithoutReading) {
    EXPECT_EQ(error_of("/dev/zero"), "/dev/zero: the cluster file is a device, not a regular file");
    const fs::path d = scratch("dir");
    fs::create_directories(d);
    EXPECT_NE(error_of(d).find("the cluster file is a folder"), std::string::npos);
    const fs::path f = scratch("fifo");
    ASSERT_EQ(::mkfifo(f.c_str(), 0600), 0);
    // No writer: a blocking open would hang here.
    EXPECT_NE(error_of(f).find("the cluster file is a FIFO"), std::string::npos);
    EXPECT_EQ(not_a_regular_file(f).value_or(""), "is a FIFO (named pipe), not a regular file");
    EXPECT_FALSE(not_a_regular_file(scratch("missing")).has_value());
}

TEST(ReadConfigFile, RefusesFilesOverTheLimit) {
    const fs::path p = scratch("big.yaml");
    std::ofstream(p) << std::string(101, '#');
    EXPECT_EQ(error_of(p, 100),
              p.string() + ": the cluster file is 101 bytes, more than the limit of 100 bytes");
    EXPECT_EQ(read_config_file(p, "cluster file", 101).size(), 101u);
}

TEST(ReadConfigFile, MissingFileNamesTheError) {
    EXPECT_NE(error_of("/nonexistent/c.yaml")
                  .find("/nonexistent/c.yaml: cannot open the cluster "
                        "file: No such file or directory"),
              std::string::npos);
}

}  // namespace
}  // namespace ltdes
