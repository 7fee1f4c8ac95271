// `dnncost eval`: single-centre-crop top-1/top-5 accuracy of an image classifier on labelled images.
// One model, one central crop (no ensembles, no 10-crop): decode -> resize shorter side -> centre crop ->
// [0, 1] -> normalise -> NCHW, run in batches on the chosen device, score against the labels.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "data/image_decode.h"
#include "data/image_folder.h"
#include "data/preprocess.h"
#include "engine/session.h"
#include "importers/onnx/onnx_import.h"
#include "tools/dnncost/commands.h"
#include "tools/dnncost/zoo.h"
#include "tools/dnncost/format.h"
#include "tools/dnncost/records_csv.h"

namespace dnncost {
namespace {

// ---------------------------------------------------------------------------------------------------------
// Ctrl-C or SIGTERM: the handler only records the signal (SA_RESETHAND: a second one kills as usual); the loop
// stops after the batch in progress and the partial result is printed and written.

volatile std::sig_atomic_t g_interrupted = 0;  // the signal number, 0 while none arrived

extern "C" void on_sigint(int sig) { g_interrupted = sig; }

class SigintGuard {
 public:
  SigintGuard() {
    g_interrupted = 0;
    struct sigaction action {};
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, &previous_);
    sigaction(SIGTERM, &action, &previous_term_);
  }
  ~SigintGuard() {
    sigaction(SIGINT, &previous_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

 private:
  struct sigaction previous_ {};
  struct sigaction previous_term_ {};
};

// ---------------------------------------------------------------------------------------------------------
// Options and the model's image interface.

std::array<float, 3> parse_channel_values(const std::string& option, const std::string& text, bool positive) {
  std::array<float, 3> values{};
  std::stringstream ss(text);
  std::string field;
  size_t n = 0;
  while (std::getline(ss, field, ',')) {
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(field, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    while (used < field.size() && std::isspace(static_cast<unsigned char>(field[used]))) ++used;
    if (used == 0 || used != field.size() || !std::isfinite(v) || n >= 3) {
      throw ModelError(option + " " + text + ": expected three comma-separated numbers R,G,B");
    }
    if (positive && !(v > 0)) throw ModelError(option + " " + text + ": every value must be greater than 0");
    values[n++] = static_cast<float>(v);  // as torch.as_tensor(values, dtype=float32)
  }
  if (n != 3) throw ModelError(option + " " + text + ": expected three comma-separated numbers R,G,B");
  return values;
}

// The model's single image input [N, 3, H, W] (float), bound to the batch size and the crop.
struct ImageInput {
  std::string name;
  int64_t batch = 1;
  InputBinding binding;
};

ImageInput image_input(const Graph& g, const EvalOptions& opt, std::vector<std::string>* notes) {
  const std::string need = "dnncost eval needs a classifier whose one input is an image, float [N, 3, H, W]";
  if (g.inputs.size() != 1) {
    std::string names;
    for (const auto& in : g.inputs) names += (names.empty() ? "" : ", ") + in.name;
    throw ModelError(g.path + ": " + need + "; this model has " + std::to_string(g.inputs.size()) + " inputs" +
                     (names.empty() ? "" : " (" + names + ")"));
  }
  const ValueInfo& in = g.inputs[0];
  const std::string got = "input '" + in.name + "' is " + dtype_name(in.dtype) + " " +
                          (in.has_shape ? declared_dims_str(in) : std::string("without a declared shape"));
  if (in.dtype != DType::kFloat32 || !in.has_shape || in.dims.size() != 4 ||
      (in.dims[1].fixed() && in.dims[1].value != 3)) {
    throw ModelError(g.path + ": " + need + "; " + got);
  }
  for (int axis = 2; axis < 4; ++axis) {
    if (in.dims[static_cast<size_t>(axis)].fixed() && in.dims[static_cast<size_t>(axis)].value != opt.crop) {
      throw ModelError("--crop " + std::to_string(opt.crop) + " does not match the model: " + got +
                       "; use --crop " + std::to_string(in.dims[static_cast<size_t>(axis)].value) +
                       " (and a --resize for it)");
    }
  }
  InputRequest request;
  request.batch = opt.batch;
  request.shapes[in.name] = {0, 3, opt.crop, opt.crop};
  BoundInputs bound = bind_inputs(g, request);
  notes->insert(notes->end(), bound.notes.begin(), bound.notes.end());
  ImageInput image;
  image.name = in.name;
  image.batch = bound.batch;
  image.binding = std::move(bound.binding);
  return image;
}

// Number of classes from the first output: [N, C] or [N, C, 1, ...].
int64_t class_count(const Plan& plan, int64_t batch) {
  const PlanValue& out = plan.values()[plan.output_ids().at(0)];
  bool ok = out.dtype == DType::kFloat32 && out.shape.size() >= 2 && out.shape[0] == batch && out.shape[1] >= 1;
  for (size_t i = 2; ok && i < out.shape.size(); ++i) ok = out.shape[i] == 1;
  if (!ok) {
    throw ModelError(plan.graph().path + ": dnncost eval needs class scores [N, C] as the first output; output '" +
                     out.name + "' is " + dtype_name(out.dtype) + " " + shape_str(out.shape) + " at batch " +
                     std::to_string(batch));
  }
  return out.shape[1];
}

// Rank of `label` among the scores (0 = top-1): classes scoring higher, or equal with a lower index (argmax
// returns the first maximum). A NaN score for the label ranks last.
int64_t label_rank(const float* scores, int64_t classes, int64_t label) {
  const float s = scores[label];
  if (std::isnan(s)) return classes;
  int64_t rank = 0;
  for (int64_t j = 0; j < classes; ++j) rank += scores[j] > s || (scores[j] == s && j < label);
  return rank;
}

int64_t argmax(const float* scores, int64_t classes) {
  int64_t best = 0;
  for (int64_t j = 1; j < classes; ++j)
    if (scores[j] > scores[best]) best = j;
  return best;
}

// ---------------------------------------------------------------------------------------------------------
// Results.

struct SkippedFile {
  std::string path;
  std::string reason;
};

struct ImagePrediction {
  std::string path;
  int64_t label = 0;
  int64_t prediction = 0;
  bool top5 = false;
};

struct ClassTally {
  int64_t images = 0, top1 = 0, top5 = 0;
};

struct EvalTally {
  int64_t images = 0, top1 = 0, top5 = 0;
  std::vector<ClassTally> per_class;
  std::vector<SkippedFile> skipped;
  std::vector<ImagePrediction> per_image;
  double decode_preprocess_s = 0, inference_s = 0, wall_s = 0;
  int64_t batches = 0;
  bool interrupted = false;
};

double fraction(int64_t count, int64_t total) { return total ? static_cast<double>(count) / total : 0.0; }

std::string fixed4(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string class_label(int64_t c, const std::vector<std::string>& names) {
  if (c >= 0 && static_cast<size_t>(c) < names.size() && !names[static_cast<size_t>(c)].empty())
    return std::to_string(c) + " (" + names[static_cast<size_t>(c)] + ")";
  return std::to_string(c);
}

// Terminal progress on stderr: one rewritten line on a terminal, a line every 10 s otherwise (logs).
class Progress {
 public:
  Progress(bool enabled, size_t total, int64_t topk)
      : enabled_(enabled), tty_(isatty(2) != 0), total_(total), topk_(topk), last_(std::chrono::steady_clock::now()) {}

  void update(const EvalTally& t, size_t done, bool final_line) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    const double since = std::chrono::duration<double>(now - last_).count();
    if (!final_line && since < (tty_ ? 0.2 : 10.0)) return;
    last_ = now;
    std::ostringstream os;
    os << "eval: " << done << "/" << total_ << " files  top-1 " << fixed4(fraction(t.top1, t.images)) << "  top-"
       << topk_ << " " << fixed4(fraction(t.top5, t.images)) << "  " << t.images << " images, " << t.skipped.size() << " skipped  "
       << fixed1(t.wall_s > 0 ? t.images / t.wall_s : 0.0) << " images/s";
    if (tty_) std::cerr << "\r" << os.str() << "\033[K" << (final_line ? "\n" : "") << std::flush;
    else std::cerr << os.str() << "\n";
  }

 private:
  bool enabled_, tty_;
  size_t total_;
  int64_t topk_;
  std::chrono::steady_clock::time_point last_;
};

nlohmann::json eval_json(const EvalOptions& opt, const PreprocessOptions& pre, const LabelledImageSet& set,
                         const std::vector<std::string>& names, int64_t classes, int64_t batch, int64_t topk,
                         const std::vector<std::string>& notes, const EvalTally& t) {
  nlohmann::json j;
  j["schema"] = "dnncost.eval/1";
  j["tool"] = {{"name", "dnncost"}, {"version", DNNCOST_VERSION}};
  j["model"] = opt.model;
  j["device"] = opt.device;
  j["passes"] = passes_for(opt.passes, parse_device(opt.device).kind).name();
  j["batch"] = batch;
  j["images_dir"] = opt.images;
  j["labels"] = set.source;
  j["classes"] = classes;
  j["files"] = set.images.size();
  j["limit"] = opt.limit > 0 ? nlohmann::json(opt.limit) : nlohmann::json(nullptr);
  j["images"] = t.images;
  j["skipped"] = t.skipped.size();
  j["skipped_files"] = nlohmann::json::array();
  for (const auto& s : t.skipped) j["skipped_files"].push_back({{"path", s.path}, {"reason", s.reason}});
  const bool any = t.images > 0;
  j["top1"] = any ? nlohmann::json(fraction(t.top1, t.images)) : nlohmann::json(nullptr);
  j["top5"] = any ? nlohmann::json(fraction(t.top5, t.images)) : nlohmann::json(nullptr);
  j["top1_count"] = t.top1;
  j["top5_count"] = t.top5;
  j["top5_k"] = topk;
  j["throughput_images_per_s"] = t.wall_s > 0 ? t.images / t.wall_s : 0.0;
  j["wall_s"] = t.wall_s;
  j["decode_preprocess_s"] = t.decode_preprocess_s;
  j["inference_s"] = t.inference_s;
  j["preprocess"] = {{"decoder", image_decoder_versions()},
                     {"resize", pre.resize},
                     {"interpolation", "bilinear, antialiased (PIL ImagingResample, uint8)"},
                     {"crop", pre.crop},
                     {"scale", "value / 255"},
                     {"mean", pre.mean},
                     {"std", pre.std},
                     {"layout", "NCHW RGB float32"}};
  j["notes"] = notes;
  j["interrupted"] = t.interrupted;
  j["per_class"] = nlohmann::json::array();
  for (size_t c = 0; c < t.per_class.size(); ++c) {
    const ClassTally& k = t.per_class[c];
    if (k.images == 0) continue;
    nlohmann::json e = {{"class", c}, {"images", k.images}, {"top1_count", k.top1}, {"top5_count", k.top5}};
    if (c < names.size()) e["name"] = names[c];
    j["per_class"].push_back(e);
  }
  if (opt.per_image) {
    j["per_image"] = nlohmann::json::array();
    for (const auto& p : t.per_image)
      j["per_image"].push_back(
          {{"path", p.path}, {"label", p.label}, {"prediction", p.prediction}, {"top5", p.top5}});
  }
  return j;
}

std::string eval_summary(const EvalOptions& opt, const PreprocessOptions& pre, const LabelledImageSet& set,
                         const std::vector<std::string>& names, int64_t classes, int64_t batch, int64_t topk,
                         const std::vector<std::string>& notes, const EvalTally& t) {
  std::ostringstream os;
  os << opt.model << "  (device " << opt.device << ", batch " << batch << ", " << classes << " classes)\n";
  os << "  images      " << opt.images << " (" << set.source << ", " << set.images.size() << " files)\n";
  os << "  preprocess  ";
  if (pre.resize > 0) os << "resize shorter side to " << pre.resize << " (bilinear, antialiased as PIL), ";
  os << "centre crop " << pre.crop << ", /255, mean [" << pre.mean[0] << ", " << pre.mean[1] << ", " << pre.mean[2]
     << "], std [" << pre.std[0] << ", " << pre.std[1] << ", " << pre.std[2] << "]\n";
  for (const auto& n : notes) os << "  note: " << n << "\n";
  if (t.interrupted) os << "\ninterrupted (Ctrl-C): partial result over the images evaluated so far\n";
  os << "\n";
  os << "top-1       " << fixed4(fraction(t.top1, t.images)) << "  (" << t.top1 << " / " << t.images << ")\n";
  os << "top-" << topk << "       " << fixed4(fraction(t.top5, t.images)) << "  (" << t.top5 << " / " << t.images
     << ")\n";
  os << "images      " << t.images << " evaluated, " << t.skipped.size() << " skipped\n";
  os << "throughput  " << fixed1(t.wall_s > 0 ? t.images / t.wall_s : 0.0) << " images/s  (" << fixed1(t.wall_s)
     << " s: decode+preprocess " << fixed1(t.decode_preprocess_s) << " s, inference " << fixed1(t.inference_s)
     << " s)\n";
  // The classes with the lowest top-1, when there are several.
  std::vector<size_t> seen;
  for (size_t c = 0; c < t.per_class.size(); ++c)
    if (t.per_class[c].images > 0) seen.push_back(c);
  if (seen.size() > 1) {
    std::stable_sort(seen.begin(), seen.end(), [&](size_t a, size_t b) {
      return fraction(t.per_class[a].top1, t.per_class[a].images) <
             fraction(t.per_class[b].top1, t.per_class[b].images);
    });
    seen.resize(std::min<size_t>(seen.size(), 5));
    os << "\nlowest top-1 by class:\n";
    TextTable table({"class", "images", "top-1"}, {true, false, false});
    for (size_t c : seen) {
      const ClassTally& k = t.per_class[c];
      table.add({class_label(static_cast<int64_t>(c), names), std::to_string(k.images),
                 fixed4(fraction(k.top1, k.images))});
    }
    os << table.str();
  }
  if (!t.skipped.empty()) {
    os << "\nskipped files:\n";
    const size_t shown = std::min<size_t>(t.skipped.size(), 20);
    for (size_t i = 0; i < shown; ++i) os << "  " << t.skipped[i].path << ": " << t.skipped[i].reason << "\n";
    if (shown < t.skipped.size())
      os << "  ... and " << t.skipped.size() - shown << " more (all listed in the --json record)\n";
  }
  return os.str();
}

void write_record(const std::string& path, const nlohmann::json& record, bool quiet) {
  const std::string doc = record.dump(2) + "\n";
  if (path == "-") {
    std::cout << doc;
    return;
  }
  std::ofstream f(path);
  if (!f || !(f << doc)) throw ModelError("--json " + path + ": cannot write the file");
  if (!quiet) std::cout << "wrote " << path << "\n";
}

}  // namespace

int eval_command(const EvalOptions& opt) {
  DeviceSpec device = parse_device(opt.device);
  device.memory_cap = resolve_memory_cap(opt.max_memory, device);
  const PassOptions passes = passes_for(opt.passes, device.kind);
  PreprocessOptions pre;
  pre.resize = opt.resize;
  pre.crop = opt.crop;
  if (opt.resize < 0) throw ModelError("--resize " + std::to_string(opt.resize) + ": expected 0 (none) or more");
  if (opt.crop < 1) throw ModelError("--crop " + std::to_string(opt.crop) + ": expected 1 or more");
  pre.mean = parse_channel_values("--mean", opt.mean, false);
  pre.std = parse_channel_values("--std", opt.std, true);
  if (!opt.json_path.empty() && opt.json_path != "-") {
    const std::filesystem::path parent = std::filesystem::path(opt.json_path).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
      throw ModelError("--json " + opt.json_path + ": the folder " + parent.string() + " does not exist");
  }

  // The model: one image input, class scores out.
  const Graph g = load_onnx(resolve_model(opt.model, opt.models_dir));
  std::vector<std::string> notes;
  const ImageInput image = image_input(g, opt, &notes);
  const OptimizedGraph executed = optimize(g, passes);  // graph passes keep the input and output names
  const Plan plan(*executed.graph, image.binding);
  const int64_t classes = class_count(plan, image.batch);
  if (plan.output_ids().size() > 1) {
    notes.push_back("the model has " + std::to_string(plan.output_ids().size()) + " outputs; scoring the first, '" +
                    plan.values()[plan.output_ids()[0]].name + "'");
  }
  const int64_t topk = std::min<int64_t>(5, classes);

  // The labelled images, checked against the model before anything runs.
  const LabelledImageSet set = opt.labels.empty() ? list_class_folders(opt.images)
                                                  : read_labels_file(opt.images, opt.labels);
  if (opt.labels.empty() && static_cast<int64_t>(set.class_names.size()) > classes) {
    throw ModelError("--images " + opt.images + ": " + std::to_string(set.class_names.size()) +
                     " class folders, but the model outputs " + std::to_string(classes) + " classes; folder '" +
                     set.class_names[static_cast<size_t>(classes)] + "' would be class " + std::to_string(classes) +
                     ", out of the model's range 0.." + std::to_string(classes - 1));
  }
  for (const LabelledImage& item : set.images) {
    if (item.label >= classes) {
      throw ModelError("--labels " + opt.labels + " line " + std::to_string(item.line) + ": label " +
                       std::to_string(item.label) + " (" + item.relative + ") is out of the model's range 0.." +
                       std::to_string(classes - 1) + " (" + std::to_string(classes) + " classes)");
    }
  }
  std::vector<std::string> names = set.class_names;
  if (!opt.class_names.empty()) {
    names = read_class_names(opt.class_names);
    if (static_cast<int64_t>(names.size()) != classes) {
      throw ModelError("--class-names " + opt.class_names + ": " + std::to_string(names.size()) +
                       " names, but the model outputs " + std::to_string(classes) + " classes");
    }
  }

  // Batches: the plan is made once for the batch size; a last partial batch is padded with zero images whose
  // outputs are ignored (so models with a batch baked into their shapes run as well).
  const int64_t per_image = 3 * opt.crop * opt.crop;
  auto input = std::make_shared<Tensor>(DType::kFloat32, Shape{image.batch, 3, opt.crop, opt.crop});
  const std::vector<std::shared_ptr<const Tensor>> inputs = {input};
  std::unique_ptr<Session> session = make_session(plan, device);

  EvalTally tally;
  tally.per_class.resize(static_cast<size_t>(classes));
  std::vector<const LabelledImage*> batch_items;
  size_t next = 0;
  Progress progress(!opt.quiet, set.images.size(), topk);
  SigintGuard sigint;
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };

  while (!g_interrupted && next < set.images.size() && (opt.limit <= 0 || tally.images < opt.limit)) {
    const int64_t room = opt.limit > 0 ? std::min<int64_t>(image.batch, opt.limit - tally.images) : image.batch;
    batch_items.clear();
    const auto decode_started = Clock::now();
    float* slots = input->data<float>();
    while (static_cast<int64_t>(batch_items.size()) < room && next < set.images.size()) {
      const LabelledImage& item = set.images[next++];
      try {
        const RgbImage decoded = decode_image_file(item.path);
        preprocess_image(decoded, pre, slots + static_cast<int64_t>(batch_items.size()) * per_image);
        batch_items.push_back(&item);
      } catch (const ImageDecodeError& e) {
        tally.skipped.push_back({item.relative, e.what()});
      } catch (const ModelError& e) {  // an image whose resized size is out of range
        tally.skipped.push_back({item.relative, e.what()});
      }
    }
    tally.decode_preprocess_s += seconds_since(decode_started);
    if (batch_items.empty()) break;
    const int64_t filled = static_cast<int64_t>(batch_items.size());
    std::fill(slots + filled * per_image, slots + image.batch * per_image, 0.0f);

    const auto run_started = Clock::now();
    const std::vector<Tensor> outputs = session->run(inputs);
    tally.inference_s += seconds_since(run_started);
    ++tally.batches;

    const float* scores = outputs.at(0).data<float>();
    for (int64_t i = 0; i < filled; ++i) {
      const LabelledImage& item = *batch_items[static_cast<size_t>(i)];
      const float* s = scores + i * classes;
      const int64_t rank = label_rank(s, classes, item.label);
      ClassTally& k = tally.per_class[static_cast<size_t>(item.label)];
      ++tally.images;
      ++k.images;
      if (rank == 0) ++tally.top1, ++k.top1;
      if (rank < topk) ++tally.top5, ++k.top5;
      if (opt.per_image) tally.per_image.push_back({item.relative, item.label, argmax(s, classes), rank < topk});
    }
    tally.wall_s = seconds_since(started);
    progress.update(tally, next, false);
    if (opt.debug_interrupt_after > 0 && tally.batches == opt.debug_interrupt_after) std::raise(SIGINT);
  }
  tally.wall_s = seconds_since(started);
  tally.interrupted = g_interrupted != 0;
  progress.update(tally, next, true);

  if (tally.images == 0 && !tally.interrupted) {
    throw ModelError("--images " + opt.images + ": none of the " + std::to_string(tally.skipped.size()) +
                     " files could be read as an image (first: " + tally.skipped.front().path + ": " +
                     tally.skipped.front().reason + ")");
  }
  if (!opt.quiet && opt.json_path != "-")
    std::cout << eval_summary(opt, pre, set, names, classes, image.batch, topk, notes, tally);
  if (!opt.json_path.empty())
    write_record(opt.json_path, eval_json(opt, pre, set, names, classes, image.batch, topk, notes, tally), opt.quiet);
  if (!opt.csv_path.empty()) {
    write_text_file(opt.csv_path,
                    records_csv({eval_json(opt, pre, set, names, classes, image.batch, topk, notes, tally)}), "--csv");
  }
  return tally.interrupted ? 128 + static_cast<int>(g_interrupted) : 0;  // 130 SIGINT, 143 SIGTERM
}

}  // namespace dnncost
