// SPDX-License-Identifier: MIT
// Fuzz target: the Hugging Face config.json loader (JSON parse, types, shape limits).
#include "fuzz_input.hpp"

#include "ltdes/config/hf_config.hpp"
#include "ltdes/core/error.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        (void)ltdes::config::load_hf_config(ltdes::fuzz::input_path(data, size));
    } catch (const ltdes::Error&) {
    }
    return 0;
}
