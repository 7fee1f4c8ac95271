// Records -> Study: the ok profile records of the plotted device grouped per network and batch size, failures
// listed, power and device peaks picked up, accuracy from eval records else the zoo manifest's published top-1,
// networks ordered by operations per image, and the reference batch; plus model_key() (report/report_html.h).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "report/report_parts.h"

namespace dnncost::report {
namespace detail {

double num_at(const json& j, std::initializer_list<const char*> path) {
  const json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return NAN;
    p = &(*p)[k];
  }
  return p->is_number() ? p->get<double>() : NAN;
}

std::string str_at(const json& j, std::initializer_list<const char*> path) {
  const json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return "";
    p = &(*p)[k];
  }
  if (p->is_string()) return p->get<std::string>();
  if (p->is_number()) return p->dump();
  return "";
}

std::string record_dims(const json& r, std::map<std::string, int64_t>* dims) {
  std::string text;
  if (!r.is_object() || !r.contains("dims") || !r["dims"].is_object()) return text;
  for (auto it = r["dims"].begin(); it != r["dims"].end(); ++it) {
    if (!it.value().is_number_integer()) continue;
    const int64_t v = it.value().get<int64_t>();
    if (dims) (*dims)[it.key()] = v;
    text += (text.empty() ? "" : " ") + it.key() + "=" + std::to_string(v);
  }
  return text;
}

