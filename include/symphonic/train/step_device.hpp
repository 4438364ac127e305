// symphonic/train/step_device.hpp - where a Trainer's arithmetic runs when it is not the host
// model itself: a copy of the model on another device (a GPU, backend/cuda/step_device.hpp).
//
// The trainer keeps its host model, optimizer, batches, schedule, checkpoints and reports; a
// StepDevice runs the training steps and the validation forwards on its own copy of the weights.
// The two meet where the trainer reads or writes the host's weights: upload() after the trainer
// set them (its start, a resume), download() before it reads them (a checkpoint, the end of an
// epoch, the end of fit). Everything a checkpoint holds (weights, batch-norm buffers, the dropout
// generator's state, the optimizer's state and step count) crosses both ways, so a run resumed on
// either device continues the other's.
#pragma once

#include <string>

#include "symphonic/config.hpp"
#include "symphonic/nn/model.hpp"
#include "symphonic/optim/optimizer.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace train {

template <class Scalar>
class StepDevice {
 public:
  using Result = typename nn::Model<Scalar>::Result;

  virtual ~StepDevice() = default;

  /// Which device, for the log ("cuda: NVIDIA H200, 139 GiB, sm_90").
  virtual std::string name() const = 0;
  /// The host's weights, buffers, generator state and `optimizer`'s state to the device; the
  /// device's steps then update `optimizer`'s step count and read its learning rate.
  virtual void upload(const nn::Model<Scalar>& model, optim::Optimizer<Scalar>& optimizer) = 0;
  /// The device's weights, buffers, generator state and optimizer state to the host.
  virtual void download(nn::Model<Scalar>& model) = 0;
  /// Truncated BPTT across consecutive training batches (TrainerOptions::carry_state).
  virtual void set_carry_state(bool on) = 0;
  /// The next training batch starts from a zero state.
  virtual void forget_state() = 0;
  /// Zeroes the gradients, then a training forward and backward of the batch.
  virtual Result train_batch(const nn::IdMatrix& inputs, const nn::IdMatrix& targets) = 0;
  /// An inference forward (validation).
  virtual Result evaluate(const nn::IdMatrix& inputs, const nn::IdMatrix& targets) = 0;
  /// Clips the gradients to `max_norm` (> 0; 0: only measures them) and returns their norm before.
  virtual double clip_gradients(double max_norm) = 0;
  /// One update with the optimizer given to upload(), at its current learning rate.
  virtual void optimizer_step() = 0;
};

}  // namespace train
SYMPHONIC_NAMESPACE_END
