// symphonic/backend/cuda/step_device.hpp - the training steps of a train::Trainer on an executor:
// backend::cuda::Model and Optimizer behind train::StepDevice (train/step_device.hpp).
//
//   backend::cuda::Context ctx;                              // runtime.hpp, nvcc only
//   backend::cuda::CudaExecutor ex(ctx);
//   backend::cuda::ExecutorStepDevice<backend::cuda::CudaExecutor, float> gpu(ex, model.config(), "cuda: " + ctx.describe());
//   trainer.set_device(gpu);                                 // after a resume too: it uploads
//   trainer.fit();
// With the HostExecutor it runs the same code on the CPU (tests/train checks a run on it against
// the CPU backend's).
#pragma once

#include <memory>
#include <string>

#include "symphonic/backend/cuda/model.hpp"
#include "symphonic/backend/cuda/optim.hpp"
#include "symphonic/config.hpp"
#include "symphonic/train/step_device.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

template <class Exec, class Scalar>
class ExecutorStepDevice : public train::StepDevice<Scalar> {
 public:
  using Result = typename train::StepDevice<Scalar>::Result;

  ExecutorStepDevice(Exec& ex, const nn::ModelConfig& config, std::string name)
      : ex_(&ex), model_(ex, config), name_(std::move(name)) {
    norm_scratch_ = ex.template buffer<Scalar>(norm_scratch_size(model_.parameter_count()));
  }

  std::string name() const override { return name_; }
  Model<Exec, Scalar>& model() { return model_; }

  void upload(const nn::Model<Scalar>& host, optim::Optimizer<Scalar>& optimizer) override {
    model_.upload_from(host);
    if (optimizer_)
      optimizer_->bind(optimizer);
    else
      optimizer_.reset(new Optimizer<Exec, Scalar>(*ex_, optimizer));
    forget_state();
  }
  void download(nn::Model<Scalar>& host) override {
    model_.download_to(host);
    if (optimizer_) optimizer_->download_state();
  }
  void set_carry_state(bool on) override { train_.carry_state = on; }
  void forget_state() override { train_.carried = typename Model<Exec, Scalar>::State(); }

  Result train_batch(const nn::IdMatrix& inputs, const nn::IdMatrix& targets) override {
    model_.zero_grad();
    const Result r = model_.forward(train_, inputs, targets, nn::Mode::train);
    model_.backward(train_);
    return r;
  }
  Result evaluate(const nn::IdMatrix& inputs, const nn::IdMatrix& targets) override {
    return model_.forward(validation_, inputs, targets, nn::Mode::infer);
  }
  double clip_gradients(double max_norm) override {
    const Index n = model_.parameter_count();
    if (max_norm > 0) return clip_grad_norm(*ex_, n, model_.gradients(), max_norm, norm_scratch_.data());
    return global_norm(*ex_, n, static_cast<const Scalar*>(model_.gradients()), norm_scratch_.data());
  }
  void optimizer_step() override {
    SYMPHONIC_ASSERT(optimizer_);  // upload() came first
    optimizer_->step(model_.parameters(), model_.gradients());
  }

 private:
  Exec* ex_;
  Model<Exec, Scalar> model_;
  std::string name_;
  std::unique_ptr<Optimizer<Exec, Scalar>> optimizer_;
  typename Model<Exec, Scalar>::Workspace train_, validation_;
  BufferOf<Exec, Scalar> norm_scratch_;
};

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
