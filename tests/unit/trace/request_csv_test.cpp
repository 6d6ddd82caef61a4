// SPDX-License-Identifier: MIT
// `lt-des trace import`: the public CSV form of serving traces into request records.
#include "ltdes/trace/request_csv.hpp"

#include "trace_test_util.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/workload/presets.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ltdes::trace {
namespace {

using testing::write_temp;

const workload::ModelShape& tiny() {  // context 64
    static const workload::ModelShape m = *workload::find_preset("tiny");
    return m;
}

CsvImport import(const std::string& text, const CsvImportOptions& opts = {}) {
    return import_request_csv(write_temp("in.csv", text), tiny(), opts);
}

void expect_error(const std::string& text,
                  std::size_t line,
                  const std::string& what,
                  const CsvImportOptions& opts = {}) {
    static int counter = 0;
    const std::string name = "bad" + std::to_string(++counter) + ".csv";
    const auto path = write_temp(name, text);
    std::string msg;
    try {
        (void)import_request_csv(path, tiny(), opts);
    } catch (const TraceError& e) {
        msg = e.what();
    }
    const std::string where = path.string() + ":" + std::to_string(line) + ": ";
    EXPECT_EQ(msg.rfind(where, 0), 0u) << "message: '" << msg << "', expected prefix " << where;
    EXPECT_NE(msg.find(what), std::string::npos) << "message: '" << msg << "', expected " << what;
}

RequestRecord req(std::uint64_t id, std::int64_t ps, std::uint64_t p, std::uint64_t d) {
    return RequestRecord{id, SimTime::from_ps(ps), p, d};
}

TEST(RequestCsv, ReadsThePublicFormIgnoringOtherColumns) {
    const CsvImport got = import(
        "\xEF\xBB\xBFnum_decode_tokens,note,arrived_at,num_prefill_tokens\r\n"
        "24,\"a, quoted \"\"note\"\"\",0.0,37\n"
        "\n"
        "9,x,4.314579,39.0\n"  // an integer column written as a float
        "1 , y , 5 , 2\n");
    const std::vector<RequestRecord> expected = {
        req(0, 0, 37, 24), req(1, 4'314'579'000'000, 39, 9), req(2, 5'000'000'000'000, 2, 1)};
    EXPECT_EQ(got.requests, expected);
    EXPECT_EQ(got.rows, 3u);
    EXPECT_EQ(got.reordered, 0u);
}

TEST(RequestCsv, SortsOutOfOrderArrivalsStablyAndScalesTime) {
    CsvImportOptions opts;
    opts.time_scale = 0.1;  // ten times the load
    const CsvImport got = import(
        "arrived_at,num_prefill_tokens,num_decode_tokens\n"
        "2,1,1\n"
        "1,2,2\n"  // before the previous row
        "1,3,3\n"  // equal arrival: keeps its file order after the row above
        "3,4,4\n",
        opts);
    // 0.1 × {2, 1, 1, 3} s; ids follow the sorted order.
    const std::vector<RequestRecord> expected = {
        req(0, 100'000'000'000, 2, 2), req(1, 100'000'000'000, 3, 3), req(2, 200'000'000'000, 1, 1),
        req(3, 300'000'000'000, 4, 4)};
    EXPECT_EQ(got.requests, expected);
    EXPECT_EQ(got.reordered, 2u);
}

TEST(RequestCsv, OverContextRowsAreErrorsUnlessDroppedOrClipped) {
    const std::string text =
        "arrived_at,num_prefill_tokens,num_decode_tokens\n"
        "0,60,4\n"    // 64: fits exactly
        "1,60,5\n"    // 65
        "2,10,100\n"  // the decode alone exceeds the context
        "3,8,8\n";
    expect_error(text, 3, "prompt 60 + decode 5 tokens exceed the context of model 'tiny'");
    CsvImportOptions drop;
    drop.over_context = OverContext::drop;
    const CsvImport dropped = import(text, drop);
    EXPECT_EQ(dropped.requests,
              (std::vector<RequestRecord>{req(0, 0, 60, 4), req(1, 3'000'000'000'000, 8, 8)}));
    EXPECT_EQ(dropped.dropped, 2u);
    EXPECT_EQ(dropped.rows, 4u);
    CsvImportOptions clip;
    clip.over_context = OverContext::clip;
    const CsvImport clipped = import(text, clip);
    // 60 + 5 → prompt 64 − 5 = 59; 10 + 100 → decode 63, prompt 1.
    EXPECT_EQ(clipped.requests,
              (std::vector<RequestRecord>{req(0, 0, 60, 4), req(1, 1'000'000'000'000, 59, 5),
                                          req(2, 2'000'000'000'000, 1, 63),
                                          req(3, 3'000'000'000'000, 8, 8)}));
    EXPECT_EQ(clipped.clipped, 2u);
}

TEST(RequestCsv, LimitKeepsTheFirstRows) {
    CsvImportOptions opts;
    opts.limit = 2;
    opts.over_context = OverContext::drop;
    const CsvImport got = import(
        "arrived_at,num_prefill_tokens,num_decode_tokens\n0,1,1\n1,99,1\n2,2,2\n3,x,3\n", opts);
    // The dropped row does not count; reading stops before the bad fourth row.
    EXPECT_EQ(got.requests.size(), 2u);
    EXPECT_EQ(got.requests[1].prompt_tokens, 2u);
}

TEST(RequestCsv, BadRowsNameFileAndLine) {
    const std::string h = "arrived_at,num_prefill_tokens,num_decode_tokens\n";
    expect_error("", 1, "empty file");
    expect_error("time,prompt,decode\n0,1,1\n", 1, "missing column 'arrived_at'");
    expect_error("arrived_at,arrived_at,num_prefill_tokens,num_decode_tokens\n", 1,
                 "column 'arrived_at' appears twice");
    expect_error(h + "0,1,1\nzero,1,1\n", 3, "arrived_at: expected seconds >= 0, got 'zero'");
    expect_error(h + "-1,1,1\n", 2, "arrived_at: expected seconds >= 0");
    expect_error(h + "nan,1,1\n", 2, "arrived_at: expected seconds >= 0");
    expect_error(h + "inf,1,1\n", 2, "arrived_at: expected seconds >= 0");
    expect_error(h + "1e300,1,1\n", 2, "beyond the simulated time range");
    expect_error(h + "0,abc,1\n", 2, "num_prefill_tokens: expected a non-negative integer");
    expect_error(h + "0,-5,1\n", 2, "num_prefill_tokens: expected a non-negative integer");
    expect_error(h + "0,1.5,1\n", 2, "num_prefill_tokens: expected a non-negative integer");
    expect_error(h + "0,0,1\n", 2, "num_prefill_tokens: expected at least 1 token, got 0");
    expect_error(h + "0,1,0\n", 2, "num_decode_tokens: expected at least 1 token, got 0");
    expect_error(h + "0,1,99999999999999999999999\n", 2, "num_decode_tokens: 9999");
    expect_error(h + "0,1\n", 2, "expected 3 comma-separated fields as in the header, got 2");
    expect_error(h + "0,1,1,1\n", 2, "got 4");
    expect_error(h + "\"0,1,1\n", 2, "unterminated quoted field");
    expect_error(h + std::string(70000, '1') + "\n", 2, "line is longer than 65536 bytes");
    expect_error(h + "0,1,1\n" + std::string("\x01\x02\x03", 3) + "\n", 3,
                 "unexpected control byte");
}

TEST(RequestCsv, RejectsABadTimeScale) {
    CsvImportOptions opts;
    opts.time_scale = 0.0;
    EXPECT_THROW(import("arrived_at,num_prefill_tokens,num_decode_tokens\n", opts), ConfigError);
}

}  // namespace
}  // namespace ltdes::trace
