// SPDX-License-Identifier: MIT
// One YAML document from a config text, refusing a second one (or stray content after the
// first) without YAML::LoadAll, which loops forever allocating on a lone ',' (yaml-cpp 0.7,
// found by fuzzing: 17 GB in a few minutes).
#pragma once

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <string_view>

namespace ltdes::config {

/// The first document of `text` (a null node for an empty text). Throws ConfigError
/// "<where>:<line>: a second YAML document …" when more follows, and "<where>:<line>: <invalid
/// YAML>" for a syntax error; `kind` names what the file must hold ("an arch file holds one
/// mapping").
YAML::Node load_single_document(std::string_view text,
                                std::string_view where,
                                std::string_view kind);

/// The first document of a text known to hold one: the arch files compiled into lt-des, which
/// tests load through load_single_document from configs/arch/. Parses once (the check above
/// parses the text a second time, about half of the cost). A syntax error throws like
/// load_single_document.
YAML::Node load_builtin_document(std::string_view text, std::string_view where);

}  // namespace ltdes::config
