// ONNX importer: protobuf (generated from the system's onnx.proto) -> Graph.
#include "importers/onnx/onnx_import.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/errors.h"
#include "core/host_info.h"
#include "onnx.pb.h"

namespace dnncost {
namespace {

namespace fs = std::filesystem;

// Largest model file accepted (protobuf's own hard limit is 2 GiB; larger models use external data).
constexpr int64_t kMaxProtoBytes = INT_MAX;

// Reads a whole regular file. `expected` names what the file should be ("an ONNX model file"). Pipes, devices
// and folders are refused up front: reading them could block forever or never end.
std::string read_whole_file(const std::string& path, const std::string& expected) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) throw ModelError(path + ": no such file (expected " + expected + ")");
  if (ec) throw ModelError(path + ": cannot access the file (" + ec.message() + "); expected " + expected);
  if (fs::is_directory(st)) throw ModelError(path + ": is a folder, expected " + expected);
  if (!fs::is_regular_file(st)) {
    throw ModelError(path + ": is not a regular file (a pipe, socket or device); expected " + expected);
  }
  const auto size = fs::file_size(path, ec);
  if (!ec && size > static_cast<uintmax_t>(kMaxProtoBytes)) {
    throw ModelError(path + ": file is larger than 2 GiB, the protobuf limit; expected " + expected +
                     " (store large weights as ONNX external data)");
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ModelError(path + ": cannot open for reading (" + std::strerror(errno) + "); expected " + expected);
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) throw ModelError(path + ": read error; expected " + expected);
  return ss.str();
}

// Names a well-known non-ONNX format from the first bytes, for the message when a file does not parse as a
// model; empty when nothing is recognised.
std::string recognise_other_format(const std::string& bytes) {
  auto starts = [&](const char* magic, size_t n) { return bytes.size() >= n && bytes.compare(0, n, magic, n) == 0; };
  if (starts("PK\x03\x04", 4)) return "it is a zip archive (a PyTorch .pt/.pth checkpoint?), not an ONNX file";
  if (starts("\x89HDF\r\n\x1a\n", 8)) return "it is an HDF5 file (a Keras .h5 model?), not an ONNX file";
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x80 && bytes[1] >= 2 && bytes[1] <= 5) {
    return "it looks like a Python pickle, not an ONNX file";
  }
  const size_t n = std::min<size_t>(bytes.size(), 4096);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (!(c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7f))) return "";
  }
  if (bytes.find("ir_version") != std::string::npos || bytes.find("graph {") != std::string::npos) {
    return "it is a text file in protobuf text format; dnncost reads the binary .onnx format";
  }
  return "it is a text file, not an ONNX file";
}

[[noreturn]] void throw_not_a_model(const std::string& path, const std::string& bytes, const std::string& why) {
  const std::string other = recognise_other_format(bytes);
  throw ModelError(path + ": not a valid ONNX model (" + (other.empty() ? why : other) +
                   "); expected a binary ONNX ModelProto");
}

// Parses a non-negative integer external-data value strictly (the whole string, no sign, no overflow).
int64_t parse_byte_count(const std::string& key, const std::string& value, const std::string& ctx) {
  int64_t v = -1;
  const char* end = value.data() + value.size();
  const auto r = std::from_chars(value.data(), end, v);
  if (value.empty() || r.ec != std::errc() || r.ptr != end || v < 0) {
    throw ModelError(ctx + "external data key '" + key + "' has value '" + value +
                     "', expected a non-negative integer (a byte count that fits in int64)");
  }
  return v;
}

Dim dim_from_proto(const onnx::TensorShapeProto_Dimension& d) {
  Dim out;
  if (d.has_dim_value()) {
    out.value = d.dim_value();
  } else if (d.has_dim_param()) {
    out.symbol = d.dim_param();
  }
  return out;
}

ValueInfo value_info_from_proto(const onnx::ValueInfoProto& v, const std::string& file) {
  ValueInfo vi;
  vi.name = v.name();
  if (v.has_type() && v.type().has_tensor_type()) {
    const auto& tt = v.type().tensor_type();
    vi.dtype = static_cast<DType>(tt.elem_type());
    if (tt.has_shape()) {
      vi.has_shape = true;
      for (const auto& d : tt.shape().dim()) {
        Dim dim = dim_from_proto(d);
        if (dim.value < -1 || (d.has_dim_value() && d.dim_value() < 0)) {
          throw ModelError(file + ": value '" + v.name() + "' declares a negative dimension " +
                           std::to_string(d.dim_value()));
        }
        vi.dims.push_back(dim);
      }
    }
  }
  return vi;
}

