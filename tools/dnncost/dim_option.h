// --dim NAME=V[,V...] of info, run and profile: sizes of the inputs' symbolic dimensions, parsed and checked here;
// the input binder (engine/input_binder.h) binds them and checks their names against the model.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace dnncost {

// Every --dim, in the order given: a name and its values (one or more).
using DimLists = std::vector<std::pair<std::string, std::vector<int64_t>>>;
// One value per name: what a plan is made for.
using DimValues = std::map<std::string, int64_t>;

// Parses the texts of every --dim ("seq=128", "seq=128,256"): NAME (the ONNX dim_param, up to the last '=') not
// empty, each V a positive integer, no name twice. Anything else is a ModelError naming --dim and the text.
DimLists parse_dim_options(const std::vector<std::string>& texts);

// For info and run, which plan one set of shapes: a name with several values is a ModelError naming --dim and
// `command` (profile sweeps lists).
DimValues single_dim_values(const DimLists& lists, const std::string& command);

// Every combination of the lists' values, the first --dim varying slowest (one empty combination when there are
// no lists).
std::vector<DimValues> dim_combinations(const DimLists& lists);

// "seq=128 past=4" ("" when empty): how terminal output names the dimensions.
std::string dims_label(const DimValues& dims);

// {"seq": 128}: the "dims" field of the records ({} when empty).
nlohmann::json dims_json(const DimValues& dims);

// Help text of --dim.
inline constexpr const char* kDimOptionHelp =
    "size of a symbolic input dimension, NAME=V (e.g. --dim seq=128); repeat for several names";

}  // namespace dnncost
