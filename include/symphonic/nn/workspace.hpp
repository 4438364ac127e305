// symphonic/nn/workspace.hpp - the activations, caches and scratch of one run of a model.
//
// A Model holds weights and wiring only; everything a forward computes for its backward, and the
// state a generator carries from token to token, lives in a Workspace owned by whoever runs the
// model (DESIGN.md, "Compute core"): the trainer one, each generator its own. Two workspaces on
// one model never share a cache, so inference can run while a training step is half done, and
// several generators can step one model at once. Buffers keep their capacity between calls: a
// steady loop of same-sized batches allocates nothing after the first.
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "symphonic/config.hpp"
#include "symphonic/nn/batch_norm.hpp"
#include "symphonic/nn/dropout.hpp"
#include "symphonic/nn/lstm.hpp"
#include "symphonic/nn/softmax_cross_entropy.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

template <class Scalar>
struct Workspace {
  using Mat = Matrix<Scalar>;
  using State = typename Lstm<Scalar>::State;

  // Forward.
  IdMatrix ids;                                  ///< the forward's token ids, batch x T
  Mat x;                                         ///< input features, I x T batch
  typename Lstm<Scalar>::Cache lstm;             ///< LSTM activations and backward scratch
  std::vector<Mat> acts;                         ///< acts[0]: what the head reads; acts[k + 1]: head op k's output
  std::vector<typename BatchNorm<Scalar>::Cache> batch_norm;  ///< one per batch-norm of the head
  std::vector<typename Dropout<Scalar>::Cache> dropout;       ///< one per dropout of the head
  typename SoftmaxCrossEntropy<Scalar>::Cache loss;
  Mat probabilities;                             ///< Model::step's next-token probabilities, V x batch
  // Backward scratch.
  Mat d, dx, dsequence;
  // Truncated BPTT: with carry_state, each training forward starts from the final (h, c) of the
  // previous one when the batch size matches (zero otherwise); gradients stop at the boundary.
  bool carry_state = false;
  State carried;

  // Data-parallel training (train/trainer.hpp with a distributed::Communicator): the forward's
  // rows are `slice` of a batch that several replicas share, so dropout masks are drawn as for the
  // whole batch; backward computes the gradient of loss_weight x the mean loss (this replica's
  // share of the whole batch's mean); `replicas`, when set, synchronises batch-norm statistics.
  backend::cpu::BatchSlice slice;
  double loss_weight = 1;
  backend::cpu::ReplicaSum replicas;

  bool every_step = false;      ///< the head ran on every step (targets at every step)
  bool backward_ready = false;  ///< a training-shaped forward ran and backward may follow
  std::uint64_t key = 0;        ///< the dropout key of the last training forward

  /// Logits of the last forward or step, vocab x N.
  const Mat& logits() const { return acts.back(); }
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
