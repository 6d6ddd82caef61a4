// SPDX-License-Identifier: MIT
#include "ltdes/workload/op.hpp"

#include <gtest/gtest.h>

namespace ltdes::workload {
namespace {

TEST(Op, KindNamesRoundTrip) {
    for (std::size_t i = 0; i < kOpKindNames.size(); ++i) {
        const auto kind = parse_op_kind(kOpKindNames[i]);
        ASSERT_TRUE(kind.has_value()) << kOpKindNames[i];
        EXPECT_EQ(static_cast<std::size_t>(*kind), i);
    }
    EXPECT_FALSE(parse_op_kind("conv2d").has_value());
    EXPECT_FALSE(parse_op_kind("").has_value());
}

TEST(Op, PhaseNamesRoundTrip) {
    EXPECT_EQ(parse_phase("decode"), Phase::decode);
    EXPECT_FALSE(parse_phase("Decode").has_value());
}

TEST(Op, MacsCountOnlyMatmuls) {
    Op gemm{.kind = OpKind::gemm, .m = 2, .n = 3, .k = 4, .count = 5};
    EXPECT_EQ(gemm.macs(), 120u);
    Op add{.kind = OpKind::add, .m = 2, .n = 3, .k = 4, .count = 5};
    EXPECT_EQ(add.macs(), 0u);
    EXPECT_EQ(add.elements(), 30u);
}

}  // namespace
}  // namespace ltdes::workload
