// Session base, device registry, and the reference session over a planned host arena.
#include "engine/session.h"

#include <cstring>

#include "engine/cuda/cuda_device.h"
#include "core/errors.h"

namespace dnncost {

DeviceRegistry& DeviceRegistry::instance() {
  static DeviceRegistry r;
  return r;
}

bool DeviceRegistry::add(const std::string& kind, SessionFactory f, std::string description) {
  factories_[kind] = std::move(f);
  descriptions_[kind] = std::move(description);
  return true;
}

std::string DeviceRegistry::kinds_list() const {
  std::string s;
  for (const auto& kv : factories_) s += (s.empty() ? "" : ", ") + kv.first;
  return s;
}

std::unique_ptr<Session> DeviceRegistry::create(const Plan& plan, const DeviceSpec& spec) const {
  auto it = factories_.find(spec.kind);
  if (it == factories_.end()) {
    throw ModelError("--device " + spec.str() + ": not available in this build; available: " + kinds_list());
  }
  check_memory_cap(plan, spec.memory_cap);
  return it->second(plan, spec);
}

std::unique_ptr<Session> make_session(const Plan& plan, const DeviceSpec& spec) {
  return DeviceRegistry::instance().create(plan, spec);
}

DeviceSpec parse_device(const std::string& text, int threads) {
  DeviceSpec d;
  d.threads = threads;
  const auto& reg = DeviceRegistry::instance();
  if (threads < 0) throw ModelError("--threads " + std::to_string(threads) + ": expected 0 (default) or more");
  if (text.rfind("cuda", 0) == 0) {
    d.kind = "cuda";
    if (text.size() > 4) {
      const std::string idx = text.substr(text.rfind(':') + 1);
      if (text[4] != ':' || idx.empty() || idx.find_first_not_of("0123456789") != std::string::npos) {
        throw ModelError("--device " + text + ": expected cuda or cuda:N (N a GPU index)");
      }
      if (idx.size() > 4) throw ModelError("--device " + text + ": GPU index " + idx + " is out of range");
      d.index = std::stoi(idx);
    }
    std::string why;
    const auto gpus = cuda_devices(&why);
    if (gpus.empty()) throw ModelError("--device " + text + ": no GPU available: " + why);
    if (d.index >= static_cast<int>(gpus.size())) {
      throw ModelError("--device " + text + ": there are " + std::to_string(gpus.size()) + " GPU(s) (cuda:0 to cuda:" +
                       std::to_string(gpus.size() - 1) + ")");
    }
    if (!reg.has("cuda")) {
      throw ModelError("--device " + text + ": the cuda device is not implemented in this build yet; available: " +
                       reg.kinds_list());
    }
    return d;
  }
  if (!reg.has(text)) {
    throw ModelError("--device " + text + ": unknown device; available: " + reg.kinds_list() +
                     (text == "gpu" ? " (the GPU device is called cuda)" : ""));
  }
  d.kind = text;
  return d;
}

void Session::check_inputs(const std::vector<std::shared_ptr<const Tensor>>& inputs) const {
  const auto& values = plan_.values();
  const auto& in_ids = plan_.input_ids();
  const std::string& path = plan_.graph().path;
  if (inputs.size() != in_ids.size()) {
    throw ModelError(path + ": expected " + std::to_string(in_ids.size()) + " input tensor(s), got " +
                     std::to_string(inputs.size()));
  }
  for (size_t k = 0; k < in_ids.size(); ++k) {
    const PlanValue& v = values[in_ids[k]];
    if (!inputs[k] || inputs[k]->dtype() != v.dtype || inputs[k]->shape() != v.shape) {
      throw ModelError(path + ": input '" + v.name + "' was planned as " + dtype_name(v.dtype) + " " +
                       shape_str(v.shape) + ", got " +
                       (inputs[k] ? dtype_name(inputs[k]->dtype()) + " " + shape_str(inputs[k]->shape())
                                  : std::string("nothing")));
    }
  }
}

std::vector<Tensor> Session::run(const std::vector<std::shared_ptr<const Tensor>>& inputs) {
  set_inputs(inputs);
  run();
  synchronize();
  return outputs();
}

RefSession::RefSession(const Plan& plan) : Session(plan), mem_(plan_memory(plan)) {
  const auto& values = plan.values();
  if (mem_.arena_bytes > 0) {
    arena_.reset(new unsigned char[static_cast<size_t>(mem_.arena_bytes)]());
    arena_allocated_ = mem_.arena_bytes;
  }
  views_.resize(values.size());
  for (size_t id = 0; id < values.size(); ++id) {
    if (mem_.offset[id] < 0) continue;
    views_[id] = Tensor::view(values[id].dtype, values[id].shape, arena_.get() + mem_.offset[id]);
  }
  auto tensor_of = [&](int id) -> const Tensor* {
    if (id < 0) return nullptr;
    if (values[id].constant) return values[id].constant.get();
    return &views_[id];
  };
  for (const auto& step : plan.steps()) {
    std::vector<const Tensor*> ins;
    for (int id : step.inputs) ins.push_back(tensor_of(id));
    std::vector<Tensor*> outs;
    for (int id : step.outputs) outs.push_back(id < 0 ? nullptr : &views_[id]);
    step_in_.push_back(std::move(ins));
    step_out_.push_back(std::move(outs));
  }
}

nlohmann::json RefSession::device_json() const {
  return {{"kind", "ref"}, {"name", "ref"}, {"threads", 1}, {"description", "plain loops (the oracle)"}};
}

void RefSession::set_inputs(const std::vector<std::shared_ptr<const Tensor>>& inputs) {
  check_inputs(inputs);
  const auto& in_ids = plan_.input_ids();
  for (size_t k = 0; k < in_ids.size(); ++k) {
    Tensor& dst = views_[in_ids[k]];
    if (dst.bytes()) std::memcpy(dst.raw(), inputs[k]->raw(), dst.bytes());
  }
}

void RefSession::run_step(size_t i) {
  const PlanStep& step = plan_.steps()[i];
  try {
    step.layer->forward_ref(step_in_[i], step_out_[i]);
  } catch (...) {
    rethrow_with_node_context(plan_.graph().path, step.node->name, step.node->op_type);
  }
}

void RefSession::run() {
  for (size_t i = 0; i < plan_.steps().size(); ++i) run_step(i);
}

std::vector<Tensor> Session::collect_outputs(const std::function<void(size_t k, Tensor& out)>& fill) const {
  std::vector<Tensor> result;
  const auto& values = plan_.values();
  const auto& out_ids = plan_.output_ids();
  for (size_t k = 0; k < out_ids.size(); ++k) {
    const PlanValue& v = values[out_ids[k]];
    if (v.constant) {
      result.push_back(*v.constant);
      continue;
    }
    Tensor t(v.dtype, v.shape);
    fill(k, t);
    result.push_back(std::move(t));
  }
  return result;
}

std::vector<Tensor> RefSession::outputs() {
  return collect_outputs([this](size_t k, Tensor& out) {
    const Tensor& view = views_[plan_.output_ids()[k]];
    if (out.bytes()) std::memcpy(out.raw(), view.raw(), out.bytes());  // out of the arena
  });
}

SessionMemory RefSession::memory() const {
  SessionMemory m;
  m.weight_bytes = plan_.totals().weight_bytes;
  m.arena_planned = mem_.arena_bytes;
  m.arena_allocated = arena_allocated_;
  m.naive_activation_bytes = mem_.naive_bytes;
  m.in_place = mem_.in_place;
  return m;
}

static const bool ref_registered = DeviceRegistry::instance().add(
    "ref", [](const Plan& p, const DeviceSpec&) { return std::make_unique<RefSession>(p); },
    "plain loops, one thread: the oracle every device is compared with");

}  // namespace dnncost