std::string html_id(const std::string& text) {
  std::string id = text;
  for (char& c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '-';
  return id;
}

bool has_schema(const json& r, const std::string& prefix) {
  return r.is_object() && r.contains("schema") && r["schema"].is_string() &&
         r["schema"].get<std::string>().rfind(prefix, 0) == 0;
}

namespace {

double to_percent(double v) { return v <= 1.0 ? v * 100.0 : v; }

std::map<std::string, Accuracy> published_accuracy(const json& manifest) {
  std::map<std::string, Accuracy> out;
  if (!manifest.is_object() || !manifest.contains("models") || !manifest["models"].is_array()) return out;
  for (const json& m : manifest["models"]) {
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string()) continue;
    Accuracy a;
    const json& t = m.contains("top1") ? m["top1"] : json();
    if (t.is_number()) {
      a.top1 = to_percent(t.get<double>());
      a.source = str_at(m, {"top1_source"});
    } else if (t.is_object()) {
      a.top1 = to_percent(num_at(t, {"value"}));
      a.source = str_at(t, {"source"});
    }
    if (!std::isfinite(a.top1)) continue;
    if (a.source.empty()) a.source = "zoo manifest (no source given)";
    out[m["name"].get<std::string>()] = a;
  }
  return out;
}

std::set<std::string> manifest_in_study(const json& manifest) {
  std::set<std::string> out;
  if (!manifest.is_object() || !manifest.contains("models") || !manifest["models"].is_array()) return out;
  for (const json& m : manifest["models"]) {
    if (m.is_object() && m.contains("name") && m["name"].is_string() && m.value("in_study", false) == true)
      out.insert(m["name"].get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> manifest_titles(const json& manifest) {
  std::map<std::string, std::string> out;
  if (!manifest.is_object() || !manifest.contains("models") || !manifest["models"].is_array()) return out;
  for (const json& m : manifest["models"]) {
    if (m.is_object() && m.contains("name") && m["name"].is_string() && m.contains("title") && m["title"].is_string())
      out[m["name"].get<std::string>()] = m["title"].get<std::string>();
  }
  return out;
}

}  // namespace

Study build_study(const ReportInputs& in) {
  Study st;
  std::map<std::string, int> per_device;
  for (const json& r : in.records)
    if (has_schema(r, "dnncost.profile/") && str_at(r, {"status"}) == "ok") ++per_device[str_at(r, {"device", "kind"})];
  st.device = in.device;
  if (st.device.empty()) {
    int best = -1;
    for (const auto& kv : per_device)
      if (kv.second > best) {
        best = kv.second;
        st.device = kv.first;
      }
  }
  for (const auto& kv : per_device)
    if (kv.first != st.device) st.other_devices.push_back(kv.first + " (" + std::to_string(kv.second) + " records)");

  std::map<std::string, Model> models;
  for (const json& r : in.records) {
    if (!has_schema(r, "dnncost.profile/") || str_at(r, {"device", "kind"}) != st.device) continue;
    const std::string network = model_key(str_at(r, {"model"}));
    std::map<std::string, int64_t> dims;
    const std::string dims_text = record_dims(r, &dims);
    const std::string key = dims_text.empty() ? network : network + " " + dims_text;
    const int64_t batch = static_cast<int64_t>(num_at(r, {"batch"}));
    if (str_at(r, {"status"}) != "ok") {
      st.failures.push_back(key + " batch " + std::to_string(batch) + ": " + str_at(r, {"status"}) + " (" +
                            str_at(r, {"error"}) + ")");
      continue;
    }
    Model& m = models[key];
    m.key = key;
    m.network = network;
    m.dims = dims;
    m.dims_text = dims_text;
    m.path = str_at(r, {"model"});
    Config c;  // a later record of the same configuration replaces an earlier one
    c.batch = batch;
    c.record = &r;
    c.median_ms = num_at(r, {"latency", "median_ms"});
    c.per_image_ms = num_at(r, {"per_image_ms"});
    c.images_per_s = num_at(r, {"images_per_s"});
    c.flops = num_at(r, {"costs", "flops"});
    c.macs = num_at(r, {"costs", "macs"});
    c.params = num_at(r, {"costs", "params"});
    c.memory = num_at(r, {"memory", "planned"});
    if (r.contains("power") && r["power"].is_object() && r["power"].value("available", false) == true) {
      c.power_w = num_at(r, {"power", "avg_w"});
      c.dynamic_w = num_at(r, {"power", "dynamic_w"});
      c.energy_per_image_j = num_at(r, {"power", "energy_per_image_j"});
      if (std::isfinite(num_at(r, {"power", "idle_w"}))) st.idle_w = num_at(r, {"power", "idle_w"});
      st.power_sensor = str_at(r, {"power", "sensor"});
    } else if (st.no_power_reason.empty() && !str_at(r, {"power", "reason"}).empty()) {
      st.no_power_reason = str_at(r, {"power", "sensor"}) + ": " + str_at(r, {"power", "reason"});
    }
    if (std::isfinite(c.power_w)) st.any_power = true;
    m.by_batch[batch] = c;
    st.device_records.push_back(&r);
    if (std::isfinite(num_at(r, {"device", "peaks", "gflops"}))) st.peaks = r["device"]["peaks"];
  }

  // Accuracy: eval records (most images per model) first, then the manifest's published top-1.
  std::map<std::string, std::pair<double, Accuracy>> measured;
  for (const json& r : in.records) {
    if (!has_schema(r, "dnncost.eval/")) continue;
    const double top1 = num_at(r, {"top1"}), images = num_at(r, {"images"});
    if (!std::isfinite(top1) || !(images > 0)) continue;
    const std::string key = model_key(str_at(r, {"model"}));
    auto it = measured.find(key);
    if (it != measured.end() && it->second.first >= images) continue;
    Accuracy a;
    a.top1 = top1 * 100.0;
    a.measured = true;
    a.source = "dnncost eval on " + fmt("%.0f", images) + " images of " + str_at(r, {"images_dir"}) +
               (r.value("interrupted", false) ? " (interrupted)" : "");
    measured[key] = {images, a};
  }
  const auto published = published_accuracy(in.manifest);
  const auto titles = manifest_titles(in.manifest);
  const auto in_study = manifest_in_study(in.manifest);

  for (auto& kv : models) {
    Model& m = kv.second;
    const Config& first = m.by_batch.begin()->second;
    m.params = first.params;
    m.flops_per_image = first.flops / static_cast<double>(first.batch);
    auto mt = measured.find(m.network);
    if (mt != measured.end())
      m.accuracy = mt->second.second;
    else if (published.count(m.network))
      m.accuracy = published.at(m.network);
    m.title = titles.count(m.network) ? titles.at(m.network) : m.network;
    if (!m.dims_text.empty()) m.title += " " + m.dims_text;
    m.in_study = in_study.count(m.network) != 0;
    for (const auto& bc : m.by_batch) {
      if (bc.second.record->contains("per_layer")) {
        m.per_layer = &bc.second;
        break;
      }
    }
    st.models.push_back(m);
  }
  // Networks by operations per image (a network measured at several dims by its smallest), then its bindings in
  // the order of their sizes.
  std::map<std::string, double> network_flops;
  for (const Model& m : st.models) {
    auto it = network_flops.find(m.network);
    if (it == network_flops.end() || m.flops_per_image < it->second) network_flops[m.network] = m.flops_per_image;
  }
  std::sort(st.models.begin(), st.models.end(), [&](const Model& a, const Model& b) {
    const double fa = network_flops.at(a.network), fb = network_flops.at(b.network);
    if (fa != fb) return fa < fb;
    if (a.network != b.network) return a.network < b.network;
    if (a.dims != b.dims) return a.dims < b.dims;
    return a.key < b.key;
  });
  for (size_t i = 0; i < st.models.size(); ++i) {
    st.models[i].color = palette_color(i);
    // by_batch points into `models`' configs: re-point per_layer at this copy's map.
    if (st.models[i].per_layer) st.models[i].per_layer = &st.models[i].by_batch.at(st.models[i].per_layer->batch);
  }
  if (!st.models.empty()) {
    std::set<int64_t> common;
    for (const auto& bc : st.models[0].by_batch) common.insert(bc.first);
    for (const Model& m : st.models) {
      std::set<int64_t> next;
      for (int64_t b : common)
        if (m.by_batch.count(b)) next.insert(b);
      common = next;
    }
    st.ref_batch = common.empty() ? 0 : *common.rbegin();
  }
  return st;
}

const Config* at_ref(const Study& st, const Model& m) {
  if (m.by_batch.empty()) return nullptr;
  if (st.ref_batch && m.by_batch.count(st.ref_batch)) return &m.by_batch.at(st.ref_batch);
  return &m.by_batch.rbegin()->second;
}

std::string ref_batch_text(const Study& st) {
  return st.ref_batch ? "batch " + std::to_string(st.ref_batch)
                      : "each network's largest measured batch (no batch size measured for all)";
}

std::string no_power(const Study& st) {
  if (!st.no_power_reason.empty()) {
    return "these records hold no power measurements (" + st.no_power_reason +
           "), so power and energy cannot be "
           "shown";
  }
  return "these records hold no power measurements (made with --power none, --power-window 0, or before dnncost "
         "measured power), so power and energy cannot be shown";
}

}  // namespace detail

std::string model_key(const std::string& model_path) {
  std::string p = model_path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.find_last_of('/');
  const std::string file = slash == std::string::npos ? p : p.substr(slash + 1);
  if (file == "model.onnx" && slash != std::string::npos && slash > 0) {
    const std::string dir = p.substr(0, slash);
    const size_t s2 = dir.find_last_of('/');
    return s2 == std::string::npos ? dir : dir.substr(s2 + 1);
  }
  const size_t dot = file.rfind(".onnx");
  if (dot != std::string::npos && dot + 5 == file.size() && dot > 0) return file.substr(0, dot);
  return file;
}

}  // namespace dnncost::report