// Resolves an external-data location inside base_dir; rejects absolute paths, '..' and symlinks that leave it.
std::string confined_path(const std::string& base_dir, const std::string& location, const std::string& ctx) {
  fs::path loc(location);
  if (location.empty()) throw ModelError(ctx + "external data has an empty location");
  if (location.find('\0') != std::string::npos) {  // the OS would stop reading the name at the NUL
    throw ModelError(ctx + "external data location contains a NUL byte; expected a file name");
  }
  if (loc.is_absolute()) throw ModelError(ctx + "external data location '" + location + "' is absolute; expected a path relative to the model's folder");
  for (const auto& part : loc)
    if (part == "..") throw ModelError(ctx + "external data location '" + location + "' leaves the model's folder ('..')");
  std::error_code ec;
  fs::path base = fs::canonical(base_dir.empty() ? "." : base_dir, ec);
  if (ec) throw ModelError(ctx + "cannot resolve the model's folder '" + base_dir + "'");
  fs::path full = fs::weakly_canonical(base / loc, ec);
  if (ec) throw ModelError(ctx + "cannot resolve external data location '" + location + "'");
  auto rel = full.lexically_relative(base);
  if (rel.empty() || *rel.begin() == "..") {
    throw ModelError(ctx + "external data location '" + location + "' resolves outside the model's folder");
  }
  return full.string();
}

// Copies the typed values into t's storage, converting from the proto's wider field type. The caller has
// checked that the field holds t.numel() values.
template <typename Dst, typename Field>
void copy_field(Tensor& t, const Field& field) {
  Dst* dst = reinterpret_cast<Dst*>(t.raw());
  for (int i = 0; i < field.size(); ++i) dst[i] = static_cast<Dst>(field.Get(i));
}

// The typed field that holds values of element type dt when raw_data is not used, and its value count.
std::pair<const char*, int64_t> typed_field(const onnx::TensorProto& p, DType dt) {
  switch (dt) {
    case DType::kFloat32: return {"float_data", p.float_data_size()};
    case DType::kFloat64: return {"double_data", p.double_data_size()};
    case DType::kInt64: return {"int64_data", p.int64_data_size()};
    case DType::kUint64:
    case DType::kUint32: return {"uint64_data", p.uint64_data_size()};
    default: return {"int32_data", p.int32_data_size()};
  }
}

