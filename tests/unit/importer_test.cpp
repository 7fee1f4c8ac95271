// Unit tests of the ONNX importer: ModelProto bytes built here in C++ -> parse_onnx -> Graph. Covers
// initializers (raw_data and typed fields), weights listed as inputs, the symbolic batch dimension, opset
// detection, attribute typing, topological re-ordering, external data, and the messages of bad models.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/errors.h"
#include "engine/plan.h"
#include "importers/onnx/onnx_import.h"
#include "onnx.pb.h"
#include "tests/unit/expect_error.h"

namespace dnncost {
namespace {
using dnncost::testing::error_message;
using dnncost::testing::expect_error;

namespace fs = std::filesystem;

void set_tensor_type(onnx::ValueInfoProto* v, const std::string& name, int elem_type,
                     const std::vector<std::string>& dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* shape = tt->mutable_shape();
  for (const auto& d : dims) {
    auto* dim = shape->add_dim();
    if (!d.empty() && (std::isdigit(static_cast<unsigned char>(d[0])) || d[0] == '-')) {
      dim->set_dim_value(std::stoll(d));
    } else {
      dim->set_dim_param(d);
    }
  }
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs, const std::string& name) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return n;
}

// X float [N, 3] -> Relu 'relu1' -> Y, IR 8, default-domain opset `opset`.
onnx::ModelProto relu_model(int64_t opset = 17) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("importer_test");
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  auto* g = m.mutable_graph();
  g->set_name("g");
  set_tensor_type(g->add_input(), "X", onnx::TensorProto::FLOAT, {"N", "3"});
  set_tensor_type(g->add_output(), "Y", onnx::TensorProto::FLOAT, {"N", "3"});
  add_node(g, "Relu", {"X"}, {"Y"}, "relu1");
  return m;
}

// Adds initializer `name` used by a Relu whose output is a new graph output, so the model stays valid.
onnx::TensorProto* add_weight(onnx::ModelProto& m, const std::string& name, int data_type,
                              const std::vector<int64_t>& dims) {
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(data_type);
  for (int64_t d : dims) t->add_dims(d);
  add_node(m.mutable_graph(), "Relu", {name}, {name + "_out"}, "relu_" + name);
  m.mutable_graph()->add_output()->set_name(name + "_out");
  return t;
}

Graph parse(const onnx::ModelProto& m, const std::string& base_dir = ".") {
  return parse_onnx(m.SerializeAsString(), "test.onnx", base_dir);
}

// The ModelError message of parsing m, or "" when it parses.
std::string parse_error(const onnx::ModelProto& m, const std::string& base_dir = ".") {
  return error_message([&] { parse(m, base_dir); });
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

TEST(Importer, ValuesShapesAndNodes) {
  const Graph g = parse(relu_model());
  EXPECT_EQ(g.path, "test.onnx");
  EXPECT_EQ(g.ir_version, 8);
  EXPECT_EQ(g.producer, "importer_test");
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0].name, "X");
  EXPECT_EQ(g.inputs[0].dtype, DType::kFloat32);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].name, "relu1");
  EXPECT_EQ(g.nodes[0].op_type, "Relu");
  EXPECT_EQ(g.nodes[0].inputs, std::vector<std::string>{"X"});
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.outputs[0].name, "Y");
}

TEST(Importer, UnnamedNodeGetsOpAndIndexName) {
  onnx::ModelProto m = relu_model();
  m.mutable_graph()->mutable_node(0)->clear_name();
  EXPECT_EQ(parse(m).nodes[0].name, "Relu_0");
}

TEST(Importer, SymbolicBatchDimension) {
  const Graph g = parse(relu_model());
  ASSERT_EQ(g.inputs[0].dims.size(), 2u);
  EXPECT_FALSE(g.inputs[0].dims[0].fixed());
  EXPECT_EQ(g.inputs[0].dims[0].symbol, "N");
  EXPECT_TRUE(g.inputs[0].dims[1].fixed());
  EXPECT_EQ(g.inputs[0].dims[1].value, 3);
  EXPECT_EQ(bind_batch(g, 0).shapes.at("X"), (Shape{1, 3}));  // symbolic batch -> 1
  EXPECT_EQ(bind_batch(g, 6).shapes.at("X"), (Shape{6, 3}));
}

