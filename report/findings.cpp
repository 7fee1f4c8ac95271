// The study's four findings (Canziani et al. 2016) checked against the numbers measured here: power vs batch
// size and architecture, accuracy vs inference time (hyperbolic), energy vs accuracy, operations vs time; each
// with a verdict and its evidence, and the findings section of the page.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "report/report_parts.h"

namespace dnncost::report::detail {
namespace {

// A verdict as a CSS class: its spaces as hyphens ("partly supported" -> "partly-supported").
std::string verdict_class(const std::string& v) {
  std::string s;
  for (char c : v) s += (c == ' ' ? '-' : c);
  return s;
}

}  // namespace

std::vector<Finding> findings(const Study& st, const StudyFits& fits) {
  std::vector<Finding> out;
  // 1. power independent of batch size and architecture.
  Finding f1{"Power draw is (nearly) independent of batch size and architecture.", "not testable here", ""};
  if (!st.any_power) {
    f1.evidence = "No power data: " + no_power(st) + ".";
  } else {
    std::vector<double> w;
    for (const Model& m : st.models)
      for (const auto& bc : m.by_batch)
        if (std::isfinite(bc.second.power_w)) w.push_back(bc.second.power_w);
    double mean = 0, var = 0;
    for (double v : w) mean += v / static_cast<double>(w.size());
    for (double v : w) var += (v - mean) * (v - mean) / static_cast<double>(w.size());
    const double cov = mean > 0 ? std::sqrt(var) / mean : NAN;
    f1.verdict = cov < 0.1 ? "supported" : cov < 0.25 ? "partly supported" : "contradicted";
    f1.evidence = "Average power over " + std::to_string(w.size()) + " configurations (" + st.power_sensor +
                  "): " + fmt("%.1f", mean) + " W with a coefficient of variation of " + fmt("%.3f", cov) +
                  (std::isfinite(st.idle_w) ? "; idle " + fmt("%.1f", st.idle_w) + " W" : std::string()) + ".";
  }
  out.push_back(f1);
  // 2. accuracy vs inference time hyperbolic.
  Finding f2{"Accuracy and inference time are in a hyperbolic relationship.", "not testable here", ""};
  if (!fits.hyper || fits.hyper->points < 3) {
    f2.evidence = "Needs top-1 and speed for at least three networks; these records give " +
                  std::to_string(fits.hyper ? fits.hyper->points : 0) + ".";
  } else {
    f2.verdict = fits.hyper->slope <= 0 ? "contradicted" : fits.hyper->r2 >= 0.5 ? "supported" : "weakly supported";
    f2.evidence = "top-1 = " + fmt("%.2f", fits.hyper->intercept) + " % + " + fmt("%.4g", fits.hyper->slope) +
                  " / (images/s) at " + ref_batch_text(st) + ", R\u00b2 = " + fmt("%.3f", fits.hyper->r2) + " over " +
                  std::to_string(fits.hyper->points) + " networks" +
                  (fits.hyper->slope <= 0 ? ": the faster networks are not the less accurate ones here." : ".");
    if (fits.hyper_study) {
      f2.evidence +=
          " Over the " + std::to_string(fits.hyper_study->points) +
          " networks of the study itself (the manifest's in_study): R\u00b2 = " + fmt("%.3f", fits.hyper_study->r2) +
          " (b = " + fmt("%.4g", fits.hyper_study->slope) + ").";
    }
  }
  out.push_back(f2);
  // 3. energy bounds accuracy.
  Finding f3{"An energy constraint bounds the achievable accuracy and model complexity.", "not testable here", ""};
  if (!st.any_power) {
    f3.evidence = "Needs energy per image, i.e. power: " + no_power(st) + ".";
  } else {
    // Networks with accuracy and energy per image at the reference batch; the Pareto front is the best accuracy
    // reachable within each energy budget.
    std::vector<std::pair<double, const Model*>> pts;
    for (const Model& m : st.models)
      if (const Config* r = at_ref(st, m); r && m.accuracy && r->energy_per_image_j > 0)
        pts.push_back({r->energy_per_image_j, &m});
    if (pts.size() < 3) {
      f3.evidence = "Needs top-1 and energy per image for at least three networks; these records give " +
                    std::to_string(pts.size()) + ".";
    } else {
      std::sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      // Spearman rank correlation of energy per image and top-1 (no ties expected in measured energies).
      const size_t n = pts.size();
      std::vector<size_t> by_acc(n);
      for (size_t i = 0; i < n; ++i) by_acc[i] = i;
      std::sort(by_acc.begin(), by_acc.end(),
                [&](size_t a, size_t b) { return pts[a].second->accuracy->top1 < pts[b].second->accuracy->top1; });
      std::vector<double> acc_rank(n);
      for (size_t r = 0; r < n; ++r) acc_rank[by_acc[r]] = static_cast<double>(r);
      double d2 = 0;
      for (size_t i = 0; i < n; ++i)
        d2 += (static_cast<double>(i) - acc_rank[i]) * (static_cast<double>(i) - acc_rank[i]);
      const double dn = static_cast<double>(n);
      const double rho = 1 - 6 * d2 / (dn * (dn * dn - 1));
      std::string front;
      double best = -INFINITY;
      for (const auto& pt : pts) {
        if (pt.second->accuracy->top1 <= best) continue;
        best = pt.second->accuracy->top1;
        front += (front.empty() ? "" : ", ") + pt.second->key + " " + fmt("%.3g", pt.first) + " J " +
                 fmt("%.1f", best) + " %";
      }
      f3.verdict = rho >= 0.5 ? "supported" : rho >= 0.2 ? "partly supported" : "contradicted";
      f3.evidence =
          "Energy per image at " + ref_batch_text(st) + " against top-1 over " + std::to_string(n) +
          " networks: Spearman rank correlation " + fmt("%.2f", rho) +
          ". Best accuracy within each energy budget (the Pareto front, energy per image and top-1): " + front + ".";
    }
  }
  out.push_back(f3);
  // 4. operations predict time.
  Finding f4{"The number of operations is a reliable estimate of inference time.", "not testable here", ""};
  if (fits.net_all) {
    const double r2 = fits.net_ref ? fits.net_ref->r2 : fits.net_all->r2;
    f4.verdict = r2 >= 0.9 ? "supported" : r2 >= 0.7 ? "partly supported" : "contradicted";
    std::ostringstream e;
    e << "Per network: R\u00b2 = " << fmt("%.3f", fits.net_all->r2) << " for time against FLOPs over all "
      << fits.net_all->points << " runs";
    if (fits.net_ref)
      e << ", " << fmt("%.3f", fits.net_ref->r2) << " over the " << fits.net_ref->points << " networks at "
        << ref_batch_text(st);
    e << ".";
    if (fits.layer.pooled) {
      e << " Per layer: R\u00b2 = " << fmt("%.3f", fits.layer.pooled->r2) << " over " << fits.layer.pooled->points
        << " layers pooled";
      if (!fits.layer.per_model_r2.empty()) {
        e << " (per network:";
        for (size_t i = 0; i < fits.layer.per_model_r2.size(); ++i) {
          e << (i ? "," : "") << " " << fits.layer.per_model_r2[i].first << " "
            << fmt("%.3f", fits.layer.per_model_r2[i].second);
        }
        e << ")";
      }
      e << ".";
    }
    f4.evidence = e.str();
  } else {
    f4.evidence = "Needs at least two measured configurations with different operation counts.";
  }
  out.push_back(f4);
  return out;
}

void findings_section(Page& p, const std::vector<Finding>& fs) {
  p.html << "<section id=\"findings\"><h2>The study's four findings, measured here</h2>\n<ol>\n";
  for (const Finding& f : fs) {
    p.html << "<li class=\"finding\" data-verdict=\"" << verdict_class(f.verdict) << "\"><b>" << esc(f.claim)
           << "</b> <span class=\"verdict " << verdict_class(f.verdict) << "\">" << esc(f.verdict) << "</span><br>"
           << esc(f.evidence) << "</li>\n";
  }
  p.html << "</ol></section>\n";
}

}  // namespace dnncost::report::detail
