// symphonic/generate/stepper.hpp - what a BatchGenerator steps: the model's LSTM state of every
// piece and one inference step of all of them at once.
//
// ModelStepper (the default) runs nn::Model::step on the host, with a workspace and a state of its
// own; backend/cuda/stepper.hpp keeps the state on a GPU and brings back only the probabilities.
// A generator's sampling, scoring, banning and beam bookkeeping stay on the host either way.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/nn/model.hpp"
#include "symphonic/nn/workspace.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace generate {

template <class Scalar>
class Stepper {
 public:
  virtual ~Stepper() = default;
  /// Tokens the model knows: ids lie in [0, vocab_size()).
  virtual nn::Index vocab_size() const = 0;
  /// A zero (h, c) for `count` pieces.
  virtual void reset(nn::Index count) = 0;
  /// One step of every piece (ids(k) to piece k); `probabilities` receives the next token's,
  /// vocab x count, column-major.
  virtual void step(const nn::IdMatrix& ids, std::vector<double>& probabilities) = 0;
  /// Piece k's state becomes piece parents[k]'s (BatchGenerator::reorder checks the parents).
  virtual void reorder(const std::vector<nn::Index>& parents) = 0;
  /// An independent copy: same model, a copy of the state.
  virtual std::unique_ptr<Stepper> clone() const = 0;
};

/// nn::Model::step on the host. The model must outlive the stepper; several steppers may step one
/// model at once (each has its own workspace and state).
template <class Scalar>
class ModelStepper : public Stepper<Scalar> {
 public:
  explicit ModelStepper(const nn::Model<Scalar>& model) : model_(&model) {}

  nn::Index vocab_size() const override { return model_->config().vocab_size; }
  void reset(nn::Index count) override { state_ = model_->zero_state(count); }
  void step(const nn::IdMatrix& ids, std::vector<double>& probabilities) override {
    const nn::Matrix<Scalar>& p = model_->step(workspace_, state_, ids);
    probabilities.resize(static_cast<std::size_t>(p.size()));
    for (nn::Index i = 0; i < p.size(); ++i) probabilities[static_cast<std::size_t>(i)] = static_cast<double>(p.data()[i]);
  }
  void reorder(const std::vector<nn::Index>& parents) override {
    // Gather columns into the scratch copy, then swap: a parent may also be overwritten as a child.
    gathered_ = state_;
    for (std::size_t layer = 0; layer < state_.h.size(); ++layer)
      for (std::size_t k = 0; k < parents.size(); ++k) {
        gathered_.h[layer].col(static_cast<nn::Index>(k)) = state_.h[layer].col(parents[k]);
        gathered_.c[layer].col(static_cast<nn::Index>(k)) = state_.c[layer].col(parents[k]);
      }
    std::swap(state_, gathered_);
  }
  std::unique_ptr<Stepper<Scalar>> clone() const override {
    std::unique_ptr<ModelStepper> copy(new ModelStepper(*model_));
    copy->state_ = state_;
    return copy;
  }

 private:
  const nn::Model<Scalar>* model_;
  nn::Workspace<Scalar> workspace_;
  typename nn::Model<Scalar>::State state_;
  typename nn::Model<Scalar>::State gathered_;  ///< reorder()'s scratch, kept for its capacity
};

}  // namespace generate
SYMPHONIC_NAMESPACE_END