TEST(Importer, InitializerFromRawData) {
  onnx::ModelProto m = relu_model();
  const std::vector<float> values{1.5f, -2.f, 3.25f, 0.f, 7.f, -8.5f};
  add_weight(m, "W", onnx::TensorProto::FLOAT, {2, 3})
      ->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  const Graph g = parse(m);
  const Tensor& w = *g.initializers.at("W");
  EXPECT_EQ(w.dtype(), DType::kFloat32);
  EXPECT_EQ(w.shape(), (Shape{2, 3}));
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(w.data<float>()[i], values[i]);
}

TEST(Importer, InitializersFromTypedFields) {
  onnx::ModelProto m = relu_model();
  auto* f = add_weight(m, "F", onnx::TensorProto::FLOAT, {3});
  for (float v : {0.5f, -1.f, 2.f}) f->add_float_data(v);
  auto* d = add_weight(m, "D", onnx::TensorProto::DOUBLE, {2});
  for (double v : {0.25, -4.0}) d->add_double_data(v);
  auto* i64 = add_weight(m, "I64", onnx::TensorProto::INT64, {2});
  for (int64_t v : {int64_t{-5}, int64_t{1} << 40}) i64->add_int64_data(v);
  auto* i32 = add_weight(m, "I32", onnx::TensorProto::INT32, {2});
  for (int v : {-7, 100000}) i32->add_int32_data(v);
  auto* i8 = add_weight(m, "I8", onnx::TensorProto::INT8, {3});
  for (int v : {-128, -1, 127}) i8->add_int32_data(v);
  auto* u8 = add_weight(m, "U8", onnx::TensorProto::UINT8, {2});
  for (int v : {0, 255}) u8->add_int32_data(v);
  auto* b = add_weight(m, "B", onnx::TensorProto::BOOL, {3});
  for (int v : {1, 0, 1}) b->add_int32_data(v);
  auto* h = add_weight(m, "H", onnx::TensorProto::FLOAT16, {2});
  for (int v : {0x3C00, 0xC000}) h->add_int32_data(v);  // 1.0, -2.0 as IEEE half bits
  auto* u64 = add_weight(m, "U64", onnx::TensorProto::UINT64, {1});
  u64->add_uint64_data(uint64_t{1} << 63);

  const Graph g = parse(m);
  const auto& w = g.initializers;
  EXPECT_EQ(w.at("F")->data<float>()[1], -1.f);
  EXPECT_EQ(w.at("D")->dtype(), DType::kFloat64);
  EXPECT_EQ(w.at("D")->data<double>()[1], -4.0);
  EXPECT_EQ(w.at("I64")->to_int64_vector(), (std::vector<int64_t>{-5, int64_t{1} << 40}));
  EXPECT_EQ(w.at("I32")->to_int64_vector(), (std::vector<int64_t>{-7, 100000}));
  EXPECT_EQ(w.at("I8")->dtype(), DType::kInt8);
  EXPECT_EQ(w.at("I8")->to_int64_vector(), (std::vector<int64_t>{-128, -1, 127}));
  EXPECT_EQ(w.at("U8")->bytes(), 2u);
  EXPECT_EQ(w.at("U8")->to_int64_vector(), (std::vector<int64_t>{0, 255}));
  EXPECT_EQ(w.at("B")->dtype(), DType::kBool);
  EXPECT_EQ(w.at("B")->to_int64_vector(), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(w.at("H")->dtype(), DType::kFloat16);
  EXPECT_EQ(w.at("H")->value_as_double(0), 1.0);
  EXPECT_EQ(w.at("H")->value_as_double(1), -2.0);
  EXPECT_EQ(w.at("U64")->value_as_double(0), 9223372036854775808.0);
}

TEST(Importer, TypedFieldWithTooFewValuesFailsBeforeAllocating) {
  onnx::ModelProto m = relu_model();
  // 2^36 floats (256 GiB) promised, one value given: the count is checked before any allocation.
  add_weight(m, "W", onnx::TensorProto::FLOAT, {65536, 65536, 16})->add_float_data(1.f);
  const std::string err = parse_error(m);
  EXPECT_CONTAINS(err, "test.onnx");
  EXPECT_CONTAINS(err, "tensor 'W' has 1 values in float_data, expected 68719476736");
}

TEST(Importer, RawDataShorterThanDimsNamesTheTensor) {
  onnx::ModelProto m = relu_model();
  add_weight(m, "W", onnx::TensorProto::FLOAT, {4, 4})->set_raw_data(std::string(60, '\0'));
  const std::string err = parse_error(m);
  EXPECT_CONTAINS(err, "test.onnx: tensor 'W' has 60 bytes of raw_data, expected 64 for float [4, 4]");
}

TEST(Importer, NegativeAndOverflowingDimsAreRejected) {
  onnx::ModelProto m = relu_model();
  add_weight(m, "W", onnx::TensorProto::FLOAT, {-1, 4});
  EXPECT_CONTAINS(parse_error(m), "negative dimension -1");
  onnx::ModelProto big = relu_model();
  add_weight(big, "W", onnx::TensorProto::FLOAT, {int64_t{1} << 62, int64_t{1} << 62})->set_raw_data("abcd");
  EXPECT_CONTAINS(parse_error(big), "overflows");
}

TEST(Importer, InitializerListedAsGraphInputIsAWeight) {
  onnx::ModelProto m = relu_model();
  add_weight(m, "W", onnx::TensorProto::FLOAT, {2})->set_raw_data(std::string(8, '\0'));
  set_tensor_type(m.mutable_graph()->add_input(), "W", onnx::TensorProto::FLOAT, {"2"});  // old exporters do this
  const Graph g = parse(m);
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0].name, "X");
  EXPECT_EQ(g.initializers.count("W"), 1u);
  EXPECT_EQ(g.find_input("W"), nullptr);
}

