// SPDX-License-Identifier: MIT
// lt-trace 2 request traces: exact arrivals, strict parsing with file:line errors, writer round
// trip, and version 1 traces giving no requests.
#include "trace_test_util.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/trace/request_record.hpp"
#include "ltdes/trace/request_trace_writer.hpp"
#include "ltdes/trace/trace_reader.hpp"
#include "ltdes/trace/trace_summary.hpp"
#include "ltdes/workload/presets.hpp"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace ltdes::trace {
namespace {

using testing::read_file;
using testing::tiny_header;
using testing::write_temp;

/// Magic, model line of the tiny test decoder (context 64) and the requests line (lines 1-3).
std::string v2_header() {
    const std::string h = tiny_header();
    const std::size_t model_end = h.find('\n', h.find("model ")) + 1;
    return "lt-trace 2\n" + h.substr(h.find("model "), model_end - h.find("model ")) +
           "requests bits=4\n";
}

std::string read_error(const std::string& name, const std::string& text) {
    const auto path = write_temp(name, text);
    try {
        (void)read_request_records(path);
    } catch (const TraceError& e) {
        return e.what();
    }
    return "";
}

void expect_error(const std::string& text, std::size_t line, const std::string& what) {
    static int counter = 0;
    const std::string name = "bad" + std::to_string(++counter) + ".trace";
    const std::string msg = read_error(name, text);
    const std::string where =
        (testing::test_dir() / name).string() + ":" + std::to_string(line) + ": ";
    EXPECT_EQ(msg.rfind(where, 0), 0u) << "message: '" << msg << "', expected prefix " << where;
    EXPECT_NE(msg.find(what), std::string::npos) << "message: '" << msg << "', expected " << what;
}

RequestRecord req(std::uint64_t id, std::int64_t ps, std::uint64_t p, std::uint64_t d) {
    return RequestRecord{id, SimTime::from_ps(ps), p, d};
}

TEST(ExactSeconds, ParsesDecimalSecondsToPicoseconds) {
    EXPECT_EQ(parse_exact_seconds("0"), SimTime::zero());
    EXPECT_EQ(parse_exact_seconds("4.314579"), SimTime::from_ps(4'314'579'000'000));
    EXPECT_EQ(parse_exact_seconds("0.000000000001"), SimTime::from_ps(1));
    EXPECT_EQ(parse_exact_seconds("12.5"), SimTime::from_ps(12'500'000'000'000));
    // INT64_MAX ps = 9223372.036854775807 s is the last representable arrival.
    EXPECT_EQ(parse_exact_seconds("9223372.036854775807"), SimTime::max());
    for (const char* bad : {"", ".", "1.", ".5", "-1", "+1", "1e3", "1.0000000000001", "1,5",
                            "9223372.036854775808", "99999999999999999999", "0x10", "1.2.3"}) {
        EXPECT_FALSE(parse_exact_seconds(bad).has_value()) << bad;
    }
}

TEST(ExactSeconds, FormatIsCanonicalAndRoundTrips) {
    EXPECT_EQ(format_exact_seconds(SimTime::zero()), "0");
    EXPECT_EQ(format_exact_seconds(SimTime::from_ps(4'314'579'000'000)), "4.314579");
    EXPECT_EQ(format_exact_seconds(SimTime::from_ps(1)), "0.000000000001");
    EXPECT_EQ(format_exact_seconds(SimTime::from_ps(3'000'000'000'000)), "3");
    for (const std::int64_t ps : {std::int64_t{0}, std::int64_t{1}, std::int64_t{999'999'999'999},
                                  std::int64_t{1'000'000'000'001}, SimTime::max().in_ps()}) {
        EXPECT_EQ(parse_exact_seconds(format_exact_seconds(SimTime::from_ps(ps))),
                  SimTime::from_ps(ps));
    }
}

TEST(RequestTraceReader, ReadsRequestsWithCommentsAndGaps) {
    const std::string text = v2_header() +
                             "# id arrival_s prompt decode\n"
                             "0 0 8 4\n"
                             "\n"
                             "3\t0.5  40 24\n"  // ids may skip; 40 + 24 = 64 = context
                             "4 0.5 1 1\n"      // equal arrivals are allowed
                             "end 3\n"
                             "# trailing comment\n";
    const auto path = write_temp("ok.trace", text);
    TraceReader reader(path);
    EXPECT_EQ(reader.header().version, kRequestTraceFormatVersion);
    EXPECT_EQ(reader.header().model.name, "t");
    EXPECT_EQ(reader.header().workload.bits, 4u);
    const std::vector<RequestRecord> expected = {req(0, 0, 8, 4), req(3, 500'000'000'000, 40, 24),
                                                 req(4, 500'000'000'000, 1, 1)};
    EXPECT_EQ(read_request_records(path), expected);
    workload::Op op;
    EXPECT_THROW(reader.next(op), TraceError);  // a request trace holds no op list
}

TEST(RequestTraceReader, StaticTracesHaveNoRequests) {
    const auto path = std::filesystem::path(LTDES_SOURCE_DIR) / "traces" / "tiny.trace";
    EXPECT_TRUE(read_request_records(path).empty());
    TraceReader reader(path);
    RequestRecord r;
    EXPECT_THROW(reader.next_request(r), TraceError);
}

TEST(RequestTraceErrors, HeaderDefects) {
    const std::string h = v2_header();
    expect_error("lt-trace 3\n", 1, "unsupported trace format version '3'");
    std::string bad = h;
    bad.replace(bad.find("requests bits=4"), 15, "workload batch=1 prompt=8 decode=3 bits=4");
    expect_error(bad, 3, "expected the requests line");
    bad = h;
    bad.replace(bad.find("bits=4"), 6, "bits=0");
    expect_error(bad, 3, "bits: expected 1..32, got 0");
    bad = h;
    bad.replace(bad.find("bits=4"), 6, "bits=4 rate=3");
    expect_error(bad, 3, "unknown key 'rate'");
    const std::string encoder =
        "lt-trace 2\n"
        "model name=e family=bert layers=2 d_model=64 n_heads=4 n_kv_heads=4 d_head=16 "
        "attn_width=64 d_ff=256 gated_ffn=0 experts=1 top_k=1 vocab=512 max_context=64 "
        "norm=layernorm act=gelu tied_embeddings=0 patches=0 patch_dim=0\n"
        "requests bits=4\nend 0\n";
    expect_error(encoder, 2, "request traces are for decoder models");
}

TEST(RequestTraceErrors, RequestLineDefects) {
    const std::string h = v2_header();  // lines 1-3; the first request is line 4
    expect_error(h + "0 0 8\nend 1\n", 4, "expected 4 fields");
    expect_error(h + "0 0 8 4 1\nend 1\n", 4, "expected 4 fields");
    expect_error(h + "0 zero 8 4\nend 1\n", 4, "arrival: expected seconds");
    expect_error(h + "0 -1 8 4\nend 1\n", 4, "arrival: expected seconds");
    expect_error(h + "0 1e3 8 4\nend 1\n", 4, "arrival: expected seconds");
    expect_error(h + "0 99999999 8 4\nend 1\n", 4, "arrival: expected seconds");
    expect_error(h + "0 0 eight 4\nend 1\n", 4, "prompt: expected a non-negative integer");
    expect_error(h + "0 0 -8 4\nend 1\n", 4, "prompt: expected a non-negative integer");
    expect_error(h + "0 0 0 4\nend 1\n", 4, "prompt: expected a positive integer, got 0");
    expect_error(h + "0 0 8 0\nend 1\n", 4, "decode: expected a positive integer, got 0");
    expect_error(h + "0 0 8 99999999999999999999\nend 1\n", 4, "decode: expected a non-negative");
    expect_error(h + "0 0 65 1\nend 1\n", 4,
                 "prompt: 65 exceeds the context of model 't' (64 tokens)");
    // 40 + 25 = 65 > 64; the sum of two in-range counts cannot wrap (each <= context).
    expect_error(h + "0 0 40 25\nend 1\n", 4, "prompt 40 + decode 25 = 65 tokens exceed");
    expect_error(h + "-1 0 8 4\nend 1\n", 4, "expected a request line");
    expect_error(h + "0 0 8 4\n0 1 8 4\nend 2\n", 5, "id: 0 after 0: request ids must be");
    expect_error(h + "5 0 8 4\n2 1 8 4\nend 2\n", 5, "id: 2 after 5");
    expect_error(h + "0 2 8 4\n1 1.5 8 4\nend 2\n", 5,
                 "arrival: 1.5 s is before the previous request's 2 s");
}

TEST(RequestTraceErrors, TruncationAndEndMarker) {
    const std::string h = v2_header();
    expect_error(h + "0 0 8 4\n", 5, "truncated file: expected more requests or the end marker");
    expect_error(h + "0 0 8 4\n1 0.1 8", 5, "expected 4 fields");  // cut mid-line
    expect_error(h, 4, "truncated file");
    expect_error(h + "0 0 8 4\nend 2\n", 5, "end marker says 2 requests but the trace has 1");
    expect_error(h + "0 0 8 4\nend\n", 5, "expected the end marker 'end <request count>'");
    expect_error(h + "0 0 8 4\nend 1\n1 1 8 4\n", 6, "unexpected content after the end marker");
    expect_error(h + "0 prefill 0 - lookup - tok_embed 8 64 1 1 256 -\nend 1\n", 4,
                 "expected 4 fields");
}

TEST(RequestTraceWriter, RoundTripsByteForByte) {
    const workload::ModelShape tiny = *workload::find_preset("tiny");
    const std::vector<RequestRecord> requests = {req(0, 0, 8, 4), req(1, 1, 60, 4),
                                                 req(7, 2'500'000'000'000, 1, 63),
                                                 req(8, 2'500'000'000'000, 32, 32)};
    std::ostringstream out;
    write_request_trace(out, tiny, 8, requests);
    const std::string expected_tail =
        "requests bits=8\n"
        "# id arrival_s prompt decode\n"
        "0 0 8 4\n"
        "1 0.000000000001 60 4\n"
        "7 2.5 1 63\n"
        "8 2.5 32 32\n"
        "end 4\n";
    const std::string text = out.str();
    ASSERT_GE(text.size(), expected_tail.size());
    EXPECT_EQ(text.substr(text.size() - expected_tail.size()), expected_tail);
    EXPECT_EQ(text.rfind("lt-trace 2\nmodel name=tiny family=gpt2 ", 0), 0u);
    const auto path = write_temp("written.trace", text);
    const RequestTrace back = read_request_trace(path);
    EXPECT_EQ(back.requests, requests);
    EXPECT_EQ(back.header.workload.bits, 8u);
    std::ostringstream again;
    write_request_trace(again, back.header.model, back.header.workload.bits, back.requests);
    EXPECT_EQ(again.str(), read_file(path));
}

TEST(RequestTraceWriter, RejectsInvalidRequests) {
    const workload::ModelShape tiny = *workload::find_preset("tiny");
    std::ostringstream out;
    RequestTraceWriter writer(out, tiny, 4);
    writer.write(req(1, 10, 8, 4));
    EXPECT_THROW(writer.write(req(1, 10, 8, 4)), InternalError);   // id not increasing
    EXPECT_THROW(writer.write(req(2, 9, 8, 4)), InternalError);    // arrival decreasing
    EXPECT_THROW(writer.write(req(2, 10, 60, 5)), InternalError);  // 65 > context 64
    EXPECT_THROW(writer.write(req(2, 10, 0, 5)), InternalError);
    EXPECT_THROW(RequestTraceWriter(out, *workload::find_preset("bert-b"), 4), InternalError);
}

TEST(RequestTraceSummary, CountsSpanRateAndTokenStats) {
    const std::string text = v2_header() +
                             "0 0 10 1\n"
                             "1 0.5 20 2\n"
                             "2 1 30 3\n"
                             "3 2 40 4\n"
                             "end 4\n";
    const RequestTraceSummary s = summarize_request_trace(write_temp("sum.trace", text));
    EXPECT_EQ(s.requests, 4u);
    EXPECT_EQ(s.first_arrival, SimTime::zero());
    EXPECT_EQ(s.last_arrival, SimTime::from_ps(2'000'000'000'000));
    EXPECT_DOUBLE_EQ(s.offered_rate, 1.5);  // 3 gaps over 2 s
    EXPECT_EQ(s.prompt.total, 100u);
    EXPECT_DOUBLE_EQ(s.prompt.mean, 25.0);
    EXPECT_EQ(s.prompt.min, 10u);
    EXPECT_EQ(s.prompt.p50, 20u);  // nearest rank: ceil(0.5·4) = 2nd value
    EXPECT_EQ(s.prompt.p90, 40u);  // ceil(0.9·4) = 4th
    EXPECT_EQ(s.decode.max, 4u);
}

TEST(RequestTraceFuzz, MutatedRequestTracesFailWithTraceErrorOnly) {
    // Random byte edits of the shipped tiny request trace: each reads fine or throws a
    // TraceError naming a line of the file (never another exception, a crash or a hang).
    const std::string base =
        read_file(std::filesystem::path(LTDES_SOURCE_DIR) / "traces" / "tiny-requests.trace");
    std::mt19937 rng(20261205);
    const std::string alphabet = "0123456789 .-+e,#\nend\t\x01";
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
            (void)read_request_records(path);
        } catch (const TraceError& err) {
            ++errors;
            EXPECT_EQ(std::string(err.what()).rfind(path.string() + ":", 0), 0u) << err.what();
        }
    }
    EXPECT_GT(errors, 200);  // most edits break something; some (in comments) do not
}

}  // namespace
}  // namespace ltdes::trace
