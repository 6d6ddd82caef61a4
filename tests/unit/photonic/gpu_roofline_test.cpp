// SPDX-License-Identifier: MIT
// The GPU roofline by hand (docs/model.md, "The electronic baseline"): the built-in a100-sxm
// (312 TFLOP/s dense FP16, 78 TFLOP/s vector, 2039 GB/s, 5 us launch, 1.282 pJ/FLOP,
// 31.2 pJ/byte, 2-byte values) on one op of each kind, and the validation of a gpu arch.
#include "ltdes/photonic/gpu_roofline.hpp"

#include "ltdes/config/arch_loader.hpp"
#include "ltdes/core/error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ltdes::photonic {
namespace {

using C = EnergyComponent;
using workload::BmmRole;
using workload::Op;
using workload::OpKind;

ArchSpec a100() {
    auto a = config::builtin_arch("a100-sxm");
    EXPECT_TRUE(a);
    return *a;
}

Op op(OpKind kind, std::uint64_t m, std::uint64_t n, std::uint64_t k, std::uint64_t count) {
    Op o;
    o.kind = kind;
    o.m = m;
    o.n = n;
    o.k = k;
    o.count = count;
    if (kind == OpKind::bmm) {
        o.role = BmmRole::qk;
    }
    return o;
}

void expect_rel(double got, double want) {
    EXPECT_NEAR(got, want, 1e-12 * want) << "got " << got << ", want " << want;
}

TEST(GpuRoofline, MemoryBoundGemm) {
    // DeiT-B's attention projection: [197 x 768] x [768 x 768].
    // FLOPs = 2·197·768·768 = 232 390 656 -> 7.448e-7 s at 312e12.
    // bytes = 2·(197·768 + 768·768 + 197·768) = 2·892 416 = 1 784 832 -> 8.7535e-7 s at 2.039e12:
    // memory-bound, latency = 1 784 832 / 2.039e12 + 5e-6 s.
    const auto model = make_cost_model(a100());
    const OpCost c = model->cost(op(OpKind::gemm, 197, 768, 768, 1), {});
    expect_rel(c.latency_s, 1784832.0 / 2.039e12 + 5e-6);
    expect_rel(c.energy[C::digital], 1.282 * 232390656.0);
    expect_rel(c.energy[C::dram], 31.2 * 1784832.0);
    EXPECT_EQ(c.energy[C::static_power], 0.0);
    EXPECT_EQ(c.energy.total(), c.energy[C::digital] + c.energy[C::dram]);
}

TEST(GpuRoofline, ComputeBoundGemmAndPrecision) {
    // 4096³: FLOPs = 2·4096³ = 137 438 953 472 -> 4.405e-4 s; bytes = 2·3·4096² = 100 663 296
    // -> 4.94e-5 s: compute-bound.
    const auto model = make_cost_model(a100());
    const OpCost c = model->cost(op(OpKind::gemm, 4096, 4096, 4096, 1), {});
    expect_rel(c.latency_s, 137438953472.0 / 312e12 + 5e-6);
    // 1.41 GHz: ceil(4.405093e-4 s · 1.41e9) = ceil(621 118.2) cycles.
    EXPECT_EQ(c.compute_cycles, 621119U);
    // INT8 (in_bit 8): 624 TOP/s and 1-byte values: still compute-bound, half the time.
    ArchSpec int8 = a100();
    int8.in_bit = 8;
    int8.validate("test");
    const OpCost c8 = make_cost_model(int8)->cost(op(OpKind::gemm, 4096, 4096, 4096, 1), {});
    expect_rel(c8.latency_s, 137438953472.0 / 624e12 + 5e-6);
    expect_rel(c8.energy[C::dram], 31.2 * 100663296.0 / 2.0);
}

TEST(GpuRoofline, AttentionElementWiseAndMemoryOps) {
    const auto model = make_cost_model(a100());
    // Q·Kᵀ of DeiT-B: 12 heads of [197 x 64] x [64 x 197]: FLOPs = 2·197·197·64·12 =
    // 59 610 624 (1.9106e-7 s); bytes = 2·12·(197·64 + 64·197 + 197·197) = 2·12·64 025 =
    // 1 536 600 (7.536e-7 s): memory-bound.
    const OpCost qk = model->cost(op(OpKind::bmm, 197, 197, 64, 12), {});
    expect_rel(qk.latency_s, 1536600.0 / 2.039e12 + 5e-6);
    expect_rel(qk.energy[C::digital], 1.282 * 59610624.0);
    // Residual add over 197 x 768 = 151 296 elements: 1 FLOP each on the vector units
    // (1.94e-9 s); bytes = (2 inputs + 1 output)·2·151 296 = 907 776 (4.452e-7 s).
    const OpCost add = model->cost(op(OpKind::add, 197, 768, 1, 1), {});
    expect_rel(add.latency_s, 907776.0 / 2.039e12 + 5e-6);
    expect_rel(add.energy[C::digital], 1.282 * 151296.0);
    // Softmax: 5 FLOPs per element, 1 input + 1 output.
    const OpCost sm = model->cost(op(OpKind::softmax, 197, 197, 1, 12), {});
    expect_rel(sm.energy[C::digital], 1.282 * 5.0 * 197.0 * 197.0 * 12.0);
    expect_rel(sm.energy[C::dram], 31.2 * 2.0 * 2.0 * 197.0 * 197.0 * 12.0);
    // kv_read is fused into the attention matmuls: no time, no energy.
    const OpCost kv = model->cost(op(OpKind::kv_read, 1, 4096, 1, 32), {});
    EXPECT_EQ(kv.latency_s, 0.0);
    EXPECT_EQ(kv.energy.total(), 0.0);
    // kv_write of 2·4096 values: 16 384 bytes, a kernel of its own.
    const OpCost kw = model->cost(op(OpKind::kv_write, 1, 8192, 1, 1), {});
    expect_rel(kw.latency_s, 16384.0 / 2.039e12 + 5e-6);
    // Lookup of 4096 values: read + write = 16 384 bytes.
    const OpCost lk = model->cost(op(OpKind::lookup, 1, 4096, 1, 1), {});
    expect_rel(lk.energy[C::dram], 31.2 * 16384.0);
}

TEST(GpuRoofline, StaticPowerIsChargedPerSecondOfOp) {
    ArchSpec a = a100();
    a.gpu.static_power_w = 400.0;  // TDP x time
    const OpCost c = make_cost_model(a)->cost(op(OpKind::gemm, 197, 768, 768, 1), {});
    expect_rel(c.energy[C::static_power], 400.0 * (1784832.0 / 2.039e12 + 5e-6) * 1e12);
}

TEST(GpuRoofline, ValidationNamesTheKey) {
    const auto message = [](const ArchSpec& a) {
        try {
            a.validate("g.yaml");
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    ArchSpec a = a100();
    a.in_bit = 12;
    EXPECT_NE(message(a).find("core.precision.in_bit"), std::string::npos) << message(a);
    a = a100();
    a.gpu.hbm_bandwidth_gbs = 0.0;
    EXPECT_NE(message(a).find("gpu.hbm_bandwidth_gbs"), std::string::npos) << message(a);
    ArchSpec h100 = *config::builtin_arch("h100-sxm");
    h100.in_bit = 4;  // Hopper has no INT4 tensor path
    EXPECT_NE(message(h100).find("gpu.tensor_tops_4"), std::string::npos) << message(h100);
}

}  // namespace
}  // namespace ltdes::photonic
