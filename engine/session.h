// Session: owns the buffers for one Plan on one device and runs its layers in order. `ref` (plain loops, the
// oracle) is built in; other devices (cpu, cuda) register a factory under their name.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/device_spec.h"
#include "engine/memory_cap.h"
#include "engine/memory_plan.h"
#include "engine/plan.h"

namespace dnncost {

// Parses "ref", "cpu", "cuda", "cuda:N"; throws ModelError naming the --device option and listing the
// devices this build has when the name is unknown or the device is not available here.
DeviceSpec parse_device(const std::string& text, int threads = 0);

// Bytes a session planned and allocated. Planned and allocated must agree exactly.
struct SessionMemory {
  int64_t weight_bytes = 0;        // constants the device holds (weights in the device's layout)
  int64_t arena_planned = 0;       // activation arena from the memory plan
  int64_t arena_allocated = 0;
  int64_t workspace_planned = 0;   // largest per-layer scratch
  int64_t workspace_allocated = 0;
  int64_t naive_activation_bytes = 0;  // every activation in its own buffer (no reuse)
  int in_place = 0;
  int64_t planned() const { return arena_planned + workspace_planned; }
  int64_t allocated() const { return arena_allocated + workspace_allocated; }
};

class Session {
 public:
  explicit Session(const Plan& plan) : plan_(plan) {}
  virtual ~Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Plan& plan() const { return plan_; }
  virtual std::string device_name() const = 0;  // e.g. "ref", "cpu (oneDNN 2.6.3, 2 threads)"
  virtual nlohmann::json device_json() const = 0;

  // Copies the graph inputs (declared order; shapes and types must match the plan) into the session.
  virtual void set_inputs(const std::vector<std::shared_ptr<const Tensor>>& inputs) = 0;
  // Runs every step once.
  virtual void run() = 0;
  // Runs step i only (the steps before it must have run since set_inputs); for per-layer timing.
  virtual void run_step(size_t i) = 0;
  // Waits for the device to finish queued work (no-op on the host devices).
  virtual void synchronize() {}
  // Graph outputs in declared order (host copies).
  virtual std::vector<Tensor> outputs() = 0;
  virtual SessionMemory memory() const = 0;
  // How step i is computed on this device (e.g. a oneDNN primitive's implementation name, a cuDNN algorithm),
  // for traces; "" when the device has nothing to say.
  virtual std::string step_algorithm(size_t i) const { return ""; }
  // What the device knows of how step i runs (cuda: implementation, algorithm, workspace, layouts, math), for
  // `info --device` and per-layer records; null when it has nothing to say.
  virtual nlohmann::json step_json(size_t i) const { return nullptr; }

  // Devices with a clock of their own (cuda: CUDA events) time their runs themselves; the others are timed on the
  // host around run() + synchronize().
  virtual bool times_itself() const { return false; }
  // Only when times_itself(): one whole run, timed by the device, in milliseconds (cuda: one CUDA-graph replay
  // between two events; with --include-transfers also the input and output copies).
  virtual double timed_run_ms() { return 0; }
  // Only when times_itself(): one per-layer pass (every step in order, events between steps); ms per step.
  virtual std::vector<double> timed_steps_ms() { return {}; }
  // How the headline latency is measured, for records: "host clock around run()", "CUDA graph replay, CUDA events".
  virtual std::string timing_method() const { return "host clock around run() and synchronize()"; }

  // set_inputs, run, outputs.
  std::vector<Tensor> run(const std::vector<std::shared_ptr<const Tensor>>& inputs);

 protected:
  void check_inputs(const std::vector<std::shared_ptr<const Tensor>>& inputs) const;
  // The graph outputs in declared order, what every device's outputs() returns: an output known at plan time is
  // the constant itself; every other is a new host tensor of the planned type and shape that fill(k, tensor)
  // copies graph output k into.
  std::vector<Tensor> collect_outputs(const std::function<void(size_t k, Tensor& out)>& fill) const;
  const Plan& plan_;
};

// A session whose steps run device kernels and that keeps what it knows of each step (`Info`, with at least the
// `implementation` it ran): the step accessors the cpu and cuda sessions share.
template <typename Info>
class KernelSession : public Session {
 public:
  using Session::Session;
  const std::vector<Info>& step_info() const { return step_info_; }
  std::string step_algorithm(size_t i) const override {
    return i < step_info_.size() ? step_info_[i].implementation : std::string();
  }

 protected:
  std::vector<Info> step_info_;  // per step, filled by the device's constructor
};

using SessionFactory = std::function<std::unique_ptr<Session>(const Plan&, const DeviceSpec&)>;

// Devices of this build, by kind. `ref` is always there.
class DeviceRegistry {
 public:
  static DeviceRegistry& instance();
  bool add(const std::string& kind, SessionFactory f, std::string description);
  bool has(const std::string& kind) const { return factories_.count(kind) != 0; }
  std::string kinds_list() const;  // "cpu, ref"
  const std::map<std::string, std::string>& descriptions() const { return descriptions_; }
  std::unique_ptr<Session> create(const Plan& plan, const DeviceSpec& spec) const;

 private:
  std::map<std::string, SessionFactory> factories_;
  std::map<std::string, std::string> descriptions_;
};

// Checks the plan against spec.memory_cap (MemoryCapError when above), then creates the device's session.
std::unique_ptr<Session> make_session(const Plan& plan, const DeviceSpec& spec);

// The reference device: plain-loop layers over one host arena laid out by the memory plan.
class RefSession : public Session {
 public:
  explicit RefSession(const Plan& plan);
  std::string device_name() const override { return "ref"; }
  nlohmann::json device_json() const override;
  void set_inputs(const std::vector<std::shared_ptr<const Tensor>>& inputs) override;
  void run() override;
  void run_step(size_t i) override;
  std::vector<Tensor> outputs() override;
  SessionMemory memory() const override;
  std::string step_algorithm(size_t) const override { return "reference loops"; }
  using Session::run;

 private:
  MemoryPlan mem_;
  std::unique_ptr<unsigned char[]> arena_;
  int64_t arena_allocated_ = 0;
  std::vector<Tensor> views_;                      // per value: a view into the arena (empty when not there)
  std::vector<std::vector<const Tensor*>> step_in_;   // per step: input tensors
  std::vector<std::vector<Tensor*>> step_out_;        // per step: output tensors
};

}  // namespace dnncost
