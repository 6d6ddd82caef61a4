// SPDX-License-Identifier: MIT
#include "cli/estimate_output.hpp"

#include "ltdes/sim/estimate_recorder.hpp"
#include "ltdes/sim/run_report.hpp"

#include <fmt/format.h>

#include <utility>
#include <vector>

namespace ltdes::cli {

namespace {

class Hdf5EstimateOutput final : public EstimateOutput {
public:
    Hdf5EstimateOutput(const std::string& path, bool force) : recorder_(path, force) {}

    sim::EstimateSink& sink() override { return recorder_; }

    void finish(const sim::ResolvedWorkload& input,
                const sim::ChipArchs& archs,
                const cluster::ClusterSpec& cluster,
                const std::string& cluster_file,
                const sim::EstimateReport& report) override {
        std::vector<output::InputFile> inputs;
        for (const auto& [role, path] :
             {std::pair{"trace", input.trace}, std::pair{"hf-config", input.hf_config}}) {
            if (path) {
                inputs.push_back({role, *path});
            }
        }
        if (!cluster_file.empty()) {
            inputs.push_back({"cluster", cluster_file});
        }
        const std::string yaml = fmt::format(
            "command: estimate\nmodel: {}\nworkload: {{batch: {}, prompt: {}, decode: {}}}\n"
            "arch: {}\nopt: {}\ndram: {{bandwidth_bps: {}, latency_ns: {}}}\n",
            input.model.name, input.spec.batch, input.spec.prompt, input.spec.decode,
            archs.arch(0).name, report.opt, cluster.dram.bandwidth_bps, cluster.dram.latency_ns);
        recorder_.finish(
            sim::make_metadata(input.model, input.spec, archs, yaml, std::move(inputs), 1),
            input.model, input.spec);
    }

private:
    sim::EstimateRecorder recorder_;
};

}  // namespace

std::unique_ptr<EstimateOutput> open_hdf5_estimate_output(const std::string& path, bool force) {
    return std::make_unique<Hdf5EstimateOutput>(path, force);
}

}  // namespace ltdes::cli
