// Labelled image sets for `dnncost eval`: class-per-folder (torchvision's ImageFolder order) or a file of
// "relative/path label" lines, and optional class-name files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dnncost {

struct LabelledImage {
  std::string path;      // as opened (root joined with the relative path)
  std::string relative;  // relative to the image root, '/'-separated (for reports)
  int64_t label = 0;     // class index
  int64_t line = 0;      // line in the labels file (0 for class folders)
};

struct LabelledImageSet {
  std::vector<LabelledImage> images;
  std::vector<std::string> class_names;  // class folders: the folder names; labels file: empty
  std::string source;                    // "class folders" or "labels file PATH"
};

// ImageFolder layout: the sorted names of root's sub-folders are the classes (index = position); every file
// below a class folder (recursively, symbolic links followed, names starting with '.' ignored) is one image,
// in the order torchvision lists them (folders sorted by path, files sorted by name). Files directly under root
// are not images of any class and are ignored. Throws ModelError naming --images when root is missing, has
// no class folders, or its class folders hold no files. Unlike ImageFolder, files are not filtered by
// extension: whatever does not decode is reported as skipped.
LabelledImageSet list_class_folders(const std::string& root);

// A labels file: one "relative/path label" per line (the label is the last whitespace-separated field, so
// paths may contain spaces; blank lines and lines starting with '#' are ignored), paths relative to root.
// Throws ModelError naming --labels, the file and the line for a malformed line or a negative label, and for
// a file with no entries. Listed files need not exist (missing ones are skipped when read).
LabelledImageSet read_labels_file(const std::string& root, const std::string& labels_path);

// A class-name file: one name per line, line i naming class i (surrounding whitespace trimmed).
std::vector<std::string> read_class_names(const std::string& path);

}  // namespace dnncost
