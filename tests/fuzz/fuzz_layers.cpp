// Structure-aware libFuzzer target for the layers: the input bytes choose a small graph directly (no protobuf),
// so every input reaches shape inference: one to three nodes of any registered op, inputs that are graph inputs
// (small random shapes), initializers (float, int64 or int32, with edge values such as 0, -1, 2^62, INT64_MIN)
// or absent, attributes of the names layers read (right or wrong type, edge values), and an opset from 1 to 21.
// The graph is planned with small limits and, when small, run once on `ref`; then the graph passes run and their
// graph must plan and run too (tests/fuzz/fuzz_common.h).
//
// Expected outcome: success or a ModelError. Anything else (a crash, a sanitizer report, another exception, a
// hang, a huge allocation) is a finding. Built with fuzz_import.cpp's settings (see CMakeLists.txt).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/errors.h"
#include "layers/registry.h"
#include "tests/fuzz/fuzz_common.h"

namespace {

using namespace dnncost;

// Reads choices from the fuzzer's bytes; zeros once they run out (so every input is a complete graph).
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  uint8_t byte() { return p_ < end_ ? *p_++ : 0; }
  // An integer in [0, n).
  size_t pick(size_t n) { return n ? (static_cast<size_t>(byte()) | static_cast<size_t>(byte()) << 8) % n : 0; }
  bool chance(int percent) { return pick(100) < static_cast<size_t>(percent); }
  int64_t int_value() {
    static const int64_t edge[] = {0,  1,  2,  3,  -1, -2, 4,  5,  7,  8,  16, 100, -3, -5, 1000,
                                   std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(),
                                   int64_t{1} << 31, int64_t{1} << 32, -(int64_t{1} << 31), int64_t{1} << 62,
                                   (int64_t{1} << 62) - 1, int64_t{1} << 20};
    if (chance(80)) return edge[pick(15)];
    if (chance(70)) return edge[15 + pick(sizeof(edge) / sizeof(edge[0]) - 15)];
    int64_t v = 0;
    for (int i = 0; i < 8; ++i) v = static_cast<int64_t>(static_cast<uint64_t>(v) << 8 | byte());
    return v;
  }
  float float_value() {
    static const float edge[] = {0.f, 1.f, -1.f, 0.5f, 2.f, 1e-5f, -0.f, 3.f, 1e30f, -1e30f,
                                 std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                                 std::numeric_limits<float>::denorm_min(), 255.f, 6.f};
    return edge[pick(sizeof(edge) / sizeof(edge[0]))];
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

const char* const kIntAttrs[] = {"axis", "group", "keepdims", "to", "transA", "transB", "size", "ceil_mode",
                                 "count_include_pad", "storage_order", "allowzero", "start", "end", "broadcast",
                                 "noop_with_empty_axes", "training_mode", "spatial", "value_int", "fmod", "upper",
                                 "num_outputs", "saturate"};
const char* const kIntsAttrs[] = {"kernel_shape", "strides", "pads", "dilations", "axes", "perm", "split",
                                  "output_padding", "output_shape", "starts", "ends", "shape", "paddings",
                                  "value_ints"};
const char* const kFloatAttrs[] = {"alpha", "beta", "bias", "epsilon", "momentum", "min", "max", "value_float"};
const char* const kStringAttrs[] = {"auto_pad", "mode", "equation", "reduction"};
const char* const kStringValues[] = {"NOTSET",   "SAME_UPPER", "SAME_LOWER",      "VALID",         "constant",
                                     "reflect",  "edge",       "",                "wrap",          "none",
                                     "add",      "ij,jk->ik",  "...ii->...i",     "ba",            "a,b,c",
                                     "abc->",    "i,i",        "...ij,...jk",     "Ab, bA -> A",   "ij->k"};

template <size_t N>
const char* pick_name(ByteReader& r, const char* const (&names)[N]) {
  return names[r.pick(N)];
}

Shape small_shape(ByteReader& r) {
  Shape s(r.pick(6));
  for (auto& d : s) d = static_cast<int64_t>(r.pick(r.chance(90) ? 5 : 9));
  return s;
}

std::shared_ptr<Tensor> small_tensor(ByteReader& r) {
  const DType types[] = {DType::kFloat32, DType::kInt64, DType::kInt32, DType::kFloat32, DType::kInt64};
  const DType dt = types[r.pick(5)];
  Shape s = r.chance(50) ? Shape{static_cast<int64_t>(r.pick(9))} : small_shape(r);
  auto t = std::make_shared<Tensor>(dt, s);
  if (t->numel() > 4096) return std::make_shared<Tensor>(dt, Shape{1});
  for (int64_t i = 0; i < t->numel(); ++i) {
    if (dt == DType::kFloat32) t->data<float>()[i] = r.float_value();
    else if (dt == DType::kInt64) t->data<int64_t>()[i] = r.int_value();
    else t->data<int32_t>()[i] = static_cast<int32_t>(r.int_value());
  }
  return t;
}

Attribute random_attribute(ByteReader& r, Attribute::Type type) {
  Attribute a;
  a.type = type;
  switch (type) {
    case Attribute::Type::kInt: a.i = r.int_value(); break;
    case Attribute::Type::kFloat: a.f = r.float_value(); break;
    case Attribute::Type::kString: a.s = kStringValues[r.pick(sizeof(kStringValues) / sizeof(kStringValues[0]))]; break;
    case Attribute::Type::kInts: a.ints.resize(r.pick(9)); for (auto& v : a.ints) v = r.int_value(); break;
    case Attribute::Type::kFloats: a.floats.resize(r.pick(5)); for (auto& v : a.floats) v = r.float_value(); break;
    case Attribute::Type::kTensor: a.t = small_tensor(r); break;
    default: break;
  }
  return a;
}

void add_attributes(ByteReader& r, Node& n) {
  const size_t count = r.pick(6);
  for (size_t k = 0; k < count; ++k) {
    const size_t family = r.pick(5);
    std::string name;
    Attribute::Type type;
    if (family == 0) name = pick_name(r, kIntAttrs), type = Attribute::Type::kInt;
    else if (family == 1) name = pick_name(r, kIntsAttrs), type = Attribute::Type::kInts;
    else if (family == 2) name = pick_name(r, kFloatAttrs), type = Attribute::Type::kFloat;
    else if (family == 3) name = pick_name(r, kStringAttrs), type = Attribute::Type::kString;
    else name = "value", type = Attribute::Type::kTensor;
    if (r.chance(5)) {  // the wrong type now and then
      const Attribute::Type any[] = {Attribute::Type::kInt, Attribute::Type::kInts, Attribute::Type::kFloat,
                                     Attribute::Type::kFloats, Attribute::Type::kString, Attribute::Type::kTensor};
      type = any[r.pick(6)];
    }
    n.attributes[name] = random_attribute(r, type);
  }
}

Graph random_graph(ByteReader& r, const std::vector<std::string>& ops) {
  Graph g;
  g.path = "fuzz_layers.onnx";
  g.ir_version = 8;
  g.opset = 1 + static_cast<int64_t>(r.pick(21));  // 1 to kMaxSupportedOpset
  std::vector<std::string> values;  // names a node may read
  const size_t n_inputs = 1 + r.pick(3);
  for (size_t i = 0; i < n_inputs; ++i) {
    ValueInfo vi;
    vi.name = "in" + std::to_string(i);
    vi.dtype = r.chance(85) ? DType::kFloat32 : DType::kInt64;
    vi.has_shape = true;
    for (int64_t d : small_shape(r)) vi.dims.push_back(Dim{d, ""});
    values.push_back(vi.name);
    g.inputs.push_back(vi);
  }
  const size_t n_inits = r.pick(4);
  for (size_t i = 0; i < n_inits; ++i) {
    const std::string name = "w" + std::to_string(i);
    g.initializers[name] = small_tensor(r);
    values.push_back(name);
  }
  const size_t n_nodes = 1 + r.pick(3);
  for (size_t k = 0; k < n_nodes; ++k) {
    Node n;
    n.op_type = ops[r.pick(ops.size())];
    n.name = "node" + std::to_string(k);
    n.index = static_cast<int>(k);
    const size_t n_in = r.pick(6);
    for (size_t i = 0; i < n_in; ++i) n.inputs.push_back(r.chance(8) ? "" : values[r.pick(values.size())]);
    const size_t n_out = 1 + (r.chance(20) ? r.pick(3) : 0);
    for (size_t i = 0; i < n_out; ++i) n.outputs.push_back("n" + std::to_string(k) + "_" + std::to_string(i));
    add_attributes(r, n);
    for (const auto& o : n.outputs) values.push_back(o);
    g.nodes.push_back(std::move(n));
  }
  ValueInfo out;
  out.name = g.nodes.back().outputs[0];
  g.outputs.push_back(out);
  return g;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> ops = LayerRegistry::instance().op_types();
  ByteReader r(data, size);
  try {
    const Graph g = random_graph(r, ops);
    fuzzing::plan_run_and_check_passes(g);
  } catch (const ModelError& e) {
    if (fuzzing::verbose()) std::fprintf(stderr, "ModelError: %s\n", e.what());
  } catch (const std::exception& e) {
    fuzzing::finding(std::string("exception other than ModelError: ") + e.what());
  }
  return 0;
}
