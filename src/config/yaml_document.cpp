// SPDX-License-Identifier: MIT
#include "config/yaml_document.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/core/error_text.hpp"

#include <fmt/format.h>

#include <sstream>
#include <string>

namespace ltdes::config {

namespace {

/// Ignores the events of a document; remembers where it started.
class DocumentStart : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark& mark) override { mark_ = mark; }

    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}

    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}

    void OnScalar(const YAML::Mark&,
                  const std::string&,
                  YAML::anchor_t,
                  const std::string&) override {}

    void OnSequenceStart(const YAML::Mark&,
                         const std::string&,
                         YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}

    void OnSequenceEnd() override {}

    void OnMapStart(const YAML::Mark&,
                    const std::string&,
                    YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}

    void OnMapEnd() override {}

    int line() const { return mark_.line >= 0 ? mark_.line + 1 : 1; }

private:
    YAML::Mark mark_;
};

ConfigError invalid_yaml(const YAML::Exception& e, std::string_view where) {
    return ConfigError(
        fmt::format("{}:{}: invalid YAML: {}", where, e.mark.line + 1, clip_value(e.msg)));
}

}  // namespace

YAML::Node load_single_document(std::string_view text,
                                std::string_view where,
                                std::string_view kind) {
    const std::string copy(text);
    try {
        YAML::Node root = YAML::Load(copy);
        // Parse again, event by event, and ask for exactly one more document: bounded work
        // whatever the text holds.
        std::istringstream in(copy);
        YAML::Parser parser(in);
        DocumentStart first;
        DocumentStart second;
        if (parser.HandleNextDocument(first) && parser.HandleNextDocument(second)) {
            throw ConfigError(fmt::format(
                "{}:{}: a second YAML document ('---') or stray content after the first: {}", where,
                second.line(), kind));
        }
        return root;
    } catch (const YAML::Exception& e) {
        throw invalid_yaml(e, where);
    }
}

YAML::Node load_builtin_document(std::string_view text, std::string_view where) {
    try {
        return YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        throw invalid_yaml(e, where);
    }
}

}  // namespace ltdes::config
