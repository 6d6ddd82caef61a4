// SPDX-License-Identifier: MIT
#include "ltdes/config/arch_loader.hpp"

#include "ltdes/core/error.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace ltdes::config {
namespace {

namespace fs = std::filesystem;

/// A fresh temporary folder, removed at the end of the test.
class TempDir {
public:
    TempDir() {
        path_ = fs::temp_directory_path() /
                ("ltdes_arch_test_" +
                 std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(path_);
        fs::create_directories(path_);
    }

    ~TempDir() { fs::remove_all(path_); }

    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string write(const std::string& name, const std::string& text) const {
        const fs::path p = path_ / name;
        std::ofstream(p) << text;
        return p.string();
    }

private:
    fs::path path_;
};

/// The ConfigError message of loading `path`, or "" when it loads.
std::string load_error(const std::string& path) {
    try {
        (void)load_arch(path);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(ArchLoader, BuiltinsHaveThePaperValues) {
    const auto b4 = builtin_arch("Dota_B_4bit");
    ASSERT_TRUE(b4);
    EXPECT_EQ(b4->core_type, photonic::CoreType::dota);
    EXPECT_EQ(b4->num_tiles, 4U);
    EXPECT_EQ(b4->num_pe_per_tile, 2U);
    EXPECT_EQ(b4->time_accum_factor, 3U);
    EXPECT_EQ(b4->in_bit, 4U);
    const auto l8 = builtin_arch("Dota_L_8bit");
    ASSERT_TRUE(l8);
    EXPECT_EQ(l8->num_tiles, 8U);
    EXPECT_EQ(l8->act_bit, 8U);
    const auto mrr = builtin_arch("Bs_mrr_bank_4bit");
    ASSERT_TRUE(mrr);
    EXPECT_EQ(mrr->core_type, photonic::CoreType::mrrbank);
    EXPECT_EQ(mrr->num_tiles, 7U);
    EXPECT_EQ(mrr->full_range_support_factor, 2U);
    const auto mzi = builtin_arch("Bs_mzi_8bit");
    ASSERT_TRUE(mzi);
    EXPECT_EQ(mzi->core_type, photonic::CoreType::mzi);
    EXPECT_DOUBLE_EQ(mzi->mzi.response_time_ms, 2.0e-3);
    EXPECT_FALSE(builtin_arch("default"));
    EXPECT_FALSE(builtin_arch("Dota_X"));
    EXPECT_EQ(builtin_arch_names().size(), 10U);  // the paper's eight, then the two GPUs
    const auto a100 = builtin_arch("a100-sxm");
    ASSERT_TRUE(a100);
    EXPECT_EQ(a100->core_type, photonic::CoreType::gpu);
    EXPECT_EQ(a100->in_bit, 16U);
    EXPECT_DOUBLE_EQ(a100->gpu_tensor_flops(), 312e12);  // the data sheet's dense FP16
}

// LTDES_AUTHORS_ARCH_DIR: a folder of the authors' arch YAML files (not shipped: their
// licence), e.g. a checkout of their simulator's parameter folder.
TEST(ArchLoader, AuthorsFilesLoadUnchangedAndEqualOurs) {
    const char* env = std::getenv("LTDES_AUTHORS_ARCH_DIR");
    if (env == nullptr || !fs::exists(env)) {
        GTEST_SKIP() << "set LTDES_AUTHORS_ARCH_DIR to the authors' arch YAML folder";
    }
    const fs::path dir(env);
    for (std::string_view name : builtin_arch_names().first(8)) {  // theirs: no GPU files
        const auto theirs = load_arch((dir / (std::string(name) + ".yaml")).string());
        const auto ours = builtin_arch(name);
        ASSERT_TRUE(ours);
        EXPECT_EQ(theirs, *ours) << name;
    }
}

// load_arch reads these files (and their default.yaml) with the full single-document check;
// builtin_arch parses the same texts once, without it, so this test is that check for them.
TEST(ArchLoader, ShippedFilesEqualTheBuiltins) {
    const fs::path dir = fs::path(LTDES_SOURCE_DIR) / "configs" / "arch";
    for (std::string_view name : builtin_arch_names()) {
        EXPECT_EQ(load_arch((dir / (std::string(name) + ".yaml")).string()), *builtin_arch(name))
            << name;
    }
}

TEST(ArchLoader, BuiltinNameWorksAsPath) {
    EXPECT_EQ(load_arch("Bs_mzi_4bit"), *builtin_arch("Bs_mzi_4bit"));
    EXPECT_EQ(load_arch("Bs_mzi_4bit.yaml"), *builtin_arch("Bs_mzi_4bit"));
    EXPECT_NE(load_error("nope/Bs_mzi_4bit.yaml").find("nope/Bs_mzi_4bit.yaml"), std::string::npos);
}

TEST(ArchLoader, DefaultBesideTheFileIsMergedFirst) {
    const TempDir dir;
    dir.write("default.yaml", "core:\n  interface:\n    TIA:\n      power: 7\n  width: 10\n");
    const std::string path = dir.write("mine.yaml", "core:\n  width: 16\n");
    const auto spec = load_arch(path);
    EXPECT_DOUBLE_EQ(spec.tia_power_mw, 7.0);  // from default.yaml
    EXPECT_EQ(spec.width, 16U);                // the named file wins
    EXPECT_EQ(spec.height, 12U);               // lt-des's built-in value
    EXPECT_EQ(spec.name, "mine");
}

TEST(ArchLoader, UnknownKeyNamesFileLineAndPath) {
    const TempDir dir;
    const std::string path = dir.write("a.yaml", "core:\n  width: 12\n  widht: 3\n");
    const std::string err = load_error(path);
    EXPECT_NE(err.find(path + ":3:"), std::string::npos) << err;
    EXPECT_NE(err.find("core.widht"), std::string::npos) << err;
    EXPECT_NE(err.find("unknown key"), std::string::npos) << err;
}

TEST(ArchLoader, WrongTypesAreErrors) {
    const TempDir dir;
    std::string err = load_error(dir.write("a.yaml", "core:\n  height: twelve\n"));
    EXPECT_NE(err.find("core.height"), std::string::npos) << err;
    EXPECT_NE(err.find("expected an integer"), std::string::npos) << err;
    err = load_error(dir.write("b.yaml", "device:\n  laser:\n    wall_plug_eff: [1, 2]\n"));
    EXPECT_NE(err.find("device.laser.wall_plug_eff"), std::string::npos) << err;
    err = load_error(dir.write("c.yaml", "arch:\n  datamovement: 3\n"));
    EXPECT_NE(err.find("arch.datamovement"), std::string::npos) << err;
    err = load_error(dir.write("d.yaml", "core:\n  type: photonic\n"));
    EXPECT_NE(err.find("core.type"), std::string::npos) << err;
    err = load_error(dir.write("e.yaml", "arch:\n  adc_share_flag: 2\n"));
    EXPECT_NE(err.find("arch.adc_share_flag"), std::string::npos) << err;
    err = load_error(dir.write("f.yaml", "core: [1\n"));
    EXPECT_NE(err.find("invalid YAML"), std::string::npos) << err;
    err = load_error(dir.write("g.yaml", "core:\n  width: -3\n"));
    EXPECT_NE(err.find("core.width"), std::string::npos) << err;
}

TEST(ArchLoader, OutOfRangeValuesNameFileAndKey) {
    const TempDir dir;
    const auto check = [&](const std::string& yaml, const std::string& key) {
        const std::string path = dir.write("r.yaml", yaml);
        const std::string err = load_error(path);
        EXPECT_NE(err.find(path), std::string::npos) << err;
        EXPECT_NE(err.find(key), std::string::npos) << yaml << " -> " << err;
    };
    check("core:\n  num_wavelength: 0\n", "core.num_wavelength");
    check("core:\n  precision:\n    act_bit: 9\n", "core.precision.act_bit");
    check("core:\n  precision:\n    in_bit: 0\n", "core.precision.in_bit");
    check("device:\n  photo_detector:\n    power: -1\n", "device.photo_detector.power");
    check("device:\n  mrr_router:\n    static_power: -0.1\n", "device.mrr_router.static_power");
    check("core:\n  work_freq: 12\n", "core.work_freq");
    check("core:\n  interface:\n    ADC:\n      choice: 2\n", "core.interface.ADC.choice");
    check("arch:\n  num_tiles: 0\n", "arch.num_tiles");
    check("core:\n  type: mrrbank\narch:\n  full_range_support_factor: 1\n",
          "arch.full_range_support_factor");
    check("arch:\n  weight_reuse_factor: 0\n", "arch.weight_reuse_factor");
    check("device:\n  laser:\n    wall_plug_eff: 0\n", "device.laser.wall_plug_eff");
}

TEST(ArchLoader, EmptyFileGivesTheDefaults) {
    const TempDir dir;
    const auto spec = load_arch(dir.write("empty.yaml", ""));
    photonic::ArchSpec expected;
    expected.name = "empty";
    EXPECT_EQ(spec, expected);
}

}  // namespace
}  // namespace ltdes::config
