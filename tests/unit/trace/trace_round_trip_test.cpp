// SPDX-License-Identifier: MIT
// generate → write → parse → write is byte-identical, and parsing returns the generated ops.
#include "trace_test_util.hpp"

#include "ltdes/trace/request_generator.hpp"
#include "ltdes/trace/request_trace_writer.hpp"
#include "ltdes/trace/trace_reader.hpp"
#include "ltdes/trace/trace_summary.hpp"
#include "ltdes/trace/trace_writer.hpp"
#include "ltdes/workload/op_graph.hpp"
#include "ltdes/workload/presets.hpp"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace ltdes::trace {
namespace {

using testing::read_file;
using testing::write_temp;
using workload::Op;

std::string write_ops(const TraceHeader& header, const std::vector<Op>& ops, bool compact) {
    std::ostringstream out;
    TraceWriter writer(out, header, compact);
    for (const Op& op : ops) {
        writer.write(op);
    }
    writer.finish();
    return out.str();
}

std::vector<Op> read_ops(const std::filesystem::path& path, TraceHeader* header = nullptr) {
    TraceReader reader(path);
    if (header != nullptr) {
        *header = reader.header();
    }
    std::vector<Op> ops;
    Op op;
    while (reader.next(op)) {
        ops.push_back(op);
    }
    return ops;
}

void expect_same_ops(const std::vector<Op>& a, const std::vector<Op>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(a[i].id, b[i].id);
        EXPECT_EQ(a[i].phase, b[i].phase);
        EXPECT_EQ(a[i].step, b[i].step);
        EXPECT_EQ(a[i].layer, b[i].layer);
        EXPECT_EQ(a[i].kind, b[i].kind);
        EXPECT_EQ(a[i].role, b[i].role);
        EXPECT_EQ(a[i].name, b[i].name);
        EXPECT_EQ(a[i].m, b[i].m);
        EXPECT_EQ(a[i].n, b[i].n);
        EXPECT_EQ(a[i].k, b[i].k);
        EXPECT_EQ(a[i].count, b[i].count);
        EXPECT_EQ(a[i].bytes, b[i].bytes);
        EXPECT_EQ(a[i].deps, b[i].deps);
        if (::testing::Test::HasFailure()) {
            return;
        }
    }
}

struct Case {
    const char* model;
    workload::WorkloadSpec spec;
};

class RoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(RoundTrip, CompactAndFlatFormsGiveBackTheGeneratedOps) {
    const Case c = GetParam();
    const TraceHeader header{kTraceFormatVersion, *workload::find_preset(c.model), c.spec};
    const std::vector<Op> ops = workload::build_workload_ops(header.model, header.workload);
    for (const bool compact : {true, false}) {
        SCOPED_TRACE(compact ? "compact" : "flat");
        const std::string first = write_ops(header, ops, compact);
        const auto path =
            write_temp(std::string(c.model) + (compact ? ".c" : ".f") + ".trace", first);
        TraceHeader parsed_header;
        const std::vector<Op> parsed = read_ops(path, &parsed_header);
        expect_same_ops(ops, parsed);
        EXPECT_EQ(format_model_line(parsed_header.model), format_model_line(header.model));
        EXPECT_EQ(format_workload_line(parsed_header.workload),
                  format_workload_line(header.workload));
        // Parsed ops written again (always compact): identical to writing the generated ops.
        EXPECT_EQ(write_ops(parsed_header, parsed, true), write_ops(header, ops, true));
        if (compact) {
            EXPECT_EQ(write_ops(parsed_header, parsed, true), first);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
    Presets,
    RoundTrip,
    ::testing::Values(Case{"tiny", {.batch = 2, .prompt = 8, .decode = 4}},
                      Case{"deit-t", {.batch = 1, .prompt = 197}},
                      Case{"bert-b", {.batch = 2, .prompt = 128}},
                      Case{"gpt2", {.batch = 8, .prompt = 64, .decode = 5, .bits = 8}},
                      Case{"llama3-8b", {.batch = 3, .prompt = 16, .decode = 3, .bits = 16}},
                      Case{"mixtral-8x7b", {.batch = 1, .prompt = 3, .decode = 6}},
                      Case{"gpt3-1.3b", {.batch = 1, .prompt = 1, .decode = 1}}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
        std::string name = param_info.param.model;
        for (char& ch : name) {
            if (ch == '-' || ch == '.') {
                ch = '_';
            }
        }
        return name;
    });

TEST(TraceWriter, RepetitionKeepsHugeWorkloadsSmall) {
    // GPT-3 175B, 2048-token prompt, 2048 decode steps: millions of ops in a few kilobytes.
    const TraceHeader header{kTraceFormatVersion,
                             *workload::find_preset("gpt3-175b"),
                             {.batch = 8, .prompt = 2048, .decode = 2048}};
    workload::OpGraph graph = workload::build_workload(header.model, header.workload);
    std::ostringstream out;
    TraceWriter writer(out, header);
    Op op;
    while (graph.next(op)) {
        writer.write(op);
    }
    writer.finish();
    EXPECT_EQ(writer.op_count(), (1u + 96 * 13 + 2) + 2048 * (1u + 96 * 14 + 2));
    EXPECT_LT(out.str().size(), 4096u);
    EXPECT_NE(out.str().find("repeat step 2048\n"), std::string::npos);
    EXPECT_NE(out.str().find("repeat layer 96\n"), std::string::npos);
}

TEST(TraceWriter, KeepsIrregularOpsFlat) {
    // Layers that differ are not folded; the reader gets exactly what was written.
    const TraceHeader header{kTraceFormatVersion,
                             *workload::find_preset("tiny"),
                             {.batch = 1, .prompt = 4, .decode = 0}};
    std::vector<Op> ops = workload::build_workload_ops(header.model, header.workload);
    ops[20].n += 1;  // layer 1 differs from layer 0
    const std::string text = write_ops(header, ops, true);
    EXPECT_EQ(text.find("repeat"), std::string::npos);
    expect_same_ops(ops, read_ops(write_temp("irregular.trace", text)));
}

TEST(TraceWriter, RoundTripsPerturbedOpStreams) {
    // Whatever the op stream (irregular layers, odd deps, renamed ops), the compact text parses
    // back to the same ops and rewrites to the same bytes.
    const TraceHeader header{kTraceFormatVersion,
                             *workload::find_preset("tiny"),
                             {.batch = 2, .prompt = 8, .decode = 4}};
    const std::vector<Op> base = workload::build_workload_ops(header.model, header.workload);
    std::mt19937 rng(7);
    for (int i = 0; i < 60; ++i) {
        SCOPED_TRACE(i);
        std::vector<Op> ops = base;
        for (int e = 0; e < 1 + i % 4; ++e) {
            Op& op = ops[rng() % ops.size()];
            switch (rng() % 5) {
                case 0:
                    op.n += 1 + rng() % 3;
                    break;
                case 1:
                    op.layer = -1;
                    break;
                case 2:
                    op.layer = static_cast<std::int32_t>(rng() % 2);
                    break;
                case 3:
                    if (op.id > 0) {
                        op.deps.push_back(rng() % op.id);
                    }
                    break;
                default:
                    op.name += "x";
                    break;
            }
        }
        const std::string text = write_ops(header, ops, true);
        const std::vector<Op> parsed = read_ops(write_temp("perturbed.trace", text));
        expect_same_ops(ops, parsed);
        EXPECT_EQ(write_ops(header, parsed, true), text);
        if (HasFailure()) {
            return;
        }
    }
}

struct Shipped {
    const char* file;
    const char* model;
    workload::WorkloadSpec spec;
};

TEST(ShippedTraces, AreWhatTheGeneratorWrites) {
    // The files in traces/ are regenerated byte for byte from the presets (issue 3's list).
    const Shipped shipped[] = {
        {"deit-t.trace", "deit-t", {.batch = 1, .prompt = 197}},
        {"deit-s.trace", "deit-s", {.batch = 1, .prompt = 197}},
        {"deit-b.trace", "deit-b", {.batch = 1, .prompt = 197}},
        {"bert-b.trace", "bert-b", {.batch = 1, .prompt = 384}},
        {"bert-l.trace", "bert-l", {.batch = 1, .prompt = 320}},
        {"gpt2.trace", "gpt2", {.batch = 8, .prompt = 768, .decode = 256}},
        {"tiny.trace", "tiny", {.batch = 2, .prompt = 8, .decode = 4}},
    };
    for (const Shipped& s : shipped) {
        SCOPED_TRACE(s.file);
        const std::filesystem::path path =
            std::filesystem::path(LTDES_SOURCE_DIR) / "traces" / s.file;
        const TraceHeader header{kTraceFormatVersion, *workload::find_preset(s.model), s.spec};
        const std::string expected =
            write_ops(header, workload::build_workload_ops(header.model, header.workload), true);
        EXPECT_EQ(read_file(path), expected);
        const TraceSummary summary = summarize_trace(path);
        EXPECT_EQ(summary.header.workload.batch, s.spec.batch);
    }
}

struct ShippedRequests {
    const char* file;
    const char* model;
    std::uint64_t requests;
    const char* arrivals;
    const char* prompt;
    const char* decode;
    std::uint64_t seed;
};

TEST(ShippedTraces, RequestTracesAreWhatTheGeneratorWrites) {
    // `lt-des trace gen --model M --requests N --arrivals A --prompt P --decode D --seed S`
    // (docs/trace-format.md lists the commands); bits 4 as the CLI default.
    const ShippedRequests shipped[] = {
        {"serving-small.trace", "llama3-8b", 300, "poisson:5.5", "lognormal:1000:1.0:4096",
         "lognormal:200:0.86:700", 1},
        {"tiny-requests.trace", "tiny", 16, "poisson:1000", "uniform:4:24", "uniform:1:8", 1},
    };
    for (const ShippedRequests& s : shipped) {
        SCOPED_TRACE(s.file);
        const std::filesystem::path path =
            std::filesystem::path(LTDES_SOURCE_DIR) / "traces" / s.file;
        const workload::ModelShape model = *workload::find_preset(s.model);
        RequestGenSpec spec;
        spec.requests = s.requests;
        spec.arrivals = parse_arrival_spec(s.arrivals);
        spec.prompt = parse_length_spec(s.prompt);
        spec.decode = parse_length_spec(s.decode);
        spec.seed = s.seed;
        RequestGenerator gen(spec, model);
        std::ostringstream expected;
        RequestTraceWriter writer(expected, model, 4);
        RequestRecord r;
        while (gen.next(r)) {
            writer.write(r);
        }
        writer.finish();
        EXPECT_EQ(read_file(path), expected.str());
        EXPECT_EQ(read_request_records(path).size(), s.requests);
    }
}

TEST(TraceSummary, Gpt2TotalsMatchHandCounts) {
    const auto path = std::filesystem::path(LTDES_SOURCE_DIR) / "traces" / "gpt2.trace";
    const TraceSummary s = summarize_trace(path);
    // 768-token prefill + 256 decode steps (1024 tokens: GPT-2's whole context), 12 layers,
    // batch 8.
    const std::uint64_t ops = (1 + 12 * 13 + 2) + 256 * (1 + 12 * 14 + 2);
    EXPECT_EQ(s.ops, ops);
    EXPECT_EQ(s.ops_by_kind[static_cast<std::size_t>(workload::OpKind::kv_read)], 256u * 12);
    EXPECT_EQ(s.ops_by_kind[static_cast<std::size_t>(workload::OpKind::bmm)], 257u * 12 * 2);
    // KV written: 8 requests × (768 + 256) tokens × 12 layers × 2·768 values at 4 bits.
    EXPECT_EQ(s.kv_write_bytes, 8u * 1024 * 12 * 768);
    // KV read at step s: 8 × (768 + s − 1) cached tokens per layer.
    std::uint64_t read_tokens = 0;
    for (std::uint64_t step = 1; step <= 256; ++step) {
        read_tokens += 8 * (768 + step - 1);
    }
    EXPECT_EQ(s.kv_read_bytes, read_tokens * 12 * 768);
}

}  // namespace
}  // namespace ltdes::trace
