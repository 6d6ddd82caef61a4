// SPDX-License-Identifier: MIT
#include "ltdes/photonic/mzi.hpp"

#include "photonic/matmul_math.hpp"

#include <algorithm>

namespace ltdes::photonic {

using detail::ceil_div;

GemmCost MziCostModel::matmul(const MatmulShape& s, const MemorySpec& /*mem*/) const {
    const ArchSpec& a = arch_;
    const DeviceEnergies& e = dev_;
    const bool fc = s.kind == MatmulKind::fc;
    const std::uint64_t hh = a.height;
    const std::uint64_t ww = a.width;
    const std::uint64_t cores = std::uint64_t{a.num_tiles} * a.num_pe_per_tile;
    const std::uint64_t in1_u = ceil_div(s.n1, hh);
    const std::uint64_t id_u = ceil_div(s.d, ww);
    const std::uint64_t wrf =
        a.weight_reuse_factor < 0 ? s.n2 : static_cast<std::uint64_t>(a.weight_reuse_factor);
    const std::uint64_t num_mzis = hh * (hh - 1) / 2 + ww * (ww - 1) / 2;
    const std::uint64_t sigma = std::max(hh, ww);
    const std::uint64_t nprog_u = num_mzis + sigma;  // DAC channels per mesh programming

    GemmCost r;
    r.compute_cycles = ceil_div(id_u * in1_u * s.n2 * s.heads, cores);
    // Each wave of block reprogramming costs the MZI response time (2 µs).
    r.program_waves = ceil_div(in1_u * id_u * s.heads, cores);
    r.program_ms = static_cast<double>(r.program_waves) * a.mzi.response_time_ms;
    r.compute_ms = detail::core_ms(r.compute_cycles, a.work_freq_ghz) + r.program_ms;
    r.latency_ms = r.compute_ms;
    r.rx_detector_fraction = e.pd_pj / e.rx_pj;

    const double h = static_cast<double>(s.heads);
    const double n1 = static_cast<double>(s.n1);
    const double n2 = static_cast<double>(s.n2);
    const double d = static_cast<double>(s.d);
    const double in1 = static_cast<double>(in1_u);
    const double id = static_cast<double>(id_u);
    const double p = static_cast<double>(a.num_pe_per_tile);
    const double nprog = static_cast<double>(nprog_u);
    const double blocks = h * static_cast<double>((in1_u * s.n2 * id_u) / wrf);
    const double outputs = h * n1 * n2 * id;

    r[RefComponent::laser] = e.laser_pj * h * in1 * n2 * id;
    r[RefComponent::dac_1] = e.dac_pj * blocks * nprog;
    r[RefComponent::dac_2] = e.dac_pj * h * in1 * n2 * d;
    r[RefComponent::tx_2] = e.tx_pj * h * n2 * in1 * d;
    r[RefComponent::tx_1] = blocks * (e.mzi_dyn_pj * static_cast<double>(num_mzis) +
                                      static_cast<double>(sigma) * e.tx_pj) +
                            h * in1 * n2 * id * e.mzi_static_pj * static_cast<double>(num_mzis);
    r[RefComponent::adc] = e.adc_pj * outputs;
    r[RefComponent::rx] = e.rx_pj * outputs;
    r[RefComponent::adder] = e.adder_pj * outputs;

    const detail::AccessPj cost = detail::AccessPj::from(a);
    const double nb = cost.nb;
    const double rf = cost.rf;
    const double gb1 = cost.gb1;
    const double gb2 = cost.gb2;
    const double reuse = static_cast<double>(s.n2 / wrf);
    const double olt = detail::baseline_output_reloads(a, n2);
    r[RefComponent::rf] =
        nb * rf * (blocks * nprog + h * in1 * n2 * d + h * n1 * n2 * id / p) * 2.0 +
        h * n1 * n2 * id * cost.noc * nb;
    double lb = nb * gb1 * h * (in1 * id * reuse * nprog + in1 * d * n2) +
                nb * gb1 * h * (in1 * id * nprog + n2 * d * in1);
    double gb = nb * gb2 * h * (in1 * id * nprog + n2 * d * in1);
    if (olt > 1.0) {
        lb += nb * gb1 * h * n1 * n2 * (id / p * 2.0 - 1.0);
        gb += nb * gb2 * h * n1 * n2 * (id / p * 2.0 - 2.0);
    } else {
        lb += nb * gb1 * h * n1 * n2 * id / p;
    }
    gb += nb * gb2 * h * n1 * n2 + nb * gb2 * h * n1 * d;
    r[RefComponent::lb] = lb;
    r[RefComponent::gb] = gb;
    // The mesh settings of an FC come from DRAM; an attention operand is already on chip.
    if (fc) {
        r[RefComponent::dram] = nb * cost.dram * h * in1 * id * nprog;
    }
    return r;
}

}  // namespace ltdes::photonic
