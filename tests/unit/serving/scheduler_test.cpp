// SPDX-License-Identifier: MIT
// The pure pieces of the serving engine, against hand-worked sequences.
#include "ltdes/serving/kv_block_manager.hpp"
#include "ltdes/serving/pass_schedule.hpp"
#include "ltdes/serving/replica_scheduler.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ltdes::serving {
namespace {

trace::RequestRecord req(std::uint64_t id, std::uint64_t prompt, std::uint64_t decode) {
    return trace::RequestRecord{id, SimTime::zero(), prompt, decode};
}

SimTime ps(std::int64_t v) {
    return SimTime::from_ps(v);
}

TEST(KvBlockManager, CountsBlocksOfSixteenTokens) {
    KvBlockManager kv(10, 16);
    EXPECT_EQ(kv.blocks_for(1), 1U);
    EXPECT_EQ(kv.blocks_for(16), 1U);
    EXPECT_EQ(kv.blocks_for(17), 2U);
    std::uint64_t held = kv.grow(0, 40);  // 3 blocks
    EXPECT_EQ(held, 3U);
    EXPECT_EQ(kv.used(), 3U);
    held = kv.grow(held, 48);  // still 3
    EXPECT_EQ(held, 3U);
    EXPECT_TRUE(kv.can_grow(held, 160));   // 10 blocks: 7 more, 7 free
    EXPECT_FALSE(kv.can_grow(held, 161));  // 11 blocks
    kv.release(held);
    EXPECT_EQ(kv.used(), 0U);
    EXPECT_EQ(kv.peak(), 3U);
}

// max_batch 2, 100 tokens per iteration, 100 blocks; r1 (prompt 40, 3 tokens to generate),
// r2 (50, 2) and r3 (20, 2) arrive at 0.
ReplicaScheduler three_requests() {
    ServingSpec spec;
    spec.max_batch = 2;
    spec.max_batched_tokens = 100;
    ReplicaScheduler s(spec, 100);
    s.add(req(1, 40, 3), ps(0));
    s.add(req(2, 50, 2), ps(0));
    s.add(req(3, 20, 2), ps(0));
    return s;
}

// max_batch 2 and 100 tokens: r1 (40) and r2 (50) are admitted, r3 waits for a free place;
// the next iteration decodes both (no prefill fits the batch), r2 completes, and the one after
// is r3's prefill alone: an iteration is prefills or decodes, never both.
TEST(ReplicaScheduler, AdmitsFirstComeFirstServedWithinBatchAndTokenLimits) {
    ReplicaScheduler s = three_requests();
    std::vector<RequestState> done;

    const IterationPlan p1 = s.next(ps(0));
    ASSERT_EQ(p1.slices.size(), 2U);
    EXPECT_EQ(p1.slices[0].tokens, 40U);
    EXPECT_EQ(p1.slices[1].tokens, 50U);
    EXPECT_TRUE(p1.slices[0].prefill && p1.slices[0].emits);
    EXPECT_EQ(p1.prefill_tokens, 90U);
    EXPECT_EQ(p1.kv_blocks, 3U + 4U);  // ceil(40/16) + ceil(50/16)
    s.finish(p1, ps(10), 90.0, done);
    EXPECT_TRUE(done.empty());
    EXPECT_EQ(s.state(p1.slices[0].slot).first_token, ps(10));

    const IterationPlan p2 = s.next(ps(10));
    ASSERT_EQ(p2.slices.size(), 2U);
    EXPECT_EQ(p2.decode_tokens, 2U);
    EXPECT_EQ(p2.prefill_tokens, 0U);
    EXPECT_EQ(p2.slices[0].cached, 40U);
    EXPECT_EQ(p2.slices[1].cached, 50U);
    s.finish(p2, ps(20), 2.0, done);
    ASSERT_EQ(done.size(), 1U);
    EXPECT_EQ(done[0].record.id, 2U);
    EXPECT_EQ(done[0].completion, ps(20));
    // Energy by token share: 50/90 of 90 pJ, then 1/2 of 2 pJ.
    EXPECT_DOUBLE_EQ(done[0].energy_pj, 51.0);

    const IterationPlan p3 = s.next(ps(20));
    ASSERT_EQ(p3.slices.size(), 1U);
    EXPECT_EQ(p3.slices[0].tokens, 20U);
    EXPECT_EQ(s.state(p3.slices[0].slot).scheduled, ps(20));
    EXPECT_EQ(p3.decode_tokens, 0U);
}

// The same sequence as above through one plan object (the replica reuses its plan's storage):
// each plan holds only its own iteration, nothing of the one before.
TEST(ReplicaScheduler, APlanFilledAgainHoldsOnlyTheNewIteration) {
    ReplicaScheduler s = three_requests();
    std::vector<RequestState> done;
    IterationPlan plan;

    s.next(ps(0), plan);
    ASSERT_EQ(plan.slices.size(), 2U);
    EXPECT_EQ(plan.prefill_tokens, 90U);
    s.finish(plan, ps(10), 90.0, done);

    s.next(ps(10), plan);
    ASSERT_EQ(plan.slices.size(), 2U);  // two decodes, not four slices
    EXPECT_EQ(plan.prefill_tokens, 0U);
    EXPECT_EQ(plan.decode_tokens, 2U);
    s.finish(plan, ps(20), 2.0, done);

    s.next(ps(20), plan);
    ASSERT_EQ(plan.slices.size(), 1U);
    EXPECT_EQ(plan.slices[0].tokens, 20U);
    EXPECT_EQ(plan.prefill_tokens, 20U);
    EXPECT_EQ(plan.decode_tokens, 0U);
    EXPECT_EQ(plan.kv_blocks,
              3U + 2U);  // r1 (40 + 1 tokens) and r3 (20): ceil(41/16) + ceil(20/16)
}

// 100 tokens per iteration and 10 blocks of 16 tokens (160): a prompt of 100 and 61 tokens to
// generate holds at most 100 + 61 - 1 = 160 tokens (the last token is never fed back), 10
// blocks, and fits; one more prompt token does not fit an iteration, one more generated token
// needs an 11th block.
TEST(ReplicaScheduler, RunsPlainlyAloneOnlyWhenThePromptAndTheLargestContextFit) {
    ServingSpec spec;
    spec.max_batched_tokens = 100;
    const ReplicaScheduler s(spec, 10);
    EXPECT_TRUE(s.runs_plainly_alone(req(1, 100, 61)));
    EXPECT_FALSE(s.runs_plainly_alone(req(2, 101, 10)));
    EXPECT_FALSE(s.runs_plainly_alone(req(3, 100, 62)));
    EXPECT_FALSE(s.runs_plainly_alone(req(4, 10, 0)));
    EXPECT_FALSE(s.runs_plainly_alone(req(5, 1, ~std::uint64_t{0})));  // no wrap of 1 + decode
}

// Four blocks of four tokens, two requests of prompt 7 and 4 generated tokens. After two
// decode steps each holds 8 tokens in 2 blocks; r1's third step needs a third block, so the
// newest (r2) is preempted and later recomputes its 7 + 2 tokens.
TEST(ReplicaScheduler, PreemptsTheNewestRequestWhenDecodeRunsOutOfBlocks) {
    ServingSpec spec;
    spec.kv_block_tokens = 4;
    ReplicaScheduler s(spec, 4);
    s.add(req(1, 7, 4), ps(0));
    s.add(req(2, 7, 4), ps(0));
    std::vector<RequestState> done;
    IterationPlan p = s.next(ps(0));
    ASSERT_EQ(p.slices.size(), 2U);
    EXPECT_EQ(p.kv_blocks, 4U);
    s.finish(p, ps(1), 1.0, done);
    p = s.next(ps(1));  // decode: 8 tokens each still fit 2 blocks
    ASSERT_EQ(p.slices.size(), 2U);
    s.finish(p, ps(2), 1.0, done);
    p = s.next(ps(2));  // r1 needs 9 tokens = 3 blocks: r2 goes
    ASSERT_EQ(p.slices.size(), 1U);
    EXPECT_EQ(s.state(p.slices[0].slot).record.id, 1U);
    EXPECT_EQ(s.preemptions(), 1U);
    EXPECT_EQ(s.waiting(), 1U);
    EXPECT_EQ(p.kv_blocks, 3U);
    s.finish(p, ps(3), 1.0, done);
    p = s.next(ps(3));  // r2 would need 3 blocks for 9 tokens, 1 is free: r1 decodes
    ASSERT_EQ(p.slices.size(), 1U);
    EXPECT_FALSE(p.slices[0].prefill);
    s.finish(p, ps(4), 1.0, done);
    ASSERT_EQ(done.size(), 1U);  // r1: 4 tokens
    p = s.next(ps(4));           // r2 recomputes prompt + 2 generated tokens
    ASSERT_EQ(p.slices.size(), 1U);
    EXPECT_EQ(p.slices[0].tokens, 9U);
    EXPECT_TRUE(p.slices[0].emits);
    s.finish(p, ps(5), 1.0, done);
    p = s.next(ps(5));
    ASSERT_EQ(p.slices.size(), 1U);
    EXPECT_EQ(p.slices[0].cached, 9U);
    s.finish(p, ps(6), 1.0, done);
    ASSERT_EQ(done.size(), 2U);
    EXPECT_EQ(done[1].record.id, 2U);
    EXPECT_EQ(done[1].preemptions, 1U);
    EXPECT_EQ(done[1].first_token, ps(1));  // the first token is not taken back
    EXPECT_EQ(s.kv().used(), 0U);
}

// Budget 8: r1 decodes (1 token) while r2's 20-token prompt goes in chunks of 7, 7 and 6; only
// the last chunk emits a token.
TEST(ReplicaScheduler, ChunkedPrefillSharesTheTokenBudgetWithDecodes) {
    ServingSpec spec;
    spec.max_batch = 4;
    spec.max_batched_tokens = 8;
    spec.chunked_prefill = true;
    ReplicaScheduler s(spec, 100);
    std::vector<RequestState> done;
    s.add(req(1, 4, 3), ps(0));
    IterationPlan p = s.next(ps(0));
    ASSERT_EQ(p.slices.size(), 1U);
    s.finish(p, ps(1), 1.0, done);
    s.add(req(2, 20, 2), ps(1));
    p = s.next(ps(1));
    ASSERT_EQ(p.slices.size(), 2U);
    EXPECT_EQ(p.decode_tokens, 1U);
    EXPECT_EQ(p.slices[1].tokens, 7U);
    EXPECT_FALSE(p.slices[1].emits);
    s.finish(p, ps(2), 1.0, done);
    p = s.next(ps(2));
    ASSERT_EQ(p.slices.size(), 2U);
    EXPECT_EQ(p.slices[1].tokens, 7U);
    EXPECT_EQ(p.slices[1].cached, 7U);
    s.finish(p, ps(3), 1.0, done);
    ASSERT_EQ(done.size(), 1U);  // r1 generated its 3 tokens
    p = s.next(ps(3));
    ASSERT_EQ(p.slices.size(), 1U);
    EXPECT_EQ(p.slices[0].tokens, 6U);
    EXPECT_EQ(p.slices[0].cached, 14U);
    EXPECT_TRUE(p.slices[0].emits);
    s.finish(p, ps(4), 1.0, done);
    EXPECT_EQ(s.state(p.slices[0].slot).first_token, ps(4));
}

// Static batching: r3 waits until the whole batch {r1, r2} is done, although r2 leaves early.
TEST(ReplicaScheduler, StaticBatchRunsToCompletionBeforeTheNextIsFormed) {
    ServingSpec spec;
    spec.scheduler = SchedulerMode::static_batch;
    spec.max_batch = 2;
    ReplicaScheduler s(spec, 100);
    std::vector<RequestState> done;
    s.add(req(1, 4, 3), ps(0));
    s.add(req(2, 4, 1), ps(0));
    s.add(req(3, 4, 1), ps(0));
    IterationPlan p = s.next(ps(0));
    ASSERT_EQ(p.slices.size(), 2U);
    s.finish(p, ps(1), 1.0, done);
    EXPECT_EQ(done.size(), 1U);  // r2 needed one token
    for (int step = 0; step < 2; ++step) {
        p = s.next(ps(1 + step));
        ASSERT_EQ(p.slices.size(), 1U);
        EXPECT_FALSE(p.slices[0].prefill);
        s.finish(p, ps(2 + step), 1.0, done);
    }
    EXPECT_EQ(done.size(), 2U);
    p = s.next(ps(3));
    ASSERT_EQ(p.slices.size(), 1U);
    EXPECT_EQ(s.state(p.slices[0].slot).record.id, 3U);
}

ScheduledOp sop(std::int64_t d,
                bool dram,
                std::vector<std::uint32_t> deps,
                std::int64_t after = 0) {
    ScheduledOp o;
    o.timing.duration = ps(d);
    o.after = ps(after);
    o.dram = dram;
    o.deps = std::move(deps);
    return o;
}

// op0 DRAM 10; op1 cores 5; op2 cores 3 after {0,1} plus a 7 ps all-reduce; op3 DRAM 4 after
// {1}; op4 cores 2 after {2,3}. Overlap: op2 runs 10-13 and is done at 20, op3 runs 10-14,
// op4 runs 20-22. One resource: 0-10, 10-15, op2 15-18 (done 25), op3 18-22, op4 25-27.
TEST(PassSchedule, FollowsTheChipModelRules) {
    const std::vector<ScheduledOp> ops = {sop(10, true, {}), sop(5, false, {}),
                                          sop(3, false, {0, 1}, 7), sop(4, true, {1}),
                                          sop(2, false, {2, 3})};
    EXPECT_EQ(schedule_makespan(ops, true), ps(22));
    EXPECT_EQ(schedule_makespan(ops, false), ps(27));
}

}  // namespace
}  // namespace ltdes::serving
