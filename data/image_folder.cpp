// Listing labelled images: class folders in torchvision ImageFolder order, labels files, class-name files.
#include "data/image_folder.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/errors.h"

namespace fs = std::filesystem;

namespace dnncost {
namespace {

bool is_hidden(const std::string& name) { return !name.empty() && name[0] == '.'; }

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Every non-hidden file below dir (recursively, links followed, each real folder once), as paths relative to
// root_prefix's parent: "class/sub/file.jpg". Folders are visited in sorted path order and files sorted by
// name, which is the order of torchvision's `sorted(os.walk(...))` then `sorted(fnames)`.
void collect_files(const fs::path& root, const std::string& class_name, std::vector<std::string>* out) {
  std::vector<std::string> folders;  // relative to root
  std::set<fs::path> seen;           // canonical paths, against link cycles
  std::vector<std::string> pending = {class_name};
  while (!pending.empty()) {
    const std::string rel = pending.back();
    pending.pop_back();
    std::error_code ec;
    const fs::path canonical = fs::canonical(root / rel, ec);
    if (ec || !seen.insert(canonical).second) continue;
    folders.push_back(rel);
    for (fs::directory_iterator it(root / rel, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (is_hidden(name)) continue;
      std::error_code type_ec;
      if (fs::is_directory(it->path(), type_ec)) pending.push_back(rel + "/" + name);
    }
  }
  std::sort(folders.begin(), folders.end());
  for (const std::string& rel : folders) {
    std::vector<std::string> files;
    std::error_code ec;
    for (fs::directory_iterator it(root / rel, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      std::error_code type_ec;
      if (is_hidden(name) || fs::is_directory(it->path(), type_ec)) continue;
      files.push_back(name);
    }
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) out->push_back(rel + "/" + f);
  }
}

}  // namespace

LabelledImageSet list_class_folders(const std::string& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw ModelError("--images " + root + ": no such folder");
  std::vector<std::string> classes;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (fs::is_directory(it->path(), type_ec)) classes.push_back(it->path().filename().string());
  }
  if (ec) throw ModelError("--images " + root + ": cannot list the folder (" + ec.message() + ")");
  if (classes.empty()) {
    throw ModelError("--images " + root +
                     ": no class folders (expected one sub-folder of images per class, as torchvision's ImageFolder, "
                     "or a --labels file)");
  }
  std::sort(classes.begin(), classes.end());
  LabelledImageSet set;
  set.source = "class folders";
  set.class_names = classes;
  for (size_t c = 0; c < classes.size(); ++c) {
    std::vector<std::string> files;
    collect_files(root, classes[c], &files);
    for (const std::string& rel : files)
      set.images.push_back({(fs::path(root) / rel).string(), rel, static_cast<int64_t>(c), 0});
  }
  if (set.images.empty()) {
    throw ModelError("--images " + root + ": the " + std::to_string(classes.size()) +
                     " class folder(s) contain no files");
  }
  return set;
}

LabelledImageSet read_labels_file(const std::string& root, const std::string& labels_path) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw ModelError("--images " + root + ": no such folder");
  std::ifstream f(labels_path);
  if (!f) throw ModelError("--labels " + labels_path + ": cannot open the file");
  LabelledImageSet set;
  set.source = "labels file " + labels_path;
  std::string line;
  int64_t number = 0;
  while (std::getline(f, line)) {
    ++number;
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    const size_t split = text.find_last_of(" \t");
    const std::string where = "--labels " + labels_path + " line " + std::to_string(number) + ": ";
    if (split == std::string::npos) {
      throw ModelError(where + "expected 'relative/path label', got '" + text + "'");
    }
    const std::string rel = trim(text.substr(0, split));
    const std::string label_text = text.substr(split + 1);
    size_t used = 0;
    long long label = -1;
    try {
      label = std::stoll(label_text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != label_text.size() || used == 0) {
      throw ModelError(where + "the label '" + label_text + "' is not an integer class index");
    }
    if (label < 0) throw ModelError(where + "the label " + label_text + " is negative; class indices start at 0");
    if (fs::path(rel).is_absolute()) {
      throw ModelError(where + "the path '" + rel + "' is absolute; paths are relative to --images " + root);
    }
    set.images.push_back({(fs::path(root) / rel).string(), rel, static_cast<int64_t>(label), number});
  }
  if (f.bad()) throw ModelError("--labels " + labels_path + ": read error");
  if (set.images.empty()) throw ModelError("--labels " + labels_path + ": no 'relative/path label' lines");
  return set;
}

std::vector<std::string> read_class_names(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw ModelError("--class-names " + path + ": cannot open the file");
  std::vector<std::string> names;
  std::string line;
  while (std::getline(f, line)) names.push_back(trim(line));
  while (!names.empty() && names.back().empty()) names.pop_back();  // trailing blank lines
  if (names.empty()) throw ModelError("--class-names " + path + ": the file is empty");
  return names;
}

}  // namespace dnncost