Tensor tensor_from_proto(const onnx::TensorProto& p, const std::string& base_dir, const std::string& ctx_in) {
  const std::string ctx = ctx_in + "tensor '" + p.name() + "' ";
  const DType dt = static_cast<DType>(p.data_type());
  if (!dtype_supported(dt)) {
    throw ModelError(ctx + "has element type " + dtype_name(dt) + ", which dnncost cannot hold");
  }
  Shape shape;
  for (int64_t d : p.dims()) {
    if (d < 0) throw ModelError(ctx + "has a negative dimension " + std::to_string(d));
    shape.push_back(d);
  }
  int64_t numel;
  try {
    numel = shape_numel(shape);
  } catch (const ModelError&) {
    throw ModelError(ctx + "has dims " + shape_str(shape) + " whose element count overflows");
  }
  const int64_t nbytes_expected =
      numel > INT64_MAX / static_cast<int64_t>(dtype_size(dt)) ? -1 : numel * static_cast<int64_t>(dtype_size(dt));
  if (nbytes_expected < 0) throw ModelError(ctx + "dims " + shape_str(shape) + " are too large");

  if (p.data_location() == onnx::TensorProto_DataLocation_EXTERNAL) {
    std::string location;
    bool has_location = false;
    int64_t offset = 0, length = -1;
    for (const auto& kv : p.external_data()) {
      if (kv.key() == "location") {
        location = kv.value();
        has_location = true;
      } else if (kv.key() == "offset") {
        offset = parse_byte_count(kv.key(), kv.value(), ctx);
      } else if (kv.key() == "length") {
        length = parse_byte_count(kv.key(), kv.value(), ctx);
      }
    }
    if (!has_location) throw ModelError(ctx + "has external data without a 'location' key; expected a file name");
    const std::string full = confined_path(base_dir, location, ctx);
    std::error_code ec;
    const fs::file_status st = fs::status(full, ec);
    if (st.type() == fs::file_type::not_found) {
      throw ModelError(ctx + "external data file '" + location + "' does not exist (looked in the model's folder)");
    }
    if (ec) throw ModelError(ctx + "external data file '" + location + "' cannot be accessed (" + ec.message() + ")");
    if (!fs::is_regular_file(st)) {
      throw ModelError(ctx + "external data file '" + location + "' is not a regular file; expected a file of weights");
    }
    const auto fsize = fs::file_size(full, ec);
    if (ec) throw ModelError(ctx + "external data file '" + location + "' cannot be read (" + ec.message() + ")");
    if (static_cast<uint64_t>(offset) > fsize) {
      throw ModelError(ctx + "external data offset " + std::to_string(offset) + " is past the end of file '" +
                       location + "' of " + std::to_string(fsize) + " bytes");
    }
    if (length < 0) length = static_cast<int64_t>(fsize) - offset;
    if (static_cast<uint64_t>(length) > fsize - static_cast<uint64_t>(offset)) {
      throw ModelError(ctx + "external data range (offset " + std::to_string(offset) + ", length " +
                       std::to_string(length) + ") is outside file '" + location + "' of " +
                       std::to_string(fsize) + " bytes");
    }
    if (length != nbytes_expected) {
      throw ModelError(ctx + "external data has " + std::to_string(length) + " bytes, expected " +
                       std::to_string(nbytes_expected) + " for " + dtype_name(dt) + " " + shape_str(shape));
    }
    // The bytes are there, but a sparse file can promise terabytes without using disk: refuse what this host
    // cannot hold instead of trying to allocate it.
    const int64_t available = host_available_bytes();
    if (available >= 0 && length > available) {
      throw MemoryCapError(ctx + "external data of " + std::to_string(length) + " bytes in '" + location +
                           "' is more than the " + std::to_string(available) +
                           " bytes of memory available on this host (MemAvailable); nothing was allocated");
    }
    Tensor t(dt, shape);
    std::ifstream f(full, std::ios::binary);
    f.seekg(offset);
    f.read(reinterpret_cast<char*>(t.raw()), length);
    if (!f) throw ModelError(ctx + "short read from external data file '" + location + "'");
    return t;
  }

  if (p.has_raw_data()) {
    if (static_cast<int64_t>(p.raw_data().size()) != nbytes_expected) {
      throw ModelError(ctx + "has " + std::to_string(p.raw_data().size()) + " bytes of raw_data, expected " +
                       std::to_string(nbytes_expected) + " for " + dtype_name(dt) + " " + shape_str(shape));
    }
    Tensor t(dt, shape);
    if (nbytes_expected) std::memcpy(t.raw(), p.raw_data().data(), static_cast<size_t>(nbytes_expected));
    return t;
  }

  // Check the value count before allocating: dims may promise far more than the file holds.
  const auto [field_name, count] = typed_field(p, dt);
  if (count != numel) {
    throw ModelError(ctx + "has " + std::to_string(count) + " values in " + field_name + ", expected " +
                     std::to_string(numel) + " for shape " + shape_str(shape));
  }
  Tensor t(dt, shape);
  switch (dt) {
    case DType::kFloat32: copy_field<float>(t, p.float_data()); break;
    case DType::kFloat64: copy_field<double>(t, p.double_data()); break;
    case DType::kInt64: copy_field<int64_t>(t, p.int64_data()); break;
    case DType::kUint64: copy_field<uint64_t>(t, p.uint64_data()); break;
    case DType::kUint32: copy_field<uint32_t>(t, p.uint64_data()); break;
    case DType::kInt32: copy_field<int32_t>(t, p.int32_data()); break;
    case DType::kInt16: copy_field<int16_t>(t, p.int32_data()); break;
    case DType::kInt8: copy_field<int8_t>(t, p.int32_data()); break;
    case DType::kUint16: copy_field<uint16_t>(t, p.int32_data()); break;
    case DType::kUint8: copy_field<uint8_t>(t, p.int32_data()); break;
    case DType::kBool: copy_field<uint8_t>(t, p.int32_data()); break;
    case DType::kFloat16:
    case DType::kBFloat16: copy_field<uint16_t>(t, p.int32_data()); break;
    default: throw ModelError(ctx + "has unsupported element type " + dtype_name(dt));
  }
  return t;
}

