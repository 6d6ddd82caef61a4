// SPDX-License-Identifier: MIT
#include "ltdes/photonic/mrr_bank.hpp"

#include "photonic/matmul_math.hpp"

#include <algorithm>
#include <utility>

namespace ltdes::photonic {

using detail::ceil_div;

GemmCost MrrBankCostModel::matmul(const MatmulShape& shape, const MemorySpec& /*mem*/) const {
    const ArchSpec& a = arch_;
    const DeviceEnergies& e = dev_;
    const bool fc = shape.kind == MatmulKind::fc;
    std::uint64_t n1_u = shape.n1;
    std::uint64_t n2_u = shape.n2;
    std::uint64_t frs_u = a.full_range_support_factor;
    if (shape.kind == MatmulKind::sv) {
        // S ≥ 0 becomes the input operand, so half the full-range passes suffice (§4.1, §6.2).
        std::swap(n1_u, n2_u);
        frs_u /= 2;
    }
    const std::uint64_t fx_u = (frs_u == 2 || frs_u == 4) ? 2 : 1;
    const std::uint64_t fw_u = frs_u == 4 ? 2 : 1;
    const std::uint64_t wrf =
        a.weight_reuse_factor < 0 ? n2_u : static_cast<std::uint64_t>(a.weight_reuse_factor);
    const std::uint64_t in1_u = ceil_div(n1_u, a.height);
    const std::uint64_t id_u = ceil_div(shape.d, a.width);
    const std::uint64_t pes = a.num_pe_per_tile;

    GemmCost r;
    r.compute_cycles = ceil_div(id_u * in1_u * n2_u * shape.heads, a.num_tiles * pes) * frs_u;
    r.compute_ms = detail::core_ms(r.compute_cycles, a.work_freq_ghz);
    r.latency_ms = r.compute_ms;
    r.rx_detector_fraction = e.pd_pj / e.rx_pj;

    const std::uint64_t nc_u = shape.heads * n1_u * n2_u * shape.d;
    const double weight_writes = static_cast<double>(nc_u / wrf);
    const double h = static_cast<double>(shape.heads);
    const double n1 = static_cast<double>(n1_u);
    const double n2 = static_cast<double>(n2_u);
    const double d = static_cast<double>(shape.d);
    const double in1 = static_cast<double>(in1_u);
    const double id = static_cast<double>(id_u);
    const double frs = static_cast<double>(frs_u);
    const double fx = static_cast<double>(fx_u);
    const double fw = static_cast<double>(fw_u);
    const double p = static_cast<double>(pes);
    const double nc = static_cast<double>(nc_u);
    const double outputs = h * n1 * n2 * id * frs;  // detections, conversions, additions

    r[RefComponent::laser] = e.laser_pj * h * in1 * n2 * id * frs;
    r[RefComponent::dac_1] = e.dac_pj * weight_writes * fw;
    r[RefComponent::dac_2] = e.dac_pj * h * in1 * n2 * d * fx;
    r[RefComponent::tx_2] = e.tx_pj * h * n2 * in1 * d * frs;
    // Weight rings: static power per MAC-slot dominates; the write multiplier differs between
    // the reference's FC and attention code (§12 item 7).
    r[RefComponent::tx_1] =
        e.ring_static_pj * nc * frs + e.ring_dyn_pj * weight_writes * (fc ? frs : fw);
    r[RefComponent::adc] = e.adc_pj * outputs;
    r[RefComponent::rx] = e.rx_pj * outputs;
    r[RefComponent::adder] = e.adder_pj * outputs;

    const detail::AccessPj cost = detail::AccessPj::from(a);
    const double nb = cost.nb;
    const double rf = cost.rf;
    const double gb1 = cost.gb1;
    const double gb2 = cost.gb2;
    const double reuse = static_cast<double>(n2_u / wrf);
    const double olt = detail::baseline_output_reloads(a, n2);
    r[RefComponent::rf] = nb * rf * h * (n1 * d * reuse * fw + in1 * n2 * d * fx) * 2.0 +
                          nb * rf * h * n1 * n2 * id * frs / p * 2.0 +
                          nb * cost.noc * h * n1 * n2 * id * frs;
    double lb = nb * gb1 * h * (n1 * d * reuse * fw + in1 * d * n2 * fx) +
                nb * gb1 * h * (n1 * d * fw + n2 * d * in1 * fx);
    double gb = nb * gb2 * h * (n1 * d * fw + n2 * d * in1 * fx);
    if (olt > 1.0) {
        lb += nb * gb1 * h * n1 * n2 * (id / p * frs * 2.0 - 1.0);
        gb += nb * gb2 * h * n1 * n2 * (id / p * frs * 2.0 - 2.0);
    } else {
        lb += nb * gb1 * h * n1 * n2 * id / p * frs;
    }
    gb += nb * gb2 * h * n1 * n2;
    if (fc) {
        gb += h * nb * gb2 * n1 * d * fw;
        r[RefComponent::dram] = h * nb * cost.dram * n1 * d * fw;
    }
    r[RefComponent::lb] = lb;
    r[RefComponent::gb] = gb;
    return r;
}

}  // namespace ltdes::photonic
