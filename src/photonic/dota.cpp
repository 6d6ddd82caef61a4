// SPDX-License-Identifier: MIT
#include "ltdes/photonic/dota.hpp"

#include "photonic/matmul_math.hpp"

#include <algorithm>

namespace ltdes::photonic {

using detail::ceil_div;

GemmCost DotaCostModel::matmul(const MatmulShape& s, const MemorySpec& mem) const {
    const ArchSpec& a = arch_;
    const DeviceEnergies& e = dev_;
    const bool fc = s.kind == MatmulKind::fc;
    const std::uint64_t hh = a.height;
    const std::uint64_t tiles = a.num_tiles;
    const std::uint64_t pes = a.num_pe_per_tile;
    const std::uint64_t in1_u = ceil_div(s.n1, hh);
    const std::uint64_t in2_u = ceil_div(s.n2, a.width);
    const std::uint64_t id_u = ceil_div(s.d, a.num_wavelength);

    GemmCost r;
    // Latency (§6.1): perfectly balanced over T·P cores; the flags never change it.
    r.compute_cycles = ceil_div(in1_u * in2_u * id_u * s.heads, tiles * pes);
    r.compute_ms = detail::core_ms(r.compute_cycles, a.work_freq_ghz);
    const std::uint64_t waves = ceil_div(s.n1, tiles * hh);
    if (fc) {
        // DRAM→SRAM weight preload, bandwidth shared by the T tiles.
        const double bits = static_cast<double>(hh * s.d * a.in_bit * tiles);
        r.memory_cycles = waves * detail::mem_cycles(bits, mem.dram_bandwidth_bps);
    } else {
        const double bits = static_cast<double>((hh * s.d * tiles + s.d * s.n2) * a.in_bit);
        r.memory_cycles = s.heads * waves * detail::mem_cycles(bits, sram_bandwidth_bps());
    }
    r.memory_ms = detail::mem_ms(r.memory_cycles);
    r.latency_ms = std::max(r.compute_ms, r.memory_ms);

    // Energy (§7.1), event counts as doubles: some divisions are exact, not ceiled.
    const double h = static_cast<double>(s.heads);
    const double n1 = static_cast<double>(s.n1);
    const double n2 = static_cast<double>(s.n2);
    const double d = static_cast<double>(s.d);
    const double in1 = static_cast<double>(in1_u);
    const double in2 = static_cast<double>(in2_u);
    const double id = static_cast<double>(id_u);
    const double k = a.input_mod_sharing ? static_cast<double>(tiles) : 1.0;
    const std::uint64_t taf_eff =
        std::min<std::uint64_t>(a.time_accum_factor, ceil_div(s.d, pes * a.num_wavelength));
    const std::uint64_t acc = ceil_div(id_u, taf_eff);
    const double pe_summed = static_cast<double>(ceil_div(acc, pes));
    const double ps = n1 * n2 * (a.adc_share ? pe_summed : static_cast<double>(acc));
    const double c1 = a.disable_crossbar_topology ? n2 : in2;

    const double m1_mods = h * n1 * d * c1;
    const double m2_mods = h * in1 * n2 * d / k;
    r[RefComponent::laser] = h * in1 * in2 * id * e.laser_pj;
    r[RefComponent::dac_1] = m1_mods * e.dac_pj;
    r[RefComponent::tx_1] = m1_mods * e.tx_pj;
    r[RefComponent::dac_2] = m2_mods * e.dac_pj;
    r[RefComponent::tx_2] = m2_mods * e.tx_pj;
    r[RefComponent::phase_shifter] = h * n1 * n2 * d * e.ps_pj;
    r[RefComponent::rx_detector] = h * n1 * n2 * id * e.pd_pj;
    r[RefComponent::rx_tia] = h * ps * e.tia_pj;
    r[RefComponent::adc] = h * ps * e.adc_pj;
    r[RefComponent::adder] = h * ps * e.adder_pj;

    const detail::AccessPj cost = detail::AccessPj::from(a);
    const double nb = cost.nb;
    const double rf = cost.rf;
    const double gb1 = cost.gb1;
    const double gb2 = cost.gb2;
    const double buffered =
        static_cast<double>(hh) * d * a.in_bit / 8.0 / static_cast<double>(a.m2_buffer_size_bytes);
    // Output reloads: ceiled for FCs, fractional for attention (§12 item 6).
    const double olt = std::max(fc ? std::ceil(buffered) : buffered, 1.0);
    r[RefComponent::rf] = nb * rf * h * (c1 * n1 * d) * 2.0 +
                          nb * rf * h * (in1 * n2 * d / k) * 2.0 +
                          nb * rf * h * n1 * n2 * pe_summed * 2.0 + nb * cost.noc * h * ps;
    r[RefComponent::lb] = nb * gb1 * h *
                          ((n1 * d * in2 + in1 * d * n2 / k) + (n1 * d + n2 * d * in1 / k) +
                           n1 * n2 * (2.0 * olt - 1.0));
    if (fc) {
        r[RefComponent::gb] =
            h * (nb * gb2 * (n1 * n2 * (2.0 * olt - 1.0) + n1 * d + n2 * d * in1 / k) +
                 nb * gb2 * n1 * d);
        r[RefComponent::dram] = h * nb * cost.dram_gb * n1 * d;
    } else {
        // The reference multiplies the input part by GB2 (in mJ) a second time (§12 item 2).
        const double input_factor = options_.hpca24 ? a.datamovement.gb2_mj : 1.0;
        r[RefComponent::gb] =
            h * nb * gb2 *
            (n1 * n2 * (2.0 * olt - 1.0) + input_factor * (n1 * d + n2 * d * in1 / k));
    }
    return r;
}

}  // namespace ltdes::photonic
