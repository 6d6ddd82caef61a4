// SPDX-License-Identifier: MIT
#include "ltdes/core/error_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ltdes {
namespace {

TEST(ClipValue, ShortValuesStayAsTheyAre) {
    EXPECT_EQ(clip_value("ring"), "ring");
    EXPECT_EQ(clip_value(""), "");
}

TEST(ClipValue, LongValuesAreCutTo80BytesAndAnEllipsis) {
    const std::string v(1'000'000, 'x');
    EXPECT_EQ(clip_value(v), std::string(80, 'x') + "…");
    EXPECT_EQ(clip_value(std::string(80, 'y')), std::string(80, 'y'));  // exactly the limit
}

TEST(ClipValue, ControlBytesAreEscaped) {
    EXPECT_EQ(clip_value("a\r\nb\tc"), "a\\r\\nb\\tc");
    EXPECT_EQ(clip_value(std::string("n\0x\x7f", 4)), "n\\x00x\\x7f");
}

TEST(ClipValue, NeverCutsAUtf8Character) {
    // 79 ASCII bytes, then "é" (2 bytes) starting at the 80th: its continuation byte goes with
    // it (81 bytes), and the cut falls at the next character.
    const std::string v = std::string(79, 'a') + "é" + "zz";
    EXPECT_EQ(clip_value(v), std::string(79, 'a') + "é…");
}

TEST(OneLine, EscapesAndCutsWholeMessages) {
    EXPECT_EQ(one_line("f.yaml:1: x\ny"), "f.yaml:1: x\\ny");
    const std::string m = one_line(std::string(5000, 'm'));
    EXPECT_EQ(m, std::string(1024, 'm') + "…");
}

}  // namespace
}  // namespace ltdes
