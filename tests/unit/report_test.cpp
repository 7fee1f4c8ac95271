// Unit tests of the report's pieces: SVG charts, number formatting, the hyperbolic fit, model names, CSV
// flattening, the trace writer, planned live memory per layer, the device peaks, and the report on no data.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "engine/memory_plan.h"
#include "metrics/device_peaks.h"
#include "metrics/fit.h"
#include "metrics/trace.h"
#include "report/report_html.h"
#include "report/svg_chart.h"
#include "tools/dnncost/profile_trace.h"
#include "tools/dnncost/records_csv.h"

namespace dnncost {
namespace {

using report::compact_number;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(ReportFormat, CompactNumbers) {
  EXPECT_EQ(compact_number(0), "0");
  EXPECT_EQ(compact_number(1234), "1234");
  EXPECT_EQ(compact_number(999.7), "1000");
  EXPECT_EQ(compact_number(15000), "15k");
  EXPECT_EQ(compact_number(2.5e9), "2.5G");
  EXPECT_EQ(compact_number(138357544), "138M");
  EXPECT_EQ(compact_number(-0.0123), "-0.0123");
  EXPECT_EQ(compact_number(NAN), "n/a");
  EXPECT_EQ(compact_number(INFINITY), "n/a");
  EXPECT_EQ(report::format_number("%.2f", -INFINITY), "n/a");
  EXPECT_EQ(report::xml_escape("a<b & \"c\">'"), "a&lt;b &amp; &quot;c&quot;&gt;&#39;");
}

TEST(ReportSvg, ScatterLogAxesTicksLegendAndNonFinitePoints) {
  report::XYChart c;
  c.title = "t";
  c.x.title = "batch size (images)";
  c.y.title = "time (ms)";
  c.x.log = c.y.log = true;
  report::Series s;
  s.name = "net <1>";
  s.line = true;
  s.points = {{1, 10}, {10, 100}, {1000, 5}, {NAN, 3}, {4, 0}, {4, INFINITY}};
  c.series.push_back(s);
  const std::string svg = report::render(c);
  EXPECT_EQ(svg.rfind("<svg class=\"chart\"", 0), 0u);
  EXPECT_NE(svg.find("batch size (images)"), std::string::npos);
  EXPECT_NE(svg.find(">time (ms)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">net &lt;1&gt;</text>"), std::string::npos);  // legend entry, escaped
  EXPECT_NE(svg.find(">100</text>"), std::string::npos);            // decade ticks
  EXPECT_NE(svg.find(">1000</text>"), std::string::npos);
  EXPECT_NE(svg.find("3 point(s) not drawn"), std::string::npos);
  EXPECT_EQ(count(svg, "<circle"), 3u + 1u);  // three drawable points + the legend marker
  for (const char* bad : {"nan", "inf", "NaN"}) EXPECT_EQ(svg.find(bad), std::string::npos) << bad;
}

TEST(ReportSvg, LinearTicksAreRoundAndIncludeZero) {
  report::XYChart c;
  c.x.include_zero = c.y.include_zero = true;
  c.series.push_back({});
  c.series[0].points = {{3, 7}, {97, 41}};
  const std::string svg = report::render(c);
  for (const char* t : {">0</text>", ">20</text>", ">100</text>", ">40</text>"}) {
    EXPECT_NE(svg.find(t), std::string::npos) << t;
  }
}

TEST(ReportSvg, BarsAndMissingData) {
  report::BarChart b;
  b.title = "bars";
  b.horizontal = true;
  b.categories = {"alpha", "beta", "gamma"};
  b.series = {{"one", {1, NAN, 3}, ""}, {"two", {2, 2, 2}, ""}};
  b.value_axis.title = "share (%)";
  const std::string svg = report::render(b);
  EXPECT_EQ(count(svg, "<rect"), 1u + 5u + 2u);  // background, five bars, two legend swatches
  EXPECT_NE(svg.find(">gamma</text>"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  const std::string none = report::render_missing("Power", "no power data here");
  EXPECT_NE(none.find("No data for this figure"), std::string::npos);
  EXPECT_NE(none.find("no power data here"), std::string::npos);
  report::XYChart empty;
  empty.series.push_back({});
  empty.series[0].points = {{NAN, 1}};
  EXPECT_NE(report::render(empty).find("No data for this figure"), std::string::npos);
}

TEST(ReportFit, HyperbolaIsExactOnItsOwnCurve) {
  std::vector<double> x = {1, 2, 4, 8, 0, -1}, y;
  for (double v : x) y.push_back(60 + 12 / v);
  const LinearFit f = fit_hyperbolic(x, y);  // x <= 0 dropped
  ASSERT_TRUE(f.valid);
  EXPECT_EQ(f.points, 4);
  EXPECT_NEAR(f.intercept, 60, 1e-9);
  EXPECT_NEAR(f.slope, 12, 1e-9);
  EXPECT_NEAR(f.r2, 1, 1e-12);
  EXPECT_FALSE(fit_hyperbolic({5}, {1}).valid);
}

TEST(ReportModels, KeyFromPath) {
  EXPECT_EQ(report::model_key("models/resnet50/model.onnx"), "resnet50");
  EXPECT_EQ(report::model_key("/abs/zoo/vgg16-bn/model.onnx"), "vgg16-bn");
  EXPECT_EQ(report::model_key("exports/alexnet.onnx"), "alexnet");
  EXPECT_EQ(report::model_key("googlenet"), "googlenet");
  EXPECT_EQ(report::model_key("model.onnx"), "model");
}

TEST(ReportCsv, FlattensRecordsWithDottedColumns) {
  const nlohmann::json a = {{"schema", "s/1"},
                            {"batch", 2},
                            {"latency", {{"median_ms", 1.5}, {"iterations", 3}}},
                            {"device", {{"kind", "ref"}, {"peaks", {{"gflops", nullptr}}}}},
                            {"mean", {0.1, 0.2}},
                            {"note", "a, \"quoted\" text"},
                            {"per_layer", {{"layers", {{{"name", "x"}}}}}}};
  const nlohmann::json b = {{"schema", "s/1"}, {"batch", 4}, {"extra", true}};
  const std::string csv = records_csv({a, b});
  std::istringstream lines(csv);
  std::string header, row1, row2;
  std::getline(lines, header);
  std::getline(lines, row1);
  std::getline(lines, row2);
  EXPECT_EQ(header,
            "schema,batch,device.kind,device.peaks.gflops,latency.iterations,latency.median_ms,mean,note,extra\r");
  EXPECT_EQ(row1, "s/1,2,ref,,3,1.5,0.1 0.2,\"a, \"\"quoted\"\" text\",\r");
  EXPECT_EQ(row2, "s/1,4,,,,,,,true\r");
  EXPECT_EQ(csv.find("per_layer"), std::string::npos);
  const nlohmann::json rec = {
      {"model", "m.onnx"},
      {"batch", 1},
      {"status", "ok"},
      {"device", {{"kind", "ref"}}},
      {"per_layer", {{"layers", {{{"index", 0}, {"op", "Conv"}}, {{"index", 1}, {"op", "Relu"}}}}}}};
  EXPECT_EQ(layers_csv({rec}),
            "model,batch,device,status,index,op\r\nm.onnx,1,ref,ok,0,Conv\r\nm.onnx,1,ref,ok,1,Relu\r\n");
  // --dim values: dims.NAME columns right after the batch, in both CSVs.
  nlohmann::json with_dims = rec;
  with_dims["dims"] = {{"seq", 128}, {"past", 4}};
  with_dims["schema"] = "s/1";
  EXPECT_EQ(records_csv({with_dims}).substr(0, records_csv({with_dims}).find("\r\n")),
            "schema,model,batch,dims.past,dims.seq,status,device.kind");
  EXPECT_EQ(layers_csv({with_dims}),
            "model,batch,dims.past,dims.seq,device,status,index,op\r\n"
            "m.onnx,1,4,128,ref,ok,0,Conv\r\nm.onnx,1,4,128,ref,ok,1,Relu\r\n");
}

TEST(ReportTrace, WriterProducesChromeTraceEvents) {
  TraceWriter t;
  t.process_name(1, "resnet batch 1", 1);
  t.thread_name(1, 1, "layers", 1);
  const double ts = TraceWriter::now_us();
  t.span(1, 1, "conv1", "layer", ts, 12.5, {{"op", "Conv"}});
  t.instant(1, 1, "iteration 0", "iteration", ts, false);
  t.counter(1, "memory (bytes)", ts, {{"weights", 10}});
  t.note("power", "unavailable");
  const std::string path = ::testing::TempDir() + "/dnncost_trace_test.json";
  t.write(path);
  std::ifstream f(path);
  const nlohmann::json doc = nlohmann::json::parse(f);
  ASSERT_EQ(doc["traceEvents"].size(), 7u);  // 4 metadata + span + instant + counter
  EXPECT_EQ(doc["traceEvents"][4]["ph"], "X");
  EXPECT_DOUBLE_EQ(doc["traceEvents"][4]["dur"].get<double>(), 12.5);
  EXPECT_EQ(doc["traceEvents"][5]["s"], "t");
  EXPECT_EQ(doc["traceEvents"][6]["args"]["weights"], 10);
  EXPECT_EQ(doc["otherData"]["power"], "unavailable");
  EXPECT_THROW(t.write("/nonexistent-dir/x.json"), ModelError);
}

// x -> Relu -> a -> Sigmoid -> b: a is computed in place of nothing (x is a graph input), b reuses a's slot.
TEST(ReportTrace, LiveActivationBytesFollowTheMemoryPlan) {
  Graph g;
  g.path = "live.onnx";
  g.opset = 13;
  ValueInfo x;
  x.name = "x";
  x.dtype = DType::kFloat32;
  x.has_shape = true;
  x.dims = {Dim{1, ""}, Dim{100, ""}};
  g.inputs.push_back(x);
  Node relu;
  relu.name = "relu";
  relu.op_type = "Relu";
  relu.inputs = {"x"};
  relu.outputs = {"a"};
  Node sig;
  sig.name = "sig";
  sig.op_type = "Sigmoid";
  sig.inputs = {"a"};
  sig.outputs = {"b"};
  g.nodes = {relu, sig};
  ValueInfo b;
  b.name = "b";
  g.outputs.push_back(b);
  const Plan plan(g, bind_batch(g, 1));
  const MemoryPlan mp = plan_memory(plan);
  const std::vector<int64_t> live = live_activation_bytes(plan);
  ASSERT_EQ(live.size(), 2u);
  const int64_t slot_x = mp.bytes[plan.value_id("x")], slot_a = mp.bytes[plan.value_id("a")];
  EXPECT_EQ(mp.alias_of[plan.value_id("b")], plan.value_id("a"));
  EXPECT_EQ(live[0], slot_x + slot_a);
  EXPECT_EQ(live[1], slot_x + slot_a);  // b lives in a's slot
  EXPECT_LE(live[1], mp.arena_bytes);
}

TEST(ReportPeaks, RefDeviceHasPositivePeaks) {
  DeviceSpec ref;
  const DevicePeaks p = measure_device_peaks(ref, 0.0);
  EXPECT_GT(p.gflops, 0);
  EXPECT_GT(p.gbs, 0);
  const nlohmann::json j = peaks_json(p);
  const int64_t n = j["matmul"]["n"].get<int64_t>();
  EXPECT_EQ(j["matmul"]["flops"].get<int64_t>(), 2 * n * n * n);
  const int64_t images = j["conv"]["input"][0].get<int64_t>();
  EXPECT_EQ(j["conv"]["flops"].get<int64_t>(), images * 128 * 56 * 56 * 128 * 9 * 2);  // no bias
  EXPECT_DOUBLE_EQ(p.gflops, std::max(j["matmul"]["gflops"].get<double>(), j["conv"]["gflops"].get<double>()));
  EXPECT_EQ(j["bandwidth"]["bytes"].get<int64_t>(), 12 * j["bandwidth"]["elements"].get<int64_t>());
}

TEST(ReportHtml, NoMeasurementsStillGivesEveryFigureWithANotice) {
  report::ReportInputs in;
  in.records.push_back({{"schema", "dnncost.eval/1"}, {"model", "models/a/model.onnx"}, {"top1", 0.5}, {"images", 10}});
  in.manifest_problem = "no zoo manifest at nowhere";
  report::ReportSummary s;
  const std::string html = report::build_report_html(in, &s);
  EXPECT_EQ(s.figures, 0);
  EXPECT_EQ(s.missing_figures, static_cast<int>(report::study_figure_titles().size()));
  for (const auto& title : report::study_figure_titles())
    EXPECT_NE(html.find(">" + title + "</h3>"), std::string::npos);
  EXPECT_EQ(count(html, "data-missing=\"true\""), report::study_figure_titles().size());
  ASSERT_EQ(s.findings.size(), 4u);
  for (const auto& f : s.findings) EXPECT_NE(f.find("[not testable here]"), std::string::npos) << f;
  for (const char* bad : {"NaN", "nan ", "undefined"}) EXPECT_EQ(html.find(bad), std::string::npos) << bad;
}

}  // namespace
}  // namespace dnncost
