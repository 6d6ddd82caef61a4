// SPDX-License-Identifier: MIT
#include "ltdes/trace/request_csv.hpp"

#include "trace/line_reader.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

namespace ltdes::trace {

namespace {

constexpr std::array<std::string_view, 3> kColumns = {"arrived_at", "num_prefill_tokens",
                                                      "num_decode_tokens"};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

/// Splits one CSV line into `out` (RFC 4180 quoting within the line: "a,b" and "" escapes).
/// Quoted fields are only ever ignored columns or names, so their text is kept unescaped.
void split_csv(std::string_view line, std::vector<std::string_view>& out, const LineReader& in) {
    out.clear();
    std::size_t i = 0;
    for (;;) {
        std::size_t start = i;
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
            ++i;
        }
        if (i < line.size() && line[i] == '"') {
            const std::size_t open = i++;
            for (;;) {
                if (i >= line.size()) {
                    in.fail(
                        fmt::format("unterminated quoted field starting at column {}", open + 1));
                }
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                ++i;
            }
            start = open + 1;
            out.push_back(line.substr(start, i - 1 - start));
            while (i < line.size() && line[i] != ',') {
                if (line[i] != ' ' && line[i] != '\t') {
                    in.fail("unexpected text after a quoted field");
                }
                ++i;
            }
        } else {
            const std::size_t comma = line.find(',', i);
            const std::size_t stop = comma == std::string_view::npos ? line.size() : comma;
            out.push_back(trim(line.substr(start, stop - start)));
            i = stop;
        }
        if (i >= line.size()) {
            return;
        }
        ++i;  // the comma
    }
}

}  // namespace

CsvImport import_request_csv(const std::filesystem::path& path,
                             const workload::ModelShape& model,
                             const CsvImportOptions& options) {
    if (!(options.time_scale > 0.0) || !std::isfinite(options.time_scale)) {
        throw ConfigError(
            fmt::format("--time-scale: expected a number > 0, got {}", options.time_scale));
    }
    LineReader in(path, kMaxTraceLineBytes);
    std::vector<std::string_view> fields;
    std::optional<std::string_view> line = in.next();
    if (!line) {
        in.fail_at(1,
                   "empty file: expected a CSV header with arrived_at,num_prefill_tokens,"
                   "num_decode_tokens");
    }
    std::string_view header = *line;
    if (header.starts_with("\xEF\xBB\xBF")) {
        header.remove_prefix(3);  // UTF-8 byte order mark
    }
    split_csv(header, fields, in);
    const std::size_t columns = fields.size();
    std::array<std::size_t, kColumns.size()> index{};
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
        const auto found = std::find(fields.begin(), fields.end(), kColumns[c]);
        if (found == fields.end()) {
            in.fail(
                fmt::format("CSV header: missing column '{}' (needs arrived_at, "
                            "num_prefill_tokens and num_decode_tokens)",
                            kColumns[c]));
        }
        if (std::find(found + 1, fields.end(), kColumns[c]) != fields.end()) {
            in.fail(fmt::format("CSV header: column '{}' appears twice", kColumns[c]));
        }
        index[c] = static_cast<std::size_t>(found - fields.begin());
    }

    const auto tokens = [&](std::string_view s, std::string_view column) -> std::uint64_t {
        std::uint64_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        std::string_view rest(end, static_cast<std::size_t>(s.data() + s.size() - end));
        if (ec == std::errc::result_out_of_range) {
            in.fail(fmt::format("{}: {} is too large", column, s.substr(0, 40)));
        }
        // Tools that write integer columns as floats give "374.0": accept a zero fraction.
        if (rest.starts_with('.') && rest.size() > 1 &&
            rest.find_first_not_of('0', 1) == std::string_view::npos) {
            rest = {};
        }
        if (s.empty() || ec != std::errc() || !rest.empty()) {
            in.fail(fmt::format("{}: expected a non-negative integer, got '{}'", column,
                                s.substr(0, 40)));
        }
        if (v == 0) {
            in.fail(fmt::format("{}: expected at least 1 token, got 0", column));
        }
        return v;
    };

    CsvImport result;
    const std::uint64_t context = model.max_context;
    while (result.requests.size() < options.limit && (line = in.next())) {
        if (trim(*line).empty()) {
            continue;
        }
        split_csv(*line, fields, in);
        if (fields.size() != columns) {
            in.fail(fmt::format("expected {} comma-separated fields as in the header, got {}",
                                columns, fields.size()));
        }
        ++result.rows;
        const std::string_view arrived = fields[index[0]];
        double seconds = 0.0;
        const auto [end, ec] =
            std::from_chars(arrived.data(), arrived.data() + arrived.size(), seconds);
        if (arrived.empty() || ec != std::errc() || end != arrived.data() + arrived.size() ||
            !std::isfinite(seconds) || seconds < 0.0) {
            in.fail(
                fmt::format("arrived_at: expected seconds >= 0, got '{}'", arrived.substr(0, 40)));
        }
        const double ps = std::floor(seconds * options.time_scale * 1e12 + 0.5);
        if (!(ps < 0x1p62)) {
            in.fail(
                fmt::format("arrived_at: {} s is beyond the simulated time range (about "
                            "53 days after scaling)",
                            arrived.substr(0, 40)));
        }
        std::uint64_t prompt = tokens(fields[index[1]], kColumns[1]);
        std::uint64_t decode = tokens(fields[index[2]], kColumns[2]);
        if (prompt > context || decode > context - prompt) {
            switch (options.over_context) {
                case OverContext::error:
                    in.fail(
                        fmt::format("prompt {} + decode {} tokens exceed the context of model '{}' "
                                    "({} tokens; use "
                                    "--over-context drop or clip)",
                                    prompt, decode, model.name, context));
                case OverContext::drop:
                    ++result.dropped;
                    continue;
                case OverContext::clip:
                    // Shorten the prompt; a decode that alone fills the context keeps one
                    // prompt token and context − 1 generated tokens.
                    decode = std::min(decode, context - 1);
                    prompt = context - decode;
                    ++result.clipped;
                    break;
            }
        }
        result.requests.push_back(
            RequestRecord{0, SimTime::from_ps(static_cast<std::int64_t>(ps)), prompt, decode});
    }
    SimTime latest = SimTime::zero();
    for (const RequestRecord& r : result.requests) {
        result.reordered += r.arrival < latest ? 1U : 0U;
        latest = std::max(latest, r.arrival);
    }
    std::stable_sort(
        result.requests.begin(), result.requests.end(),
        [](const RequestRecord& a, const RequestRecord& b) { return a.arrival < b.arrival; });
    for (std::size_t i = 0; i < result.requests.size(); ++i) {
        result.requests[i].id = i;
    }
    return result;
}

}  // namespace ltdes::trace
