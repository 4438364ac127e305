// symphonic/backend/cuda/stepper.hpp - generation on an executor: the LSTM state of every piece
// stays in the executor's memory and each step brings back only the next token's probabilities
// (vocab x pieces), for a generate::BatchGenerator to sample, score and search on the host.
//
//   auto model = std::make_shared<backend::cuda::Model<backend::cuda::CudaExecutor, float>>(ex, host_model);
//   generate::BatchGenerator<float> g(std::unique_ptr<generate::Stepper<float>>(
//       new backend::cuda::ExecutorStepper<backend::cuda::CudaExecutor, float>(model)), pieces, sampler, seed);
// Clones (a generator's copy, beam search's forks) share the model and copy the state.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "symphonic/backend/cuda/elementwise.hpp"
#include "symphonic/backend/cuda/executor.hpp"
#include "symphonic/backend/cuda/model.hpp"
#include "symphonic/config.hpp"
#include "symphonic/generate/stepper.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

/// dst column k = src column parents[k], columns of `rows` values.
template <class Scalar>
struct GatherColumns {
  Index rows;
  const std::int32_t* parents;
  const Scalar* src;
  Scalar* dst;
  SYMPHONIC_HD void operator()(Index i) const {
    const Index k = i / rows, r = i - k * rows;
    dst[i] = src[Index(parents[k]) * rows + r];
  }
};

template <class Exec, class Scalar>
class ExecutorStepper : public generate::Stepper<Scalar> {
 public:
  using DeviceModel = Model<Exec, Scalar>;

  explicit ExecutorStepper(std::shared_ptr<DeviceModel> model) : model_(std::move(model)) {}

  nn::Index vocab_size() const override { return model_->config().vocab_size; }
  void reset(nn::Index count) override { state_ = model_->zero_state(count); }

  void step(const nn::IdMatrix& ids, std::vector<double>& probabilities) override {
    Exec& ex = model_->executor();
    const Index n = Index(model_->config().vocab_size) * ids.size();
    const Scalar* p = model_->step(workspace_, state_, ids);
    host_.resize(static_cast<std::size_t>(n));
    ex.download(host_.data(), p, n);
    probabilities.assign(host_.begin(), host_.end());
  }

  void reorder(const std::vector<nn::Index>& parents) override {
    Exec& ex = model_->executor();
    const Index count = static_cast<Index>(parents.size()), H = model_->config().lstm_size;
    std::vector<std::int32_t> p(parents.begin(), parents.end());
    ex.upload(ensure(ex, parents_, count), p.data(), count);
    if (gathered_.batch != state_.batch) gathered_ = model_->zero_state(state_.batch);
    for (std::size_t l = 0; l < state_.h.size(); ++l) {
      ex.for_each(H * count, GatherColumns<Scalar>{H, parents_.data(), state_.h[l].data(), gathered_.h[l].data()});
      ex.for_each(H * count, GatherColumns<Scalar>{H, parents_.data(), state_.c[l].data(), gathered_.c[l].data()});
    }
    std::swap(state_, gathered_);
  }

  std::unique_ptr<generate::Stepper<Scalar>> clone() const override {
    std::unique_ptr<ExecutorStepper> copy(new ExecutorStepper(model_));
    Exec& ex = model_->executor();
    const Index H = model_->config().lstm_size;
    copy->state_ = model_->zero_state(state_.batch);
    for (std::size_t l = 0; l < state_.h.size(); ++l) {
      cuda::copy(ex, H * state_.batch, state_.h[l].data(), copy->state_.h[l].data());
      cuda::copy(ex, H * state_.batch, state_.c[l].data(), copy->state_.c[l].data());
    }
    return copy;
  }

 private:
  std::shared_ptr<DeviceModel> model_;
  typename DeviceModel::Workspace workspace_;
  typename DeviceModel::State state_, gathered_;
  BufferOf<Exec, std::int32_t> parents_;
  std::vector<Scalar> host_;
};

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
