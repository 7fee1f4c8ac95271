// `dnncost run`: executes a model on TensorProto inputs and writes TensorProto outputs.
#include <filesystem>
#include <iostream>

#include "engine/cuda/cuda_options.h"
#include "engine/session.h"
#include "importers/onnx/onnx_import.h"
#include "tools/dnncost/commands.h"
#include "tools/dnncost/dim_option.h"
#include "tools/dnncost/zoo.h"

namespace dnncost {

PassOptions passes_for(const std::string& option, const std::string& device_kind) {
  return option.empty() ? PassOptions::for_device(device_kind) : PassOptions::parse(option, "--passes");
}

DeviceSpec device_spec(const std::string& device, int threads, const CudaOptions& cuda) {
  cuda_geometry::check_math(cuda.math);
  const int64_t workspace_mb = cuda_geometry::parse_workspace_mb(cuda.workspace_mb);
  DeviceSpec spec = parse_device(device, threads);
  spec.math = cuda.math;
  spec.workspace_mb = workspace_mb;
  spec.include_transfers = cuda.include_transfers;
  return spec;
}

std::vector<std::pair<std::string, Tensor>> run_model(const Graph& graph,
                                                      const std::vector<std::shared_ptr<const Tensor>>& inputs,
                                                      const std::string& device, const std::string& passes,
                                                      const std::string& max_memory, int threads,
                                                      const CudaOptions& cuda,
                                                      const std::map<std::string, int64_t>& dims) {
  DeviceSpec spec = device_spec(device, threads, cuda);
  spec.memory_cap = resolve_memory_cap(max_memory, spec);
  // The tensors decide every dimension (the passes plan with their sizes too); --dim only says what they must be.
  const OptimizedGraph executed = optimize(graph, passes_for(passes, spec.kind), tensor_dims(graph, inputs));
  const Plan plan(*executed.graph, bind_tensors(*executed.graph, inputs, dims));
  std::unique_ptr<Session> session = make_session(plan, spec);
  std::vector<Tensor> outs = session->run(inputs);
  std::vector<std::pair<std::string, Tensor>> named;
  for (size_t i = 0; i < outs.size(); ++i) named.emplace_back(plan.values()[plan.output_ids()[i]].name, std::move(outs[i]));
  return named;
}

int run_command(const RunOptions& opt) {
  // A bad --dim, --device, --threads, --passes or --max-memory fails before the model is read.
  const DimValues dims = single_dim_values(parse_dim_options(opt.dims), "run");
  const DeviceSpec spec = device_spec(opt.device, opt.threads, opt.cuda);
  passes_for(opt.passes, spec.kind);
  resolve_memory_cap(opt.max_memory, spec);
  const Graph g = load_onnx(resolve_model(opt.model, opt.models_dir));
  std::vector<std::shared_ptr<const Tensor>> inputs;
  for (const auto& f : opt.inputs) inputs.push_back(std::make_shared<const Tensor>(read_tensor_file(f)));
  auto outs = run_model(g, inputs, opt.device, opt.passes, opt.max_memory, opt.threads, opt.cuda, dims);
  std::error_code ec;
  std::filesystem::create_directories(opt.out_dir, ec);
  if (ec) throw ModelError("--out " + opt.out_dir + ": cannot create the folder (" + ec.message() + ")");
  for (size_t i = 0; i < outs.size(); ++i) {
    const std::string path = (std::filesystem::path(opt.out_dir) / ("output_" + std::to_string(i) + ".pb")).string();
    write_tensor_file(path, outs[i].second, outs[i].first);
    std::cout << path << "  " << outs[i].first << ": " << dtype_name(outs[i].second.dtype()) << " "
              << shape_str(outs[i].second.shape()) << "\n";
  }
  return 0;
}

}  // namespace dnncost