TEST(Importer, OpsetDetection) {
  onnx::ModelProto m = relu_model(11);
  auto* custom = m.add_opset_import();
  custom->set_domain("com.example");
  custom->set_version(3);
  EXPECT_EQ(parse(m).opset, 11);

  onnx::ModelProto named = relu_model(13);
  named.mutable_opset_import(0)->set_domain("ai.onnx");
  EXPECT_EQ(parse(named).opset, 13);

  onnx::ModelProto old = relu_model();
  old.clear_opset_import();
  old.set_ir_version(2);  // before opset_import existed: opset 1
  EXPECT_EQ(parse(old).opset, 1);

  onnx::ModelProto missing = relu_model();
  missing.clear_opset_import();
  EXPECT_CONTAINS(parse_error(missing), "imports no opset");

  EXPECT_CONTAINS(parse_error(relu_model(22)), "opset 22");
  EXPECT_CONTAINS(parse_error(relu_model(22)), "1 to 21");
  EXPECT_CONTAINS(parse_error(relu_model(0)), "opset 0");

  onnx::ModelProto only_custom = relu_model();
  only_custom.mutable_opset_import(0)->set_domain("com.example");
  EXPECT_CONTAINS(parse_error(only_custom), "no default-domain");
}

TEST(Importer, AttributeTyping) {
  onnx::ModelProto m = relu_model();
  auto* n = m.mutable_graph()->mutable_node(0);
  using AP = onnx::AttributeProto;
  auto add = [&](const std::string& name, AP::AttributeType type) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(type);
    return a;
  };
  add("f", AP::FLOAT)->set_f(0.5f);
  add("i", AP::INT)->set_i(-3);
  add("s", AP::STRING)->set_s("SAME_UPPER");
  auto* t = add("t", AP::TENSOR)->mutable_t();
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(2);
  t->add_int64_data(4);
  t->add_int64_data(5);
  auto* fs_attr = add("fs", AP::FLOATS);
  fs_attr->add_floats(1.f);
  fs_attr->add_floats(2.f);
  auto* is_attr = add("is", AP::INTS);
  for (int64_t v : {1, 2, 3}) is_attr->add_ints(v);
  auto* ss_attr = add("ss", AP::STRINGS);
  ss_attr->add_strings("a");
  auto* g_attr = add("g", AP::GRAPH);
  g_attr->mutable_g()->set_name("body");
  auto* old = n->add_attribute();  // very old exporters leave the type out
  old->set_name("untyped");
  old->set_f(2.5f);

  const Graph g = parse(m);
  const Node& node = g.nodes[0];
  const auto& at = node.attributes;
  EXPECT_EQ(at.at("f").type, Attribute::Type::kFloat);
  EXPECT_EQ(at.at("f").f, 0.5f);
  EXPECT_EQ(at.at("i").type, Attribute::Type::kInt);
  EXPECT_EQ(at.at("i").i, -3);
  EXPECT_EQ(at.at("s").type, Attribute::Type::kString);
  EXPECT_EQ(at.at("s").s, "SAME_UPPER");
  EXPECT_EQ(at.at("t").type, Attribute::Type::kTensor);
  EXPECT_EQ(at.at("t").t->to_int64_vector(), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(at.at("fs").type, Attribute::Type::kFloats);
  EXPECT_EQ(at.at("fs").floats, (std::vector<float>{1.f, 2.f}));
  EXPECT_EQ(at.at("is").type, Attribute::Type::kInts);
  EXPECT_EQ(at.at("is").ints, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(at.at("ss").type, Attribute::Type::kStrings);
  EXPECT_EQ(at.at("ss").strings, std::vector<std::string>{"a"});
  EXPECT_EQ(at.at("g").type, Attribute::Type::kGraph);
  EXPECT_EQ(at.at("untyped").type, Attribute::Type::kFloat);
  EXPECT_EQ(at.at("untyped").f, 2.5f);

  const std::string file = "test.onnx";  // AttributeReader keeps a reference to the file name
  const AttributeReader reader(node, file);
  EXPECT_EQ(reader.get_int("i", 0), -3);
  EXPECT_EQ(reader.get_int("absent", 7), 7);
  expect_error([&] { reader.get_float("s", 0.f); },
               {"test.onnx: node 'relu1' (Relu): attribute 's' should be of type float, found string"},
               "a string read as a float must fail");
}

TEST(Importer, BadAttributesNameTheNode) {
  onnx::ModelProto twice = relu_model();
  for (float v : {0.1f, 0.5f}) {
    auto* a = twice.mutable_graph()->mutable_node(0)->add_attribute();
    a->set_name("alpha");
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  EXPECT_CONTAINS(parse_error(twice), "node 'relu1' (Relu): attribute 'alpha' is given twice");

  onnx::ModelProto no_value = relu_model();
  auto* a = no_value.mutable_graph()->mutable_node(0)->add_attribute();
  a->set_name("alpha");
  a->set_type(onnx::AttributeProto::FLOAT);
  EXPECT_CONTAINS(parse_error(no_value), "node 'relu1' (Relu): attribute 'alpha' is typed FLOAT but has no value");
}

TEST(Importer, NodesAreReorderedTopologically) {
  onnx::ModelProto m = relu_model();
  auto* g = m.mutable_graph();
  g->clear_node();
  g->clear_output();
  set_tensor_type(g->add_output(), "Y", onnx::TensorProto::FLOAT, {"N", "3"});
  // File order: the consumer first. Independent nodes keep their file order.
  add_node(g, "Sigmoid", {"B"}, {"Y"}, "last");
  add_node(g, "Tanh", {"A"}, {"B"}, "second");
  add_node(g, "Relu", {"X"}, {"A"}, "first");
  add_node(g, "Elu", {"X"}, {"side"}, "independent");
  const Graph parsed = parse(m);
  std::vector<std::string> order;
  for (const auto& n : parsed.nodes) order.push_back(n.name);
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second", "last", "independent"}));
  for (size_t i = 0; i < parsed.nodes.size(); ++i) EXPECT_EQ(parsed.nodes[i].index, static_cast<int>(i));
}

TEST(Importer, GraphErrorsNameTheNode) {
  onnx::ModelProto cycle = relu_model();
  cycle.mutable_graph()->clear_node();
  add_node(cycle.mutable_graph(), "Relu", {"B"}, {"A"}, "cyc_a");
  add_node(cycle.mutable_graph(), "Relu", {"A"}, {"B"}, "cyc_b");
  add_node(cycle.mutable_graph(), "Relu", {"B"}, {"Y"}, "after");
  EXPECT_CONTAINS(parse_error(cycle), "node 'cyc_a' (Relu): is part of a cycle");

  onnx::ModelProto dangling = relu_model();
  dangling.mutable_graph()->mutable_node(0)->set_input(0, "nowhere");
  EXPECT_CONTAINS(parse_error(dangling), "node 'relu1' (Relu): input 'nowhere' is neither");

  onnx::ModelProto twice = relu_model();
  add_node(twice.mutable_graph(), "Relu", {"X"}, {"Y"}, "relu2");
  EXPECT_CONTAINS(parse_error(twice), "node 'relu2' (Relu): output 'Y' is already produced");

  onnx::ModelProto unproduced = relu_model();
  unproduced.mutable_graph()->add_output()->set_name("Z");
  EXPECT_CONTAINS(parse_error(unproduced), "graph output 'Z' is not produced");

  onnx::ModelProto dup_input = relu_model();
  set_tensor_type(dup_input.mutable_graph()->add_input(), "X", onnx::TensorProto::FLOAT, {"1", "3"});
  EXPECT_CONTAINS(parse_error(dup_input), "graph input 'X' is declared twice");
}

TEST(Importer, NotAModel) {
  const std::string good = relu_model().SerializeAsString();
  expect_error([&] { parse_onnx(good.substr(0, good.size() / 2), "half.onnx", "."); },
               {"half.onnx: not a valid ONNX model"}, "a truncated model must not parse");
  expect_error([] { parse_onnx("ir_version: 8\ngraph {\n}\n", "model.txt", "."); }, {"protobuf text format"},
               "text must not parse");
}

// A temporary folder removed at the end of the test.
class ImporterFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dnncost_importer_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "model");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const fs::path& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary);
    f << bytes;
  }
  static void external(onnx::TensorProto* t, const std::string& location, int64_t offset, int64_t length) {
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    for (const auto& [key, value] : {std::pair<std::string, std::string>{"location", location},
                                     {"offset", std::to_string(offset)},
                                     {"length", std::to_string(length)}}) {
      auto* e = t->add_external_data();
      e->set_key(key);
      e->set_value(value);
    }
  }
  fs::path dir_;
};

