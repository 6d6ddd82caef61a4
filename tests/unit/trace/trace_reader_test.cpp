// SPDX-License-Identifier: MIT
// Bad input: every defect gives "<file>:<line>: <what was expected>" as a TraceError.
#include "ltdes/trace/trace_reader.hpp"

#include "trace_test_util.hpp"

#include "ltdes/core/error.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace ltdes::trace {
namespace {

using testing::tiny_header;
using testing::write_temp;

/// Reads the whole trace; returns the error message ("" if none).
std::string read_error(const std::string& name, const std::string& text) {
    const auto path = write_temp(name, text);
    try {
        TraceReader reader(path);
        workload::Op op;
        while (reader.next(op)) {
        }
    } catch (const TraceError& e) {
        return e.what();
    }
    return "";
}

/// Expects an error at `line` whose message contains `what`.
void expect_error(const std::string& text, std::size_t line, const std::string& what) {
    static int counter = 0;
    const std::string name = "bad" + std::to_string(++counter) + ".trace";
    const std::string msg = read_error(name, text);
    const std::string where =
        (testing::test_dir() / name).string() + ":" + std::to_string(line) + ": ";
    EXPECT_EQ(msg.rfind(where, 0), 0u) << "message: '" << msg << "', expected prefix " << where;
    EXPECT_NE(msg.find(what), std::string::npos) << "message: '" << msg << "', expected " << what;
}

// Lines 4.. after the header: a valid prefill op.
const std::string kOp0 = "0 prefill 0 - lookup - tok_embed 8 64 1 1 256 -\n";

TEST(TraceReader, ReadsAValidTraceWithRepeats) {
    const std::string text = tiny_header() + "# comment\n\n" + kOp0 +
                             "repeat layer 2\n"
                             "1 prefill 0 0 layernorm - ln1 8 64 1 1 0 0\n"
                             "2 prefill 0 0 bmm qk attn_qk 8 8 16 4 0 1\n"
                             "endrepeat\n"
                             "repeat step 3\n"
                             "5 decode 1 - lookup - tok_embed 1 64 1 1 32 4\n"
                             "repeat layer 2\n"
                             "6 decode 1 0 bmm qk attn_qk 1 8+1*step 16 4 0 5\n"
                             "endrepeat\n"
                             "endrepeat\n"
                             "end 14\n";
    TraceReader reader(write_temp("ok.trace", text));
    EXPECT_EQ(reader.header().model.name, "t");
    EXPECT_EQ(reader.header().workload.decode, 3u);
    std::vector<workload::Op> ops;
    workload::Op op;
    while (reader.next(op)) {
        ops.push_back(op);
    }
    ASSERT_EQ(ops.size(), 14u);
    EXPECT_EQ(ops[3].layer, 1);  // second layer iteration
    EXPECT_EQ(ops[3].deps, std::vector<std::uint64_t>{2});
    EXPECT_EQ(ops[4].deps, std::vector<std::uint64_t>{3});
    // Step 3 (ids 11..13): tok_embed depends on step 2's last op, kv_len = 8 + 3.
    EXPECT_EQ(ops[11].step, 3u);
    EXPECT_EQ(ops[11].deps, std::vector<std::uint64_t>{10});
    EXPECT_EQ(ops[13].layer, 1);
    EXPECT_EQ(ops[13].n, 11u);
    EXPECT_EQ(ops[13].deps, std::vector<std::uint64_t>{12});
    EXPECT_EQ(ops[13].role, workload::BmmRole::qk);
    EXPECT_EQ(reader.ops_read(), 14u);
    EXPECT_FALSE(reader.next(op));
}

TEST(TraceReaderErrors, HeaderDefects) {
    expect_error("", 1, "empty file");
    expect_error("lt-trace\n", 1, "expected the magic line 'lt-trace 1'");
    expect_error("LT-TRACE 1\n", 1, "expected the magic line");
    expect_error("lt-trace 3\n", 1, "unsupported trace format version '3'");
    expect_error("lt-trace 1\nworkload batch=1\n", 2, "expected the model line");
    std::string h = tiny_header();
    expect_error(h.substr(0, h.find(" d_ff=256")) + h.substr(h.find(" gated_ffn")), 2,
                 "missing key 'd_ff'");
    std::string bad = h;
    bad.replace(bad.find("layers=2"), 8, "layers=x");
    expect_error(bad, 2, "layers: expected a non-negative integer, got 'x'");
    bad = h;
    bad.replace(bad.find("n_kv_heads=4"), 12, "n_kv_heads=3");
    expect_error(bad, 2, "n_kv_heads: 3 does not divide n_heads 4");
    bad = h;
    bad.replace(bad.find("top_k=1"), 7, "top_k=1 colour=red");
    expect_error(bad, 2, "unknown key 'colour'");
    bad = h;
    bad.replace(bad.find("family=gpt2"), 11, "family=rwkv");
    expect_error(bad, 2, "unknown model family 'rwkv'");
    bad = h;
    bad.replace(bad.find("batch=1"), 7, "batch=0");
    expect_error(bad, 3, "batch: expected a positive integer, got 0");
    // The model has a 64-token context: 60 + 5 tokens per sequence do not fit, 61 + 3 do.
    bad = h;
    bad.replace(bad.find("prompt=8"), 8, "prompt=62");
    expect_error(bad, 3,
                 "workload line: 65 tokens per sequence (prompt 62 + decode 3) exceed the context "
                 "of model 't' (64 tokens)");
}

TEST(TraceReaderErrors, OpLineDefects) {
    const std::string h = tiny_header();
    expect_error(h + "0 prefill 0 - conv2d - x 8 64 1 1 0 -\n", 4, "unknown op kind 'conv2d'");
    expect_error(h + "0 prefill 0 - lookup - tok_embed 8 64 1 1 256\n", 4, "expected 13 fields");
    expect_error(h + "0 prefill 0 - lookup - tok_embed 8 64 1 1 256 - extra\n", 4,
                 "expected 13 fields");
    expect_error(h + "0 prefill 0 - lookup - tok_embed 8 sixty 1 1 256 -\n", 4,
                 "N: expected a non-negative integer, got 'sixty'");
    expect_error(h + "0 prefill 0 - lookup - tok_embed -8 64 1 1 256 -\n", 4,
                 "M: expected a non-negative integer, got '-8'");
    expect_error(h + "0 prefill 0 - lookup - tok_embed 8 64 0 1 256 -\n", 4,
                 "K: expected a positive integer, got 0");
    expect_error(h + "0 prefill 0 - lookup - tok_embed 8 64 1 0 256 -\n", 4,
                 "count: expected a positive integer, got 0");
    expect_error(h + "0 prefill 0 - lookup - tok_embed 99999999999999999999 64 1 1 256 -\n", 4,
                 "M: expected a non-negative integer");
    expect_error(h + "0 prefill 0 - bmm - attn_qk 8 8 16 4 0 -\n", 4, "a bmm needs role qk or sv");
    expect_error(h + "0 prefill 0 - gemm qk qkv 8 8 16 4 0 -\n", 4, "only bmm ops have a role");
    expect_error(h + "0 prefill 0 7 lookup - tok_embed 8 64 1 1 256 -\n", 4,
                 "layer: 7 is out of range");
    expect_error(h + "0 encoder 0 - lookup - tok_embed 8 64 1 1 256 -\n", 4,
                 "phase: 'encoder' in a trace of decoder model");
    expect_error(h + "0 warmup 0 - lookup - tok_embed 8 64 1 1 256 -\n", 4,
                 "phase: expected encoder, prefill or decode");
    expect_error(h + "0 decode 0 - lookup - tok_embed 8 64 1 1 256 -\n", 4, "step:");
    expect_error(h + "0 decode 4 - lookup - tok_embed 8 64 1 1 256 -\n", 4,
                 "exceeds the workload's 3 decode steps");
    expect_error(h + kOp0 + "1 prefill 0 - add - a 8 64 1 1 0 0,x\n", 5,
                 "deps: expected '-' or comma-separated op ids");
    expect_error(h + kOp0 + "frobnicate\n", 5, "expected an op line");
}

TEST(TraceReaderErrors, IdsAndDependencies) {
    const std::string h = tiny_header();
    expect_error(h + kOp0 + "0 prefill 0 - add - a 8 64 1 1 0 -\n", 5, "duplicate op id 0");
    expect_error(h + kOp0 + "2 prefill 0 - add - a 8 64 1 1 0 -\n", 5, "expected op id 1, got 2");
    expect_error(h + "3 prefill 0 - add - a 8 64 1 1 0 -\n", 4, "expected op id 0, got 3");
    // A dependency on a later op (a cycle) and on itself.
    expect_error(h + kOp0 + "1 prefill 0 - add - a 8 64 1 1 0 5\n", 5,
                 "op 1 depends on op 5, which is not an earlier op");
    expect_error(h + kOp0 + "1 prefill 0 - add - a 8 64 1 1 0 1\n", 5, "not an earlier op");
    expect_error(h + kOp0 + "1 prefill 0 - add - a 8 64 1 1 0 0,2\n", 5, "not an earlier op");
}

TEST(TraceReaderErrors, TruncationAndEndMarker) {
    const std::string h = tiny_header();
    expect_error(h + kOp0, 5, "truncated file: expected more ops or the end marker 'end 1'");
    expect_error(h + kOp0 + "end 2\n", 5, "end marker says 2 ops but the trace has 1");
    expect_error(h + kOp0 + "end\n", 5, "expected the end marker 'end <op count>'");
    expect_error(h + kOp0 + "end 1\n1 prefill 0 - add - a 8 64 1 1 0 0\n", 6,
                 "unexpected content after the end marker");
    expect_error(h + kOp0 + "repeat layer 2\n1 prefill 0 0 add - a 8 64 1 1 0 0\n", 6,
                 "the 'repeat' at line 5 has no 'endrepeat'");
    // A file cut in the middle of a line: the partial line is reported, not silently used.
    expect_error(h + kOp0 + "1 prefill 0 - add - a 8 6", 5, "expected 13 fields");
}

TEST(TraceReaderErrors, RepeatBlockDefects) {
    const std::string h = tiny_header();
    expect_error(h + kOp0 + "endrepeat\n", 5, "'endrepeat' without a matching 'repeat'");
    expect_error(h + kOp0 + "repeat layer 2\nendrepeat\n", 5, "empty 'repeat' block");
    expect_error(h + kOp0 + "repeat layers 2\n", 5, "expected 'repeat layer <times>'");
    expect_error(h + kOp0 + "repeat layer 0\n", 5, "repeat times: expected a positive integer");
    expect_error(h + kOp0 + "repeat layer 3\n", 5, "3 exceeds the 2 layers of the model");
    expect_error(h + kOp0 + "repeat step 4000000000\n", 5, "exceeds the 3 decode steps");
    expect_error(
        h + kOp0 + "repeat layer 2\n1 prefill 0 - add - a 8 64 1 1 0 0\nendrepeat\nend 3\n", 6,
        "an op inside 'repeat layer' needs a layer");
    expect_error(
        h + kOp0 + "repeat layer 2\n1 prefill 0 1 add - a 8 64 1 1 0 0\nendrepeat\nend 3\n", 6,
        "layer: 2 is out of range");
    expect_error(h + kOp0 + "repeat layer 2\n1 prefill 0 0 add - a 8 64 1 1 0 0\nend 3\n", 7,
                 "'end' inside the 'repeat' block opened at line 5");
    expect_error(h + kOp0 + "repeat step 2\n1 prefill 0 - add - a 8 64 1 1 0 0\nendrepeat\nend 3\n",
                 6, "step: prefill ops have step 0, got step 1");
    expect_error(h + kOp0 + "1 prefill 0 - add - a 8 64+1*stop 1 1 0 0\nend 2\n", 5,
                 "N: expected an integer or '<base>+<slope>*step'");
    expect_error(h + kOp0 + "1 decode 1 - add - a 8 0+0*step 1 1 0 0\nend 2\n", 5,
                 "N: expected a positive integer, got 0");
}

TEST(TraceReaderErrors, RepeatBodiesAreBounded) {
    // Repeat bodies are kept in memory, so their total size is capped (65 536 op lines).
    std::string text = tiny_header() + kOp0 + "repeat layer 1\n";
    for (int id = 1; id <= 65537; ++id) {
        text += std::to_string(id) + " prefill 0 0 add - a 1 1 1 1 0 -\n";
    }
    expect_error(text + "endrepeat\nend 65538\n", 5 + 65537,
                 "repeat bodies hold more than 65536 op lines");
}

TEST(TraceReaderErrors, HugeLinesAndBinaryGarbage) {
    const std::string h = tiny_header();
    // A 10 MB line: rejected at its line number without reading it whole.
    expect_error(h + kOp0 + std::string(10 * 1024 * 1024, '7') + "\nend 1\n", 5,
                 "line is longer than 65536 bytes");
    expect_error(h + kOp0 + std::string(10 * 1024 * 1024, 'x'), 5, "line is longer than");
    std::string garbage;
    for (int i = 0; i < 4096; ++i) {
        garbage.push_back(static_cast<char>((i * 7919) % 256));
    }
    expect_error(garbage, 1, "");
    expect_error(h + kOp0 + std::string("1 prefill\0 0", 12) + "\n", 5,
                 "unexpected control byte 0x00");
    expect_error(std::string("\x7f"
                             "ELF\x02\x01\x01",
                             7),
                 1, "control byte");
}

TEST(TraceReaderErrors, MissingFileAndDirectory) {
    try {
        TraceReader reader("/nonexistent/x.trace");
        ADD_FAILURE() << "no error";
    } catch (const TraceError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/x.trace: cannot open"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_THROW(TraceReader reader(::testing::TempDir()), TraceError);
}

TEST(TraceReader, AcceptsCrlfAndTabs) {
    std::string text =
        tiny_header() + "0\tprefill 0 - lookup - tok_embed 8 64 1 1 256 -\r\nend 1\r\n";
    TraceReader reader(write_temp("crlf.trace", text));
    workload::Op op;
    ASSERT_TRUE(reader.next(op));
    EXPECT_EQ(op.name, "tok_embed");
    EXPECT_FALSE(reader.next(op));
}

TEST(TraceReaderFuzz, MutatedTracesFailWithTraceErrorOnly) {
    // Random byte edits of a valid trace: each one reads fine or throws TraceError naming a line
    // (never another exception, a crash or a hang; run under the dev preset's sanitizers too).
    const std::string base =
        testing::read_file(std::filesystem::path(LTDES_SOURCE_DIR) / "traces" / "tiny.trace");
    std::mt19937 rng(20261128);
    const std::string alphabet = "0123456789 -+*,#\nabcdeprstqkvx\t\x01";
    int errors = 0;
    for (int i = 0; i < 400; ++i) {
        std::string text = base;
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits; ++e) {
            const std::size_t pos = rng() % text.size();
            switch (rng() % 3) {
                case 0:
                    text[pos] = alphabet[rng() % alphabet.size()];
                    break;
                case 1:
                    text.erase(pos, 1 + rng() % 8);
                    break;
                default:
                    text.insert(pos, 1, alphabet[rng() % alphabet.size()]);
                    break;
            }
        }
        const auto path = write_temp("fuzz.trace", text);
        try {
            TraceReader reader(path);
            workload::Op op;
            while (reader.next(op)) {
            }
        } catch (const TraceError& err) {
            ++errors;
            EXPECT_EQ(std::string(err.what()).rfind(path.string() + ":", 0), 0u) << err.what();
        }
    }
    EXPECT_GT(errors, 200);  // most edits break something; some (in comments, names) do not
}

}  // namespace
}  // namespace ltdes::trace
