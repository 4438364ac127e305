// tests/support/gradcheck.hpp - central finite differences in double against analytic gradients.
//
// relative_error(a, n) = ||a - n|| / max(||a||, ||n||, 1e-300): norm-wise over a whole tensor, so a
// tiny component does not dominate. numeric_gradient perturbs each entry of `x` by +-eps in place
// (restoring it) and calls `loss()` - a functor that re-runs the forward with the same random
// masks - twice per entry.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>

#include <Eigen/Core>

namespace symphonic_test {

/// Prints a gradient check's error when SYMPHONIC_GRADCHECK_VERBOSE is set (to see the margin).
inline void report(const char* what, double err) {
  if (std::getenv("SYMPHONIC_GRADCHECK_VERBOSE")) std::cout << "gradcheck " << what << ": " << err << "\n";
}

template <class A, class B>
double relative_error(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  const double diff = (a.template cast<double>() - b.template cast<double>()).norm();
  const double scale = std::max({a.template cast<double>().norm(), b.template cast<double>().norm(), 1e-300});
  return diff / scale;
}

/// d loss / d x by central differences; x is any writable double array (a Map into a buffer).
template <class Derived, class Loss>
Eigen::MatrixXd numeric_gradient(Eigen::DenseBase<Derived>& x, Loss&& loss, double eps = 1e-6) {
  Eigen::MatrixXd g(x.rows(), x.cols());
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      const double saved = x(i, j);
      x(i, j) = saved + eps;
      const double up = loss();
      x(i, j) = saved - eps;
      const double down = loss();
      x(i, j) = saved;
      g(i, j) = (up - down) / (2 * eps);
    }
  return g;
}

/// A seeded matrix with entries uniform in [-scale, scale].
inline Eigen::MatrixXd random_matrix(Eigen::Index rows, Eigen::Index cols, unsigned seed, double scale = 1.0) {
  std::uint64_t s = 0x12345678ULL + seed * 0x9E3779B97F4A7C15ULL;
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    m.data()[i] = scale * (2.0 * static_cast<double>(s >> 11) / 9007199254740992.0 - 1.0);
  }
  return m;
}

}  // namespace symphonic_test
