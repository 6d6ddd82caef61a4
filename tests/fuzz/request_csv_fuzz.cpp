// SPDX-License-Identifier: MIT
// Fuzz target: the CSV import of serving traces (`lt-des trace import`), for the gpt2 preset
// with each over-context policy (chosen by the input's first byte).
#include "fuzz_input.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/trace/request_csv.hpp"
#include "ltdes/workload/presets.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const ltdes::workload::ModelShape model = *ltdes::workload::find_preset("gpt2");
    ltdes::trace::CsvImportOptions options;
    options.limit = 4096;
    if (size > 0) {
        options.over_context = static_cast<ltdes::trace::OverContext>(data[0] % 3);
    }
    try {
        (void)ltdes::trace::import_request_csv(ltdes::fuzz::input_path(data, size), model, options);
    } catch (const ltdes::Error&) {
    }
    return 0;
}