TEST_F(ImporterFiles, ExternalDataIsReadFromTheModelsFolder) {
  std::vector<float> values{1.f, 2.f, 3.f, 4.f, 5.f, 6.f};
  std::string blob(16, 'x');  // 16 bytes of something else before the weights
  blob.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  write(dir_ / "model" / "weights.bin", blob);
  onnx::ModelProto m = relu_model();
  external(add_weight(m, "W", onnx::TensorProto::FLOAT, {2, 3}), "weights.bin", 16, 24);
  write(dir_ / "model" / "model.onnx", m.SerializeAsString());

  const Graph g = load_onnx((dir_ / "model" / "model.onnx").string());  // base folder from the model's path
  const Tensor& w = *g.initializers.at("W");
  EXPECT_EQ(w.shape(), (Shape{2, 3}));
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(w.data<float>()[i], values[i]);
}

TEST_F(ImporterFiles, ExternalDataMustStayInTheModelsFolder) {
  write(dir_ / "outside.bin", std::string(64, '\0'));
  write(dir_ / "model" / "inside.bin", std::string(64, '\0'));
  fs::create_symlink(dir_ / "outside.bin", dir_ / "model" / "link.bin");
  const std::string base = (dir_ / "model").string();
  auto error_for = [&](const std::string& location, int64_t offset, int64_t length) {
    onnx::ModelProto m = relu_model();
    external(add_weight(m, "W", onnx::TensorProto::FLOAT, {4, 4}), location, offset, length);
    return parse_error(m, base);
  };
  EXPECT_EQ(error_for("inside.bin", 0, 64), "");
  EXPECT_CONTAINS(error_for((dir_ / "outside.bin").string(), 0, 64), "is absolute");
  EXPECT_CONTAINS(error_for("../outside.bin", 0, 64), "leaves the model's folder");
  EXPECT_CONTAINS(error_for("link.bin", 0, 64), "resolves outside the model's folder");
  EXPECT_CONTAINS(error_for("inside.bin", 32, 64), "is outside file 'inside.bin' of 64 bytes");
  EXPECT_CONTAINS(error_for("inside.bin", 100, 0), "offset 100 is past the end");
  EXPECT_CONTAINS(error_for("inside.bin", 0, 32), "external data has 32 bytes, expected 64");
  EXPECT_CONTAINS(error_for("missing.bin", 0, 64), "does not exist");
}

