// SPDX-License-Identifier: MIT
// Fuzz target: the arch YAML loader (schema walk, ranges, validation, derived laser power).
#include "fuzz_input.hpp"

#include "ltdes/config/arch_loader.hpp"
#include "ltdes/core/error.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        (void)ltdes::config::load_arch(ltdes::fuzz::input_path(data, size));
    } catch (const ltdes::Error&) {
    }
    return 0;
}