Attribute attribute_from_proto(const onnx::AttributeProto& a, const std::string& base_dir, const std::string& ctx) {
  Attribute out;
  using AP = onnx::AttributeProto;
  AP::AttributeType type = a.type();
  if (type == AP::UNDEFINED) {  // very old models leave the type out: infer it from the filled field
    if (a.has_f()) type = AP::FLOAT;
    else if (a.has_i()) type = AP::INT;
    else if (a.has_s()) type = AP::STRING;
    else if (a.has_t()) type = AP::TENSOR;
    else if (a.floats_size()) type = AP::FLOATS;
    else if (a.ints_size()) type = AP::INTS;
    else if (a.strings_size()) type = AP::STRINGS;
    else if (a.has_g()) type = AP::GRAPH;
    else throw ModelError(ctx + "attribute '" + a.name() + "' has no type and no value");
  }
  const bool scalar_missing = (type == AP::FLOAT && !a.has_f()) || (type == AP::INT && !a.has_i()) ||
                              (type == AP::STRING && !a.has_s()) || (type == AP::TENSOR && !a.has_t()) ||
                              (type == AP::GRAPH && !a.has_g());
  if (scalar_missing) {
    throw ModelError(ctx + "attribute '" + a.name() + "' is typed " + AP::AttributeType_Name(type) +
                     " but has no value");
  }
  switch (type) {
    case AP::FLOAT: out.type = Attribute::Type::kFloat; out.f = a.f(); break;
    case AP::INT: out.type = Attribute::Type::kInt; out.i = a.i(); break;
    case AP::STRING: out.type = Attribute::Type::kString; out.s = a.s(); break;
    case AP::TENSOR:
      out.type = Attribute::Type::kTensor;
      out.t = std::make_shared<Tensor>(tensor_from_proto(a.t(), base_dir, ctx + "attribute '" + a.name() + "': "));
      break;
    case AP::FLOATS: out.type = Attribute::Type::kFloats; out.floats.assign(a.floats().begin(), a.floats().end()); break;
    case AP::INTS: out.type = Attribute::Type::kInts; out.ints.assign(a.ints().begin(), a.ints().end()); break;
    case AP::STRINGS: out.type = Attribute::Type::kStrings; out.strings.assign(a.strings().begin(), a.strings().end()); break;
    case AP::GRAPH:
    case AP::GRAPHS: out.type = Attribute::Type::kGraph; break;
    default: out.type = Attribute::Type::kOther; break;
  }
  return out;
}

// Orders nodes so each runs after the producers of its inputs; rejects cycles and inputs nobody produces.
std::vector<Node> topological_order(std::vector<Node> nodes, const std::set<std::string>& available,
                                    const std::string& file) {
  std::map<std::string, size_t> producer;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& o : nodes[i].outputs) {
      if (o.empty()) continue;
      if (available.count(o) || producer.count(o)) {
        throw ModelError(node_context(file, nodes[i].name, nodes[i].op_type) + "output '" + o +
                         "' is already produced elsewhere in the graph (values must have one producer)");
      }
      producer[o] = i;
    }
  }
  for (const auto& n : nodes) {
    for (const auto& in : n.inputs) {
      if (!in.empty() && !available.count(in) && !producer.count(in)) {
        throw ModelError(node_context(file, n.name, n.op_type) + "input '" + in +
                         "' is neither a graph input, an initializer nor the output of any node");
      }
    }
  }
  // Kahn's algorithm, stable with respect to the file order.
  std::vector<int> pending(nodes.size(), 0);
  std::vector<std::vector<size_t>> users(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::set<size_t> deps;
    for (const auto& in : nodes[i].inputs) {
      auto it = producer.find(in);
      if (!in.empty() && it != producer.end()) deps.insert(it->second);
    }
    pending[i] = static_cast<int>(deps.size());
    for (size_t d : deps) users[d].push_back(i);
  }
  std::set<size_t> ready;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (pending[i] == 0) ready.insert(i);
  std::vector<Node> out;
  out.reserve(nodes.size());
  while (!ready.empty()) {
    size_t i = *ready.begin();
    ready.erase(ready.begin());
    out.push_back(nodes[i]);
    for (size_t u : users[i])
      if (--pending[u] == 0) ready.insert(u);
  }
  if (out.size() != nodes.size()) {
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (pending[i] > 0) {
        throw ModelError(node_context(file, nodes[i].name, nodes[i].op_type) +
                         "is part of a cycle: the graph must be acyclic");
      }
    }
  }
  for (size_t i = 0; i < out.size(); ++i) out[i].index = static_cast<int>(i);
  return out;
}

}  // namespace