TEST_F(ImporterFiles, TensorFilesRoundTripAndBadOnesAreNamed) {
  const Tensor t = Tensor::from_float({1.f, -2.f, 3.f}, {1, 3});
  const std::string path = (dir_ / "input_0.pb").string();
  write_tensor_file(path, t, "X");
  std::string name;
  const Tensor back = read_tensor_file(path, &name);
  EXPECT_EQ(name, "X");
  EXPECT_EQ(back.shape(), t.shape());
  EXPECT_EQ(back.data<float>()[1], -2.f);

  write(dir_ / "empty.pb", "");
  expect_error([&] { read_tensor_file((dir_ / "empty.pb").string()); },
               {"empty.pb: file is empty, expected an ONNX TensorProto file"}, "an empty tensor file must fail");
}

TEST(ImporterPlan, DeclaredOutputShapeMustMatchTheComputedOne) {
  onnx::ModelProto m = relu_model();
  auto* x = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  x->mutable_dim(0)->set_dim_value(2);  // X [2, 3]: fully static
  auto* y = m.mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  y->mutable_dim(0)->set_dim_value(2);
  y->mutable_dim(1)->set_dim_value(4);  // Y declared [2, 4], Relu computes [2, 3]
  const Graph g = parse(m);
  expect_error([&] { Plan plan(g, bind_batch(g, 0)); },
               {"graph output 'Y' is declared float [2, 4] but computes to float [2, 3]", "node 'relu1' (Relu)"},
               "a declared output shape that disagrees must fail");
  // Another batch size changes the outputs legitimately: not checked then.
  const Graph ok = parse(relu_model());
  EXPECT_NO_THROW(Plan(ok, bind_batch(ok, 4)));
}

TEST(ImporterPlan, HugeInputShapesAreRefusedWithTheInputsName) {
  onnx::ModelProto m = relu_model();
  auto* x = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  x->mutable_dim(1)->set_dim_value(int64_t{1} << 62);
  const Graph g = parse(m);
  expect_error([&] { Plan plan(g, bind_batch(g, 8)); },
               {"test.onnx: graph input 'X' has shape [8, 4611686018427387904] whose element count"},
               "2^65 elements must fail");
}

}  // namespace
}  // namespace dnncost
