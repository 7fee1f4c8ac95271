// Unit tests of --dim NAME=V[,V...] (tools/dnncost/dim_option.h): parsing, the one-value rule of info and run,
// the sweep order of profile, labels and the records' "dims".
#include <gtest/gtest.h>

#include "tests/unit/expect_error.h"
#include "tools/dnncost/dim_option.h"

namespace dnncost::testing {
namespace {

TEST(DimOption, ParsesNamesAndListsInTheOrderGiven) {
  const DimLists lists = parse_dim_options({"seq=128,256,512", "past=4", "past_sequence_length + 1=9"});
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(lists[0].first, "seq");
  EXPECT_EQ(lists[0].second, (std::vector<int64_t>{128, 256, 512}));
  EXPECT_EQ(lists[1].first, "past");
  EXPECT_EQ(lists[1].second, (std::vector<int64_t>{4}));
  EXPECT_EQ(lists[2].first, "past_sequence_length + 1");  // an ONNX dim_param may be any text
  EXPECT_TRUE(parse_dim_options({}).empty());
  EXPECT_EQ(parse_dim_options({"a=b=3"})[0].first, "a=b");  // the sizes follow the last '='
}

TEST(DimOption, MalformedValuesNameTheOptionAndTheText) {
  const std::pair<const char*, const char*> bad[] = {
      {"seq", "expected NAME=V[,V...]"},
      {"=128", "name is missing"},
      {"seq=", "got ''"},
      {"seq=0", "got '0'"},
      {"seq=-4", "got '-4'"},
      {"seq=12x", "got '12x'"},
      {"seq=1.5", "got '1.5'"},
      {"seq=128,,256", "got ''"},
      {"seq=128,", "got ''"},
      {"seq=99999999999999999999", "got '99999999999999999999'"},
  };
  for (const auto& item : bad) {
    const std::string text = item.first;  // not a structured binding: the lambda captures it
    expect_error([&] { parse_dim_options({text}); }, {"--dim '" + text + "'", item.second}, text);
  }
  expect_error([&] { parse_dim_options({"seq=1", "seq=2"}); }, {"--dim 'seq=2'", "'seq' is given twice"});
}

TEST(DimOption, InfoAndRunTakeOneValuePerName) {
  EXPECT_EQ(single_dim_values(parse_dim_options({"seq=128", "past=4"}), "info"),
            (DimValues{{"seq", 128}, {"past", 4}}));
  expect_error([&] { single_dim_values(parse_dim_options({"seq=128,256"}), "run"); },
               {"--dim seq=128,256", "run", "one value per dimension"});
}

TEST(DimOption, ProfileSweepsEveryCombinationFirstDimSlowest) {
  const std::vector<DimValues> sweep = dim_combinations(parse_dim_options({"seq=1,2", "past=7,8,9"}));
  ASSERT_EQ(sweep.size(), 6u);
  EXPECT_EQ(sweep[0], (DimValues{{"seq", 1}, {"past", 7}}));
  EXPECT_EQ(sweep[1], (DimValues{{"seq", 1}, {"past", 8}}));
  EXPECT_EQ(sweep[3], (DimValues{{"seq", 2}, {"past", 7}}));
  EXPECT_EQ(sweep[5], (DimValues{{"seq", 2}, {"past", 9}}));
  const std::vector<DimValues> none = dim_combinations({});
  ASSERT_EQ(none.size(), 1u);  // no --dim: one configuration without dims
  EXPECT_TRUE(none[0].empty());
}

TEST(DimOption, LabelsAndRecords) {
  EXPECT_EQ(dims_label({{"seq", 128}, {"past", 4}}), "past=4 seq=128");
  EXPECT_EQ(dims_label({}), "");
  EXPECT_EQ(dims_json({{"seq", 128}}), (nlohmann::json{{"seq", 128}}));
  EXPECT_TRUE(dims_json({}).is_object());
  EXPECT_TRUE(dims_json({}).empty());
}

}  // namespace
}  // namespace dnncost::testing
