// `dnncost report` (the study's figures and findings as one HTML page, from records) and `dnncost devices`
// (the devices of this build and whether each can run here).
#pragma once

#include <string>
#include <vector>

namespace dnncost {

struct ReportOptions {
  std::vector<std::string> records;  // JSON or JSON Lines files of profile, eval and info records
  std::string out;                   // the HTML file
  std::string device;                // device kind to plot ("" = the one with the most records)
  std::string zoo_manifest;          // published top-1 ("" = $DNNCOST_ZOO_MANIFEST, else the source tree's)
  std::string trace;                 // an execution trace to name in the report
  bool quiet = false;
};

// Exit status 0; errors (unreadable files, no records at all) are ModelError.
int report_command(const ReportOptions& opt);

// Prints one line per device kind of this build: name, "available" or "unavailable: why", description.
int devices_command();

}  // namespace dnncost
