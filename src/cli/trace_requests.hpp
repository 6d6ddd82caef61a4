// SPDX-License-Identifier: MIT
// `lt-des trace gen --requests …` and `lt-des trace import`: request traces (lt-trace 2).
#pragma once

namespace ltdes::cli {

/// True when the `trace gen` arguments ask for a request trace (they hold `--requests` or
/// `--arrivals`).
bool wants_request_trace(int argc, char** argv);

/// `lt-des trace gen --requests N --arrivals SPEC --prompt SPEC --decode SPEC …`.
int trace_gen_requests(int argc, char** argv);

/// `lt-des trace import --requests FILE.csv …`.
int trace_import(int argc, char** argv);

}  // namespace ltdes::cli
