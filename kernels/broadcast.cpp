// numpy-style broadcasting: result shapes and the run-by-run index map (see broadcast.h).
#include "kernels/broadcast.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace dnncost {
namespace {

// Size of `s` at output dimension d of an output of rank `rank` (shapes are aligned at the last dimension;
// missing leading dimensions are 1).
int64_t aligned_dim(const Shape& s, size_t rank, size_t d) {
  const size_t lead = rank - s.size();
  return d < lead ? 1 : s[d - lead];
}

std::string list_shapes(const std::vector<Shape>& shapes) {
  std::string text;
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (i) text += i + 1 == shapes.size() ? " and " : ", ";
    text += shape_str(shapes[i]);
  }
  return text;
}

}  // namespace

bool broadcast_shapes(const std::vector<Shape>& shapes, Shape* out, std::string* why) {
  size_t rank = 0;
  for (const auto& s : shapes) rank = std::max(rank, s.size());
  Shape result(rank, 1);
  for (size_t d = 0; d < rank; ++d) {
    for (const auto& s : shapes) {
      const int64_t size = aligned_dim(s, rank, d);
      if (size == 1 || size == result[d]) continue;
      if (result[d] == 1) {
        result[d] = size;
        continue;
      }
      if (why) {
        std::ostringstream os;
        os << list_shapes(shapes) << " cannot be broadcast (numpy rules: aligned from the last dimension, sizes "
           << "must be equal or 1; here " << result[d] << " vs " << size << ")";
        *why = os.str();
      }
      return false;
    }
  }
  if (out) *out = std::move(result);
  return true;
}

bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  for (size_t d = 0; d < to.size(); ++d) {
    const int64_t size = aligned_dim(from, to.size(), d);
    if (size != 1 && size != to[d]) return false;
  }
  return true;
}

BroadcastIndexer::BroadcastIndexer(const std::vector<Shape>& in_shapes, const Shape& out_shape) {
  for (const auto& s : in_shapes) {
    if (!broadcasts_to(s, out_shape)) {
      throw std::invalid_argument(shape_str(s) + " does not broadcast to " + shape_str(out_shape));
    }
  }
  numel_ = shape_numel(out_shape);
  const size_t n_in = in_shapes.size();
  const size_t rank = out_shape.size();

  // Keep the output dimensions larger than 1; merge neighbours that every input treats alike.
  std::vector<std::vector<bool>> merged_broadcast;  // [merged dim][input]: input is one value along it
  for (size_t d = 0; d < rank; ++d) {
    if (out_shape[d] == 1) continue;
    std::vector<bool> broadcast(n_in);
    for (size_t k = 0; k < n_in; ++k) broadcast[k] = aligned_dim(in_shapes[k], rank, d) == 1;
    if (!dims_.empty() && merged_broadcast.back() == broadcast) {
      dims_.back() *= out_shape[d];
    } else {
      dims_.push_back(out_shape[d]);
      merged_broadcast.push_back(broadcast);
    }
  }
  if (dims_.empty()) {  // every output dimension is 1: a single element
    dims_.push_back(1);
    merged_broadcast.emplace_back(n_in, true);
  }

  // Row-major strides of each input over the merged dimensions; 0 where it is broadcast.
  strides_.assign(n_in, std::vector<int64_t>(dims_.size(), 0));
  for (size_t k = 0; k < n_in; ++k) {
    int64_t running = 1;
    for (size_t d = dims_.size(); d-- > 0;) {
      if (merged_broadcast[d][k]) continue;
      strides_[k][d] = running;
      running *= dims_[d];
    }
  }
  row_length_ = dims_.back();
  rows_ = numel_ == 0 ? 0 : numel_ / row_length_;
}

int64_t BroadcastIndexer::input_offset(size_t k, int64_t index) const {
  int64_t offset = 0;
  for (size_t d = dims_.size(); d-- > 0;) {
    offset += (index % dims_[d]) * strides_[k][d];
    index /= dims_[d];
  }
  return offset;
}

}  // namespace dnncost
