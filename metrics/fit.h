// Least-squares fits for the study's relations: time vs operations (linear) and accuracy vs speed (hyperbolic).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

namespace dnncost {

struct LinearFit {
  int points = 0;
  double slope = 0;      // dy/dx
  double intercept = 0;  // y at x = 0
  double r2 = 0;         // coefficient of determination (1 - SS_res / SS_tot); 0 when y is constant
  bool valid = false;    // at least 2 points with distinct x
};

// Ordinary least squares y = slope * x + intercept.
LinearFit fit_linear(const std::vector<double>& x, const std::vector<double>& y);

// Hyperbola y = a + b / x by least squares in u = 1/x (points with x <= 0 or non-finite values are dropped):
// returned as a LinearFit with slope = b, intercept = a; r2 is the coefficient of determination of y.
LinearFit fit_hyperbolic(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace dnncost