Graph parse_onnx(const std::string& bytes, const std::string& path, const std::string& base_dir) {
  onnx::ModelProto model;
  {
    google::protobuf::io::ArrayInputStream ais(bytes.data(), static_cast<int>(std::min<size_t>(bytes.size(), INT_MAX)));
    google::protobuf::io::CodedInputStream cis(&ais);
    cis.SetTotalBytesLimit(static_cast<int>(kMaxProtoBytes));
    if (bytes.size() > static_cast<size_t>(kMaxProtoBytes)) {
      throw ModelError(path + ": file is larger than 2 GiB; store large weights as ONNX external data");
    }
    if (!model.ParseFromCodedStream(&cis) || !cis.ConsumedEntireMessage()) {
      throw_not_a_model(path, bytes,
                        "the protobuf could not be parsed: the file is truncated, corrupted, or not an ONNX file");
    }
  }
  if (!model.has_graph() || (model.graph().node_size() == 0 && model.graph().output_size() == 0)) {
    throw_not_a_model(path, bytes, "it parses as protobuf but has no graph");
  }
  if (model.ir_version() <= 0) {
    throw ModelError(path +
                     ": not a valid ONNX model (ir_version is missing; expected a ModelProto with an IR version)");
  }

  Graph g;
  g.path = path;
  g.ir_version = model.ir_version();
  g.producer = model.producer_name() + (model.producer_version().empty() ? "" : " " + model.producer_version());
  const std::string supported = "dnncost supports opsets 1 to " + std::to_string(kMaxSupportedOpset);
  bool has_default_opset = false;
  for (const auto& op : model.opset_import()) {
    if (op.domain().empty() || op.domain() == "ai.onnx") {
      g.opset = op.version();
      has_default_opset = true;
    }
  }
  if (model.opset_import_size() == 0) {
    // IR versions 1 and 2 predate opset_import and mean opset 1; from IR 3 on the model must name its opsets.
    if (model.ir_version() >= 3) {
      throw ModelError(path + ": the model imports no opset (opset_import is empty, which IR version " +
                       std::to_string(model.ir_version()) + " does not allow: truncated or corrupted?); expected "
                       "the default domain at opset 1 to " + std::to_string(kMaxSupportedOpset));
    }
    g.opset = 1;
  } else if (!has_default_opset) {
    throw ModelError(path + ": the model imports no default-domain (ai.onnx) opset; " + supported);
  }
  if (g.opset < 1) {
    throw ModelError(path + ": the model imports opset " + std::to_string(g.opset) +
                     " of the default domain, which does not exist; " + supported);
  }
  if (g.opset > kMaxSupportedOpset) {
    throw ModelError(path + ": the model uses opset " + std::to_string(g.opset) +
                     " of the default domain, newer than dnncost supports (1 to " +
                     std::to_string(kMaxSupportedOpset) + "); re-export it with opset " +
                     std::to_string(kMaxSupportedOpset) + " or lower");
  }

  const auto& gp = model.graph();
  g.name = gp.name();
  const std::string ctx = path + ": ";
  if (gp.sparse_initializer_size() > 0) {
    throw ModelError(ctx + "sparse initializers are not supported (tensor '" + gp.sparse_initializer(0).values().name() + "')");
  }
  for (const auto& init : gp.initializer()) {
    if (init.name().empty()) throw ModelError(ctx + "an initializer has no name");
    if (g.initializers.count(init.name())) throw ModelError(ctx + "initializer '" + init.name() + "' is defined twice");
    g.initializers[init.name()] = std::make_shared<const Tensor>(tensor_from_proto(init, base_dir, ctx));
  }
  std::set<std::string> available;
  for (const auto& kv : g.initializers) available.insert(kv.first);
  for (const auto& in : gp.input()) {
    if (g.initializers.count(in.name())) continue;  // an initializer listed as an input is a weight
    const std::string what = "graph input '" + in.name() + "' ";
    if (in.name().empty()) throw ModelError(ctx + "a graph input has no name");
    if (available.count(in.name())) throw ModelError(ctx + what + "is declared twice");
    if (!in.has_type()) throw ModelError(ctx + what + "declares no type; expected a tensor type");
    if (!in.type().has_tensor_type()) {
      throw ModelError(ctx + what + "is not a tensor; dnncost runs tensor models only");
    }
    if (in.type().tensor_type().elem_type() == onnx::TensorProto::UNDEFINED) {
      throw ModelError(ctx + what + "declares no element type; expected a tensor element type such as float");
    }
    ValueInfo vi = value_info_from_proto(in, path);
    available.insert(vi.name);
    g.inputs.push_back(std::move(vi));
  }
  for (const auto& out : gp.output()) g.outputs.push_back(value_info_from_proto(out, path));
  for (const auto& vi : gp.value_info()) g.value_info[vi.name()] = value_info_from_proto(vi, path);

  std::vector<Node> nodes;
  nodes.reserve(gp.node_size());
  for (int i = 0; i < gp.node_size(); ++i) {
    const auto& np = gp.node(i);
    Node n;
    n.name = np.name().empty() ? np.op_type() + "_" + std::to_string(i) : np.name();
    n.op_type = np.op_type();
    n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
    n.inputs.assign(np.input().begin(), np.input().end());
    n.outputs.assign(np.output().begin(), np.output().end());
    if (n.op_type.empty()) {
      throw ModelError(path + ": node '" + n.name + "' has no op_type; expected an ONNX operator name such as Conv");
    }
    const std::string nctx = node_context(path, n.name, n.op_type);
    for (const auto& a : np.attribute()) {
      if (n.attributes.count(a.name())) throw ModelError(nctx + "attribute '" + a.name() + "' is given twice");
      n.attributes[a.name()] = attribute_from_proto(a, base_dir, nctx);
    }
    nodes.push_back(std::move(n));
  }
  g.nodes = topological_order(std::move(nodes), available, path);

  std::set<std::string> produced = available;
  for (const auto& n : g.nodes)
    for (const auto& o : n.outputs) produced.insert(o);
  for (const auto& o : g.outputs) {
    if (!produced.count(o.name)) {
      throw ModelError(ctx + "graph output '" + o.name + "' is not produced by any node, input or initializer");
    }
  }
  return g;
}

