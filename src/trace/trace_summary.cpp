// SPDX-License-Identifier: MIT
#include "ltdes/trace/trace_summary.hpp"

#include "ltdes/trace/trace_reader.hpp"
#include "ltdes/workload/model_shape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace ltdes::trace {

void TraceSummary::add(const workload::Op& op) {
    ++ops;
    ++ops_by_kind[static_cast<std::size_t>(op.kind)];
    macs += op.macs();
    switch (op.kind) {
        case workload::OpKind::gemm:
            weight_bytes += op.bytes;
            break;
        case workload::OpKind::kv_write:
            kv_write_bytes += op.bytes;
            break;
        case workload::OpKind::kv_read:
            kv_read_bytes += op.bytes;
            break;
        case workload::OpKind::lookup:
            lookup_bytes += op.bytes;
            break;
        default:
            break;
    }
}

TraceSummary summarize_trace(const std::filesystem::path& path) {
    TraceReader reader(path);
    TraceSummary s;
    s.header = reader.header();
    workload::Op op;
    while (reader.next(op)) {
        s.add(op);
    }
    return s;
}

std::string format_summary(const TraceSummary& s, const std::string& path) {
    const workload::ModelShape& m = s.header.model;
    const workload::WorkloadSpec& w = s.header.workload;
    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it, "trace: {} (lt-trace {})\n", path, s.header.version);
    fmt::format_to(it,
                   "model: {} ({}, {} layers, d_model {}, heads {}/{} x {}, d_ff {}{}, vocab {}, "
                   "context {})\n",
                   m.name, workload::kFamilyNames[static_cast<std::size_t>(m.family)], m.layers,
                   m.d_model, m.n_heads, m.n_kv_heads, m.d_head, m.d_ff,
                   m.n_experts > 1 ? fmt::format(" x {} experts top-{}", m.n_experts, m.top_k)
                                   : std::string(m.gated_ffn ? " gated" : ""),
                   m.vocab, m.max_context);
    fmt::format_to(it, "weights: {} parameters, {} bytes at {} bits\n",
                   workload::parameter_count(m), (workload::parameter_count(m) * w.bits + 7) / 8,
                   w.bits);
    if (m.is_encoder()) {
        fmt::format_to(it, "workload: batch {}, {} tokens, bits {}\n", w.batch, w.prompt, w.bits);
    } else {
        fmt::format_to(it, "workload: batch {}, prompt {}, decode {}, bits {}\n", w.batch, w.prompt,
                       w.decode, w.bits);
    }
    fmt::format_to(it, "ops: {}\n", s.ops);
    for (std::size_t k = 0; k < s.ops_by_kind.size(); ++k) {
        if (s.ops_by_kind[k] > 0) {
            fmt::format_to(it, "  {:<9} {}\n", workload::kOpKindNames[k], s.ops_by_kind[k]);
        }
    }
    fmt::format_to(it, "macs: {}\n", s.macs);
    fmt::format_to(it, "weight_bytes_read: {}\n", s.weight_bytes);
    fmt::format_to(it, "kv_write_bytes: {}\n", s.kv_write_bytes);
    fmt::format_to(it, "kv_read_bytes: {}\n", s.kv_read_bytes);
    fmt::format_to(it, "embedding_bytes: {}\n", s.lookup_bytes);
    return out;
}

namespace {

TokenStats token_stats(std::vector<std::uint64_t> v) {
    TokenStats t;
    if (v.empty()) {
        return t;
    }
    std::sort(v.begin(), v.end());
    // Nearest rank: the smallest value with at least q·n values at or below it.
    const auto rank = [&](std::uint64_t percent) {
        const std::uint64_t r = (percent * v.size() + 99) / 100;
        return v[r == 0 ? 0 : r - 1];
    };
    t.min = v.front();
    t.max = v.back();
    t.p50 = rank(50);
    t.p90 = rank(90);
    t.p99 = rank(99);
    for (const std::uint64_t x : v) {
        t.total += x;
    }
    t.mean = static_cast<double>(t.total) / static_cast<double>(v.size());
    return t;
}

}  // namespace

RequestTraceSummary summarize_request_trace(const std::filesystem::path& path) {
    TraceReader reader(path);
    RequestTraceSummary s;
    s.header = reader.header();
    std::vector<std::uint64_t> prompts;
    std::vector<std::uint64_t> decodes;
    RequestRecord r;
    while (reader.next_request(r)) {
        if (s.requests == 0) {
            s.first_arrival = r.arrival;
        }
        s.last_arrival = r.arrival;
        ++s.requests;
        prompts.push_back(r.prompt_tokens);
        decodes.push_back(r.decode_tokens);
    }
    const double span = (s.last_arrival - s.first_arrival).in_seconds();
    if (s.requests > 1 && span > 0.0) {
        s.offered_rate = static_cast<double>(s.requests - 1) / span;
    }
    s.prompt = token_stats(std::move(prompts));
    s.decode = token_stats(std::move(decodes));
    return s;
}

std::string format_request_summary(const RequestTraceSummary& s, const std::string& path) {
    const workload::ModelShape& m = s.header.model;
    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it, "trace: {} (lt-trace {}, requests)\n", path, s.header.version);
    fmt::format_to(it, "model: {} ({}, {} layers, d_model {}, context {}), bits {}\n", m.name,
                   workload::kFamilyNames[static_cast<std::size_t>(m.family)], m.layers, m.d_model,
                   m.max_context, s.header.workload.bits);
    fmt::format_to(it, "requests: {}\n", s.requests);
    fmt::format_to(it, "arrivals: {} s to {} s (span {} s)\n",
                   format_exact_seconds(s.first_arrival), format_exact_seconds(s.last_arrival),
                   format_exact_seconds(s.last_arrival - s.first_arrival));
    fmt::format_to(it, "offered_rate: {:.6g} requests/s\n", s.offered_rate);
    for (const auto& [name, t] : {std::pair{"prompt", s.prompt}, std::pair{"decode", s.decode}}) {
        fmt::format_to(it,
                       "{}_tokens: total {}, mean {:.6g}, min {}, p50 {}, p90 {}, p99 {}, max "
                       "{}\n",
                       name, t.total, t.mean, t.min, t.p50, t.p90, t.p99, t.max);
    }
    return out;
}

}  // namespace ltdes::trace
