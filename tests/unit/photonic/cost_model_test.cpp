// SPDX-License-Identifier: MIT
// Hand-calculated cases of the cost model: docs/model.md device energies, the §15 worked
// example, odd core sizes, the trace-op mapping of docs/model.md and the per-element costs.
#include "ltdes/photonic/cost_model.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/photonic/dota.hpp"
#include "ltdes/photonic/element_costs.hpp"
#include "ltdes/photonic/mrr_bank.hpp"
#include "ltdes/photonic/mzi.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

namespace ltdes::photonic {
namespace {

using R = RefComponent;
using C = EnergyComponent;

// ArchSpec{} holds the reference default.yaml values: DOTA-B, 4 bit, T = 4, P = 2, 12×12×12.
ArchSpec dota_b(unsigned bits, OptFlag flag = OptFlag::arch_opt) {
    ArchSpec a;
    a.in_bit = a.w_bit = a.act_bit = bits;
    a.apply_opt(flag);
    return a;
}

ArchSpec baseline(CoreType t, unsigned bits) {
    ArchSpec a;
    a.core_type = t;
    a.in_bit = a.w_bit = a.act_bit = bits;
    a.num_tiles = t == CoreType::mrrbank ? 7 : 4;
    a.full_range_support_factor = t == CoreType::mrrbank ? 2 : 1;
    a.apply_opt(OptFlag::arch_opt);
    return a;
}

void expect_rel(double got, double want, double rel = 1e-7) {
    EXPECT_NEAR(got, want, std::fabs(want) * rel) << "want " << want;
}

TEST(DeviceEnergies, TableOfSection3_4) {
    // Laser: -25 dBm + 3.46 + 0.76 + 10·log10(144) dB, /0.2 wall-plug, ×2^bits.
    const DeviceEnergies d4 = DeviceEnergies::from(dota_b(4));
    const double dota_dbm = -25.0 + 3.46 + 0.76 + 10.0 * std::log10(144.0);
    expect_rel(d4.laser_power_mw, std::pow(10.0, dota_dbm / 10.0) / 0.2 * 16.0, 1e-12);
    expect_rel(d4.laser_power_mw, 96.261468);
    expect_rel(d4.laser_pj, 19.252294);
    expect_rel(d4.dac_pj, 0.4464286);  // 50 mW · (16/4)/(256/8) · 5/14 / 5 GHz
    expect_rel(d4.adc_pj, 0.74);       // 14.8 · 0.5 · 0.5 / 5
    expect_rel(d4.tx_pj, 0.56);        // (2.25 + 0 + 2·0.275) / 5
    expect_rel(d4.pd_pj, 0.44);        // 2 · 1.1 / 5
    expect_rel(d4.tia_pj, 0.6);
    expect_rel(d4.adder_pj, 0.00911162, 1e-6);  // table rounded to 6 digits
    EXPECT_EQ(d4.ps_pj, 0.0);
    const DeviceEnergies d8 = DeviceEnergies::from(dota_b(8));
    expect_rel(d8.laser_power_mw, 1540.183483);
    expect_rel(d8.dac_pj, 3.5714286);
    expect_rel(d8.adc_pj, 1.48);
    const DeviceEnergies m4 = DeviceEnergies::from(baseline(CoreType::mrrbank, 4));
    expect_rel(m4.laser_power_mw, 8.556009);
    expect_rel(m4.tx_pj, 0.282);  // (1.2 + 0.21) / 5
    expect_rel(m4.rx_pj, 1.04);
    expect_rel(m4.ring_static_pj, 0.24);
    expect_rel(m4.ring_dyn_pj, 0.042);
    expect_rel(DeviceEnergies::from(baseline(CoreType::mrrbank, 8)).laser_power_mw, 136.896144);
    const DeviceEnergies z4 = DeviceEnergies::from(baseline(CoreType::mzi, 4));
    expect_rel(z4.laser_power_mw, 1194.734027);
    expect_rel(z4.tx_pj, 0.45);
    expect_rel(z4.mzi_dyn_pj, 0.45);
    expect_rel(DeviceEnergies::from(baseline(CoreType::mzi, 8)).laser_power_mw, 19115.744437);
}

TEST(Dota, WorkedExampleOfSection15) {
    // deit-t qkv: N1 = 576, D = 192, N2 = 197 → iN1 = 48, iN2 = 17, iD = 16; k = T = 4;
    // taf_eff = min(3, ceil(192/24)) = 3; ps = 576·197·ceil(ceil(16/3)/2) = 113472·3 = 340416.
    const DotaCostModel m(dota_b(4), {});
    const GemmCost c = m.matmul({MatmulKind::fc, 576, 192, 197, 1}, MemorySpec{});
    const double e_laser = 96.26146816 / 5.0;  // pJ (checked against §3.4 above)
    const double e_dac = 50.0 * 4.0 / 32.0 * 5.0 / 14.0 / 5.0;
    expect_rel(c[R::laser], 48.0 * 17 * 16 * e_laser);
    expect_rel(c[R::dac_1], 1880064.0 * e_dac, 1e-12);  // 576·192·17
    expect_rel(c[R::tx_1], 1880064.0 * 0.56, 1e-12);
    expect_rel(c[R::dac_2], 453888.0 * e_dac, 1e-12);  // 48·197·192/4
    expect_rel(c[R::tx_2], 453888.0 * 0.56, 1e-12);
    expect_rel(c[R::rx_detector], 1815552.0 * 0.44, 1e-12);  // 576·197·16
    expect_rel(c[R::rx_tia], 340416.0 * 0.6, 1e-12);
    expect_rel(c[R::adc], 340416.0 * 0.74, 1e-12);
    expect_rel(c[R::adder], 340416.0 * 0.2 / 4.39 / 5.0, 1e-12);
    expect_rel(c.comp_pj() * 1e-9, 3.858416e-3, 1e-6);
    expect_rel(c[R::rf] * 1e-9,
               0.25 * 0.073e-9 * (1880064.0 + 453888 + 340416) * 2 + 0.25 * 2e-9 * 340416, 1e-12);
    expect_rel(c[R::lb] * 1e-9, 0.25 * 0.92e-9 * (1880064.0 + 453888 + 110592 + 453888 + 113472),
               1e-12);
    expect_rel(c[R::gb] * 1e-9, 0.25 * 1.655e-9 * (113472.0 + 110592 + 453888 + 110592), 1e-12);
    expect_rel(c[R::dram] * 1e-9, 0.25 * 62.4e-9 * 110592, 1e-12);
    expect_rel(c.total_pj() * 1e-9, 6.870472e-3, 1e-6);
    // Latency: ceil(13056/8) = 1632 cycles at 5 GHz; memory 12 waves × 3 SRAM cycles.
    EXPECT_EQ(c.compute_cycles, 1632U);
    EXPECT_EQ(c.memory_cycles, 36U);
    expect_rel(c.compute_ms, 3.264e-4, 1e-12);
    expect_rel(c.memory_ms, 7.2e-5, 1e-12);
    expect_rel(c.latency_ms, 3.264e-4, 1e-12);
}

TEST(Dota, FlagsChangeEnergyNeverLatency) {
    const MatmulShape s{MatmulKind::fc, 576, 192, 197, 1};
    const GemmCost opt = DotaCostModel(dota_b(4, OptFlag::arch_opt), {}).matmul(s, {});
    const GemmCost xbar = DotaCostModel(dota_b(4, OptFlag::crossbar), {}).matmul(s, {});
    const GemmCost bcast = DotaCostModel(dota_b(4, OptFlag::broadcast), {}).matmul(s, {});
    EXPECT_EQ(opt.compute_cycles, xbar.compute_cycles);
    EXPECT_EQ(opt.compute_cycles, bcast.compute_cycles);
    EXPECT_EQ(opt.memory_cycles, bcast.memory_cycles);
    // crossbar: no input sharing (k = 1): DAC_2 = 48·197·192; no ADC sharing, taf 1:
    // ps = 576·197·16.
    expect_rel(xbar[R::dac_2], 48.0 * 197 * 192 * DeviceEnergies::from(dota_b(4)).dac_pj, 1e-12);
    expect_rel(opt[R::dac_2], 48.0 * 197 * 192 / 4 * DeviceEnergies::from(dota_b(4)).dac_pj, 1e-12);
    expect_rel(xbar[R::adc], 576.0 * 197 * 16 * 0.74, 1e-12);
    // broadcast: M1 re-modulated for every column: 576·192·197 modulations.
    expect_rel(bcast[R::tx_1], 576.0 * 192 * 197 * 0.56, 1e-12);
}

TEST(Dota, OddCoreSizesUseCeilings) {
    // H = 5, W = 3, L = 2, T = 3, P = 1; N1 = 7, D = 5, N2 = 4:
    // iN1 = 2, iN2 = 2, iD = 3 → 12 block-steps over 3 cores = 4 cycles.
    ArchSpec a = dota_b(4, OptFlag::crossbar);
    a.height = 5;
    a.width = 3;
    a.num_wavelength = 2;
    a.num_tiles = 3;
    a.num_pe_per_tile = 1;
    a.work_freq_ghz = 2.0;
    const DotaCostModel m(a, {});
    const GemmCost c = m.matmul({MatmulKind::fc, 7, 5, 4, 1}, {});
    EXPECT_EQ(c.compute_cycles, 4U);
    expect_rel(c.compute_ms, 4.0 / 2.0 * 1e-6, 1e-12);
    // One used core-cycle per block-step: laser counts 12.
    expect_rel(c[R::laser], 12.0 * DeviceEnergies::from(a).laser_pj, 1e-12);
    // 7·5·2 (iN2) M1 modulations; 2·4·5 M2 modulations (no sharing).
    expect_rel(c[R::tx_1], 70.0 * DeviceEnergies::from(a).tx_pj, 1e-12);
    expect_rel(c[R::tx_2], 40.0 * DeviceEnergies::from(a).tx_pj, 1e-12);
    // Each output converted once per D-chunk (taf 1, no ADC sharing): 7·4·3.
    expect_rel(c[R::adc], 84.0 * DeviceEnergies::from(a).adc_pj, 1e-12);
}

TEST(Dota, DefaultModeFixesTheSquaredGbTerm) {
    // QKᵀ of deit-t: N1 = 197, D = 64, N2 = 197, 3 heads; olt = 1, k = 4, iN1 = 17.
    const MatmulShape s{MatmulKind::qk, 197, 64, 197, 3};
    const GemmCost fixed = DotaCostModel(dota_b(4), {}).matmul(s, {});
    const GemmCost compat = DotaCostModel(dota_b(4), CostOptions{true}).matmul(s, {});
    const double nb_gb2 = 0.25 * 1.655;  // pJ per element
    const double outputs = 197.0 * 197;
    const double inputs = 197.0 * 64 + 197.0 * 64 * 17 / 4;
    expect_rel(fixed[R::gb], 3.0 * nb_gb2 * (outputs + inputs), 1e-12);
    expect_rel(compat[R::gb], 3.0 * nb_gb2 * (outputs + 1.655e-9 * inputs), 1e-12);
    EXPECT_EQ(fixed[R::dram], 0.0);  // attention operands are on chip
    EXPECT_EQ(fixed[R::laser], compat[R::laser]);
}

TEST(MrrBank, SmallFcByHand) {
    // N1 = 12, D = 12, N2 = 1 on 12×12 banks, frs = 2 → (fx, fw) = (2, 1), wrf = N2 = 1.
    const ArchSpec a = baseline(CoreType::mrrbank, 4);
    const MrrBankCostModel m(a, {});
    const GemmCost c = m.matmul({MatmulKind::fc, 12, 12, 1, 1}, {});
    EXPECT_EQ(c.compute_cycles, 2U);  // ceil(1·1·1/14)·2
    const double nc = 144.0;
    expect_rel(c[R::laser], 8.556009 / 5.0 * 1 * 1 * 1 * 2, 1e-6);
    expect_rel(c[R::dac_1], 0.4464286 * nc * 1, 1e-6);
    expect_rel(c[R::dac_2], 0.4464286 * 12 * 2, 1e-6);
    expect_rel(c[R::tx_2], 0.282 * 12 * 2, 1e-12);
    expect_rel(c[R::tx_1], 0.24 * nc * 2 + 0.042 * nc * 2, 1e-12);
    expect_rel(c[R::adc], 0.74 * 12 * 2, 1e-12);
    expect_rel(c[R::rx], 1.04 * 12 * 2, 1e-12);
    expect_rel(c[R::dram], 0.25 * 62.4 * 144, 1e-12);
    EXPECT_EQ(c.memory_cycles, 0U);
}

TEST(MrrBank, SvSwapsOperandsAndHalvesFullRange) {
    const ArchSpec a = baseline(CoreType::mrrbank, 4);
    const MrrBankCostModel m(a, {});
    // S·V with q = kv = 24, d_head = 12, 1 head: swapped to N1 = 12, D = 24, N2 = 24, frs 1.
    const GemmCost sv = m.matmul({MatmulKind::sv, 24, 24, 12, 1}, {});
    EXPECT_EQ(sv.compute_cycles, 4U);  // ceil(2·1·24/14) · 1
    expect_rel(sv[R::adc], 0.74 * 12 * 24 * 2, 1e-12);
    EXPECT_EQ(sv[R::dram], 0.0);
}

TEST(Mzi, ReprogrammingDominatesLatency) {
    const ArchSpec a = baseline(CoreType::mzi, 4);
    const MziCostModel m(a, {});
    // deit-t qkv: iN1 = 48, iD = 16 → 768 blocks over 8 cores = 96 waves of 2 µs.
    const GemmCost c = m.matmul({MatmulKind::fc, 576, 192, 197, 1}, {});
    EXPECT_EQ(c.program_waves, 96U);
    expect_rel(c.program_ms, 0.192, 1e-12);
    EXPECT_EQ(c.compute_cycles, 18912U);  // ceil(16·48·197/8)
    expect_rel(c.latency_ms, 18912.0 / 5.0 * 1e-6 + 0.192, 1e-12);
    expect_rel(c[R::dac_1], 768.0 * 144 * 0.4464286, 1e-6);
    expect_rel(c[R::tx_1], 768.0 * (0.45 * 132 + 12 * 0.45), 1e-12);
}

TEST(OpMapping, GemmAndBmmFollowContracts) {
    const auto m = make_cost_model(dota_b(4));
    workload::Op g;
    g.kind = workload::OpKind::gemm;
    g.m = 197;  // tokens
    g.k = 192;  // in
    g.n = 576;  // out
    const OpCost c = m->cost(g, {});
    const GemmCost ref = m->matmul({MatmulKind::fc, 576, 192, 197, 1}, {});
    EXPECT_EQ(c.compute_cycles, ref.compute_cycles);
    expect_rel(c.energy.total(), ref.total_pj(), 1e-12);
    expect_rel(c.latency_s, ref.latency_ms * 1e-3, 1e-12);

    workload::Op qk;
    qk.kind = workload::OpKind::bmm;
    qk.role = workload::BmmRole::qk;
    qk.m = 1;    // decode: one query
    qk.k = 64;   // d_head
    qk.n = 300;  // kv_len
    qk.count = 12;
    const MatmulShape s = CostModel::matmul_shape(qk);
    EXPECT_EQ(s.kind, MatmulKind::qk);
    EXPECT_EQ(s.n1, 1U);
    EXPECT_EQ(s.d, 64U);
    EXPECT_EQ(s.n2, 300U);
    EXPECT_EQ(s.heads, 12U);
    // One op for all copies: ceil(12·1·25·6 / 8) = 225, not 12·ceil(150/8) = 228.
    EXPECT_EQ(m->cost(qk, {}).compute_cycles, 225U);

    qk.role = workload::BmmRole::none;
    EXPECT_THROW((void)m->cost(qk, {}), TraceError);
}

TEST(OpMapping, EnergyComponentsSumToReferenceTotal) {
    for (CoreType t : {CoreType::dota, CoreType::mrrbank, CoreType::mzi}) {
        const ArchSpec a = t == CoreType::dota ? dota_b(8) : baseline(t, 8);
        const auto m = make_cost_model(a);
        const GemmCost g = m->matmul({MatmulKind::fc, 100, 70, 33, 2}, {});
        const OpCost c = g.to_op_cost();
        expect_rel(c.energy.total(), g.total_pj(), 1e-12);
        expect_rel(c.energy[C::detector] + c.energy[C::tia],
                   g[R::rx_detector] + g[R::rx_tia] + g[R::rx], 1e-12);
        EXPECT_GT(c.energy[C::laser], 0.0);
    }
}

TEST(ElementWise, PerElementConstantsOfContracts) {
    ArchSpec a = dota_b(8);
    workload::Op op;
    op.kind = workload::OpKind::gelu;
    op.m = 10;
    op.n = 100;
    const auto m = make_cost_model(a);
    OpCost c = m->cost(op, {});
    // 1000 elements: 8 FLOPs · 0.1 pJ; SRAM 2 · 1.655 pJ · 8/16 each.
    expect_rel(c.energy[C::digital], 800.0, 1e-12);
    expect_rel(c.energy[C::sram_gb], 1000.0 * 2 * 1.655 * 0.5, 1e-12);
    expect_rel(c.latency_s, 1000.0 * 8 / sram_bandwidth_bps(), 1e-12);
    EXPECT_EQ(c.compute_cycles, 0U);

    op.kind = workload::OpKind::softmax;
    c = m->cost(op, {});
    expect_rel(c.energy[C::digital], 1000.0 * 51.6 / 44.8, 1e-12);  // 8 bits = 1 byte each
    op.kind = workload::OpKind::layernorm;
    expect_rel(m->cost(op, {}).energy[C::digital], 500.0, 1e-12);
    op.kind = workload::OpKind::add;
    expect_rel(m->cost(op, {}).energy[C::digital], 100.0, 1e-12);
    for (auto k : {workload::OpKind::rmsnorm, workload::OpKind::silu, workload::OpKind::mul,
                   workload::OpKind::rope, workload::OpKind::router}) {
        op.kind = k;
        EXPECT_GT(m->cost(op, {}).energy[C::digital], 0.0) << static_cast<int>(k);
    }
}

TEST(ElementWise, DramTrafficAtArchPrecision) {
    const auto m = make_cost_model(dota_b(4));
    workload::Op op;
    op.kind = workload::OpKind::kv_read;
    op.m = 1000;
    op.n = 1;
    op.bytes = 123456;  // informational only
    const MemorySpec mem{1e12, 50e-9};
    const OpCost c = m->cost(op, mem);
    // 1000 elements at 4 bits = 500 bytes = 250 accesses of 2 bytes at 62.4 pJ.
    expect_rel(c.energy[C::dram], 250.0 * 62.4, 1e-12);
    expect_rel(c.latency_s, 4000.0 / 1e12 + 50e-9, 1e-12);
    op.kind = workload::OpKind::lookup;
    expect_rel(m->cost(op, mem).energy[C::dram], 250.0 * 62.4, 1e-12);
}

TEST(ArchSpec, ApplyOptForcesTheReferenceValues) {
    ArchSpec a;
    a.apply_opt(OptFlag::broadcast);
    EXPECT_TRUE(a.disable_crossbar_topology);
    EXPECT_FALSE(a.input_mod_sharing);
    EXPECT_EQ(a.time_accum_factor, 1U);
    a.apply_opt(OptFlag::arch_opt);
    EXPECT_FALSE(a.disable_crossbar_topology);
    EXPECT_TRUE(a.adc_share);
    EXPECT_EQ(a.time_accum_factor, 3U);
    ArchSpec b = baseline(CoreType::mzi, 4);
    EXPECT_FALSE(b.input_mod_sharing);
    EXPECT_EQ(b.reported_flag(OptFlag::arch_opt), OptFlag::broadcast);
    EXPECT_EQ(parse_opt_flag("crossbar"), OptFlag::crossbar);
    EXPECT_FALSE(parse_opt_flag("xbar"));
    EXPECT_EQ(parse_core_type("mrrbank"), CoreType::mrrbank);
}

TEST(CostModel, ConstCallsFromManyThreadsAgreeBitForBit) {
    // The cluster model calls cost() concurrently on one shared model: results must not depend
    // on the thread or on what was costed before.
    const auto m = make_cost_model(baseline(CoreType::mrrbank, 8));
    std::vector<workload::Op> ops;
    for (std::uint64_t i = 1; i <= 64; ++i) {
        workload::Op op;
        op.kind = i % 3 == 0 ? workload::OpKind::gemm : workload::OpKind::bmm;
        op.role = i % 2 == 0 ? workload::BmmRole::qk : workload::BmmRole::sv;
        op.m = 7 * i;
        op.n = 3 * i + 5;
        op.k = 64 + i;
        op.count = 1 + i % 4;
        ops.push_back(op);
    }
    std::vector<double> serial;
    for (const auto& op : ops) {
        serial.push_back(m->cost(op, {}).energy.total());
    }
    std::vector<std::vector<double>> results(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < results.size(); ++t) {
        threads.emplace_back([&, t] {
            for (std::size_t i = ops.size(); i-- > 0;) {  // reverse order on purpose
                results[t].push_back(m->cost(ops[i], {}).energy.total());
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    for (const auto& r : results) {
        ASSERT_EQ(r.size(), serial.size());
        for (std::size_t i = 0; i < serial.size(); ++i) {
            EXPECT_EQ(r[serial.size() - 1 - i], serial[i]) << i;
        }
    }
}

}  // namespace
}  // namespace ltdes::photonic
