// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>
#include <string>

namespace ltdes {

/// Base of every bad-input error. The message says where (file:line or a YAML key path) and
/// what was expected; `main` prints it as one line and exits with code 2.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Bad command-line usage.
class UsageError : public Error {
public:
    using Error::Error;
};

/// Bad arch, cluster or model configuration (message names the file and key path).
class ConfigError : public Error {
public:
    using Error::Error;
};

/// Bad trace file (message starts with `file:line:`).
class TraceError : public Error {
public:
    using Error::Error;
};

/// A result file that cannot be written where asked.
class OutputError : public Error {
public:
    using Error::Error;
};

/// A broken invariant inside lt-des (a bug, not bad input): exit code 1.
class InternalError : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

}  // namespace ltdes
