// SPDX-License-Identifier: MIT
#include "ltdes/cluster/stage_program.hpp"

#include "unit/cluster/model_fixtures.hpp"

#include "ltdes/core/error.hpp"

#include <gtest/gtest.h>

namespace ltdes::cluster {
namespace {

using workload::Op;
using workload::OpKind;

Op op(std::uint64_t id,
      std::int32_t layer,
      OpKind kind,
      const char* name,
      std::vector<std::uint64_t> deps) {
    return testing::make_op(id, layer, kind, name, 1, 1, 1, std::move(deps));
}

Plan two_stages() {
    ClusterSpec s;
    s.plan = PlanSpec{false, 1, 2, 1};
    s.chips = 2;
    return Plan(s, testing::gpt2(), testing::gpt2_workload());  // layers 0-5 | 6-11
}

TEST(StageProgram, ResolvesLocalAndCrossStageDependencies) {
    ProgramBuilder b(two_stages());
    b.add(op(0, -1, OpKind::lookup, "tok_embed", {}));
    b.add(op(1, 0, OpKind::layernorm, "ln1", {0}));
    b.add(op(2, 5, OpKind::add, "res2", {1}));
    b.add(op(3, 6, OpKind::layernorm, "ln1", {2}));      // activation from stage 0
    b.add(op(4, -1, OpKind::gemm, "lm_head", {3}));      // last stage
    b.add(op(5, -1, OpKind::lookup, "tok_embed", {4}));  // the generated token goes back
    b.add(op(6, 0, OpKind::layernorm, "ln1", {5, 2}));
    const auto stages = b.finish();
    ASSERT_EQ(stages.size(), 2U);
    const auto& s0 = stages[0];
    const auto& s1 = stages[1];
    ASSERT_EQ(s0.entries().size(), 5U);  // ids 0, 1, 2, 5, 6
    ASSERT_EQ(s1.entries().size(), 2U);  // ids 3, 4
    EXPECT_EQ(s0.entries()[3].op.id, 5U);
    EXPECT_TRUE(s0.entries()[3].op.deps.empty());

    ASSERT_EQ(s0.roots().size(), 1U);
    EXPECT_EQ(s0.roots()[0], 0U);
    EXPECT_TRUE(s1.roots().empty());

    EXPECT_EQ(s0.entries()[2].consumer_stages, (std::vector<std::uint32_t>{1}));  // res2
    EXPECT_EQ(s1.entries()[1].consumer_stages, (std::vector<std::uint32_t>{0}));  // lm_head
    EXPECT_TRUE(s0.entries()[1].consumer_stages.empty());

    EXPECT_EQ(s1.entries()[0].remote_dep_count, 1U);
    EXPECT_EQ(s1.entries()[0].local_dep_count, 0U);
    const auto c = s1.consumers_of(2);
    ASSERT_EQ(c.size(), 1U);
    EXPECT_EQ(c[0].second, 0U);
    ASSERT_EQ(s0.consumers_of(4).size(), 1U);
    EXPECT_EQ(s0.consumers_of(4)[0].second, 3U);
    EXPECT_TRUE(s0.consumers_of(3).empty());

    const auto& last = s0.entries()[4];  // id 6: local deps on ids 5 and 2 = locals 3 and 2
    const auto deps = s0.local_deps(last);
    ASSERT_EQ(deps.size(), 2U);
    EXPECT_EQ(deps[0], 3U);
    EXPECT_EQ(deps[1], 2U);
    EXPECT_EQ(s0.entries()[2].dependents, (std::vector<std::uint32_t>{4}));  // res2 → id 6
    EXPECT_EQ(s0.entries()[0].dependents, (std::vector<std::uint32_t>{1}));
}

TEST(StageProgram, RejectsNonContiguousIdsAndForwardDependencies) {
    ProgramBuilder b(two_stages());
    EXPECT_THROW(b.add(op(1, 0, OpKind::add, "res1", {})), TraceError);
    b.add(op(0, 0, OpKind::add, "res1", {}));
    EXPECT_THROW(b.add(op(1, 0, OpKind::add, "res2", {1})), TraceError);
}

}  // namespace
}  // namespace ltdes::cluster
