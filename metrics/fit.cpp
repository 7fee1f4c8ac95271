// Ordinary least squares with R².
#include "metrics/fit.h"

#include <algorithm>
#include <cmath>

namespace dnncost {

LinearFit fit_linear(const std::vector<double>& x, const std::vector<double>& y) {
  LinearFit f;
  const size_t n = std::min(x.size(), y.size());
  f.points = static_cast<int>(n);
  if (n < 2) return f;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxx = 0, sxy = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx <= 0) return f;
  f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  double ss_res = 0;
  for (size_t i = 0; i < n; ++i) {
    const double r = y[i] - (f.slope * x[i] + f.intercept);
    ss_res += r * r;
  }
  f.r2 = syy > 0 ? 1.0 - ss_res / syy : 0.0;
  f.valid = true;
  return f;
}

LinearFit fit_hyperbolic(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> u, v;
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    if (!(x[i] > 0) || !std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    u.push_back(1.0 / x[i]);
    v.push_back(y[i]);
  }
  return fit_linear(u, v);
}

}  // namespace dnncost