Graph load_onnx(const std::string& path) {
  const std::string bytes = read_whole_file(path, "an ONNX model file");
  if (bytes.empty()) throw ModelError(path + ": file is empty, expected an ONNX model file");
  std::string base = fs::path(path).parent_path().string();
  return parse_onnx(bytes, path, base.empty() ? "." : base);
}

Tensor read_tensor_file(const std::string& path, std::string* name) {
  const std::string expected = "an ONNX TensorProto file (.pb)";
  const std::string bytes = read_whole_file(path, expected);
  if (bytes.empty()) throw ModelError(path + ": file is empty, expected " + expected);
  onnx::TensorProto p;
  if (!p.ParseFromString(bytes)) {
    const std::string other = recognise_other_format(bytes);
    throw ModelError(path + ": not a valid serialized ONNX TensorProto (" +
                     (other.empty() ? "the protobuf could not be parsed: truncated or corrupted?" : other) +
                     "); expected " + expected);
  }
  if (p.data_type() == onnx::TensorProto::UNDEFINED) {
    throw ModelError(path + ": not a valid serialized ONNX TensorProto (it has no data_type); expected " + expected);
  }
  if (name) *name = p.name();
  std::string base = fs::path(path).parent_path().string();
  return tensor_from_proto(p, base.empty() ? "." : base, path + ": ");
}

void write_tensor_file(const std::string& path, const Tensor& t, const std::string& name) {
  onnx::TensorProto p;
  p.set_name(name);
  p.set_data_type(static_cast<int>(t.dtype()));
  for (int64_t d : t.shape()) p.add_dims(d);
  p.set_raw_data(t.raw(), t.bytes());
  std::ofstream f(path, std::ios::binary);
  if (!f || !p.SerializeToOstream(&f)) throw ModelError(path + ": cannot write output tensor");
}

}  // namespace dnncost
