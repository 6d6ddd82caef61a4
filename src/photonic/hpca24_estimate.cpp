// SPDX-License-Identifier: MIT
#include "ltdes/photonic/hpca24_estimate.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

namespace ltdes::photonic {

namespace {

constexpr std::uint32_t kLayersHardCoded = 12;    // §12 item 9
constexpr std::uint64_t kDeitPatchInputs = 768;   // 3·16·16
constexpr std::uint64_t kDeitEmbedColumns = 196;  // §12 item 10
constexpr std::uint64_t kDeitClasses = 1000;
constexpr std::uint64_t kBertClasses = 2;
constexpr std::uint64_t kHeadColumns = 1;  // CLS token only
constexpr std::uint64_t kMlpRatio = 4;     // FFN width 4e, whatever the model says
constexpr double kOthersBits = 4.0;        // §12 item 3
constexpr double kPjToMj = 1e-9;

MatmulShape linear(std::uint64_t in, std::uint64_t out, std::uint64_t columns) {
    return MatmulShape{MatmulKind::fc, out, in, columns, 1};
}

}  // namespace

OthersCost hpca24_others(std::uint64_t tokens, std::uint64_t embed, std::uint64_t heads) {
    const double s = static_cast<double>(tokens);
    const double e = static_cast<double>(embed);
    const double softmax = s * s * static_cast<double>(heads);
    const double layernorm = s * (e + 1.0);
    const double residual = 2.0 * s * e;
    const double activation = 4.0 * s * e;
    const double comp = (8.0 * activation + 5.0 * layernorm + residual) * 100e-12 +
                        (51.6 / 44.8 * 1e-9) * softmax * kOthersBits / 8.0;
    const double dm =
        (activation + residual + layernorm + softmax) * 1.655e-9 * kOthersBits / 16.0 * 2.0;
    OthersCost o;
    o.energy_mj = comp + dm;
    o.latency = (softmax + layernorm + residual + activation) * kOthersBits / sram_bandwidth_bps();
    return o;
}

Hpca24Estimate estimate_hpca24(const CostModel& model,
                               const workload::ModelShape& shape,
                               std::uint32_t tokens) {
    if (!shape.is_encoder()) {
        throw ConfigError(fmt::format(
            "--compat hpca24 is defined for DeiT and BERT encoders only, not '{}'", shape.name));
    }
    if (tokens == 0 || shape.d_model == 0 || shape.n_heads == 0) {
        throw ConfigError(
            fmt::format("model '{}': tokens, embed width and heads must be > 0", shape.name));
    }
    const bool deit = shape.family == workload::Family::deit;
    const std::uint64_t s = tokens;
    const std::uint64_t e = shape.d_model;
    const std::uint64_t h = shape.n_heads;
    const std::uint64_t head_dim = e / h;
    const std::uint32_t multiplier = kLayersHardCoded * (shape.name == "bert-l" ? 2U : 1U);
    const bool mzi = model.arch().core_type == CoreType::mzi;
    const MemorySpec mem{};

    Hpca24Estimate out;
    const auto add_row = [&](std::string name, std::uint32_t count, std::vector<Hpca24Gemm> g) {
        Hpca24Row row;
        row.name = std::move(name);
        row.count = count;
        double pj = 0.0;
        double ms = 0.0;
        for (const Hpca24Gemm& x : g) {
            pj += x.cost.total_pj();
            ms += x.cost.latency_ms;
        }
        row.energy_mj = pj * kPjToMj * count;
        row.latency_ms = ms * count;
        row.gemms = std::move(g);
        out.total_energy_mj += row.energy_mj;
        out.total_latency_ms += row.latency_ms;
        out.rows.push_back(std::move(row));
    };
    const auto fc_row = [&](std::string name, std::uint32_t count, MatmulShape m) {
        add_row(std::move(name), count, {Hpca24Gemm{"linear", model.matmul(m, mem)}});
    };

    if (deit) {
        fc_row("embed", 1, linear(kDeitPatchInputs, e, kDeitEmbedColumns));
    }
    fc_row("qkv", multiplier, linear(e, 3 * e, s));
    if (mzi) {
        // The reference skips attention on MZI but adds the previous op's values again.
        const Hpca24Row& qkv = out.rows.back();
        out.total_energy_mj += qkv.energy_mj;
        out.total_latency_ms += qkv.latency_ms;
    } else {
        add_row("attn", multiplier,
                {Hpca24Gemm{"Q*K^T", model.matmul({MatmulKind::qk, s, head_dim, s, h}, mem)},
                 Hpca24Gemm{"S*V", model.matmul({MatmulKind::sv, s, s, head_dim, h}, mem)}});
    }
    fc_row("proj", multiplier, linear(e, e, s));
    fc_row("FFN1", multiplier, linear(e, kMlpRatio * e, s));
    fc_row("FFN2", multiplier, linear(kMlpRatio * e, e, s));
    fc_row("head", 1, linear(e, deit ? kDeitClasses : kBertClasses, kHeadColumns));

    const OthersCost o = hpca24_others(s, e, h);
    Hpca24Row others;
    others.name = "others";
    others.energy_mj = o.energy_mj;
    others.latency_ms = o.latency;  // seconds added to milliseconds (§12 item 4)
    out.total_energy_mj += others.energy_mj;
    out.total_latency_ms += others.latency_ms;
    out.rows.push_back(std::move(others));
    return out;
}

}  // namespace ltdes::photonic
