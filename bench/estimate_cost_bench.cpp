// SPDX-License-Identifier: MIT
// Time of one CostModel::cost call (the cluster model calls it for every sharded op) and of a
// whole compat estimate.
#include "ltdes/config/arch_loader.hpp"
#include "ltdes/photonic/cost_model.hpp"
#include "ltdes/photonic/hpca24_estimate.hpp"
#include "ltdes/workload/presets.hpp"

#include <benchmark/benchmark.h>

namespace {

using ltdes::photonic::CostModel;

std::unique_ptr<CostModel> model(const char* arch) {
    auto spec = *ltdes::config::builtin_arch(arch);
    spec.apply_opt(ltdes::photonic::OptFlag::arch_opt);
    return ltdes::photonic::make_cost_model(spec);
}

void BM_CostGemm(benchmark::State& state, const char* arch) {
    const auto m = model(arch);
    ltdes::workload::Op op;
    op.kind = ltdes::workload::OpKind::gemm;
    op.m = 384;
    op.k = 768;
    op.n = 3072;
    for (auto _ : state) {
        benchmark::DoNotOptimize(m->cost(op, {}));
    }
}

BENCHMARK_CAPTURE(BM_CostGemm, dota, "Dota_B_4bit");
BENCHMARK_CAPTURE(BM_CostGemm, mrrbank, "Bs_mrr_bank_4bit");
BENCHMARK_CAPTURE(BM_CostGemm, mzi, "Bs_mzi_4bit");

void BM_CostDecodeQk(benchmark::State& state) {
    const auto m = model("Dota_B_4bit");
    ltdes::workload::Op op;
    op.kind = ltdes::workload::OpKind::bmm;
    op.role = ltdes::workload::BmmRole::qk;
    op.m = 1;
    op.k = 64;
    op.n = 1500;
    op.count = 12 * 8;
    for (auto _ : state) {
        benchmark::DoNotOptimize(m->cost(op, {}));
    }
}

BENCHMARK(BM_CostDecodeQk);

void BM_CostElementWise(benchmark::State& state) {
    const auto m = model("Dota_B_4bit");
    ltdes::workload::Op op;
    op.kind = ltdes::workload::OpKind::silu;
    op.m = 1024;
    op.n = 3072;
    for (auto _ : state) {
        benchmark::DoNotOptimize(m->cost(op, {}));
    }
}

BENCHMARK(BM_CostElementWise);

void BM_CompatEstimateBertL(benchmark::State& state) {
    auto spec = *ltdes::config::builtin_arch("Dota_B_4bit");
    spec.apply_opt(ltdes::photonic::OptFlag::arch_opt);
    const auto m = ltdes::photonic::make_cost_model(spec, {true});
    const auto shape = *ltdes::workload::find_preset("bert-l");
    for (auto _ : state) {
        benchmark::DoNotOptimize(ltdes::photonic::estimate_hpca24(*m, shape, 320));
    }
}

BENCHMARK(BM_CompatEstimateBertL);

void BM_LoadBuiltinArch(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(ltdes::config::builtin_arch("Dota_B_4bit"));
    }
}

BENCHMARK(BM_LoadBuiltinArch);

}  // namespace

BENCHMARK_MAIN();
