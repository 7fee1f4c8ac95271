// How the unit tests expect an error, written once: expect_error runs something and requires an E (ModelError
// unless told) whose message contains every fragment; expect_model_error does so for a one-node graph, whose
// error must also name its node ("node 'node0' (<op>)"); error_message gives the message itself (or a stand-in
// when nothing was thrown) for tests that compare it whole or check several in a row. Anything else thrown
// escapes to GoogleTest, which fails the test.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {

// Runs `run` and expects it to throw an E whose message contains every one of `fragments`. `when_none` says, in
// the failure, what was wrongly accepted (the expected fragments are listed after it).
template <class E = ModelError, class F>
void expect_error(F&& run, const std::vector<std::string>& fragments, const std::string& when_none = "no error") {
  try {
    std::forward<F>(run)();
  } catch (const E& e) {
    const std::string msg = e.what();
    for (const auto& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << "missing '" << f << "' in: " << msg;
    return;
  }
  std::string wanted;
  for (const auto& f : fragments) wanted += (wanted.empty() ? "'" : ", '") + f + "'";
  FAIL() << when_none << " (expected an error containing " << wanted << ")";
}

// Runs the one-node graph of `op` and expects a ModelError that names the node and contains every fragment.
inline void expect_model_error(const SingleOp& op, const std::vector<std::string>& fragments) {
  std::vector<std::string> all{"node 'node0' (" + op.op + ")"};
  all.insert(all.end(), fragments.begin(), fragments.end());
  expect_error([&] { run_single_op(op); }, all, "no ModelError from " + op.op);
}

// The message of the E that `run` throws, or `if_none` when it throws nothing.
template <class E = ModelError, class F>
std::string error_message(F&& run, const std::string& if_none = "") {
  try {
    std::forward<F>(run)();
  } catch (const E& e) {
    return e.what();
  }
  return if_none;
}

}  // namespace dnncost::testing
