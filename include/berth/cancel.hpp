#pragma once

#include <atomic>
#include <memory>

namespace berth {

/// Shared flag that aborts a running request or stream from another thread.
/// Copies share the flag; a default-constructed token can still be cancelled.
class CancelToken {
  public:
    CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}

    void cancel() const { flag_->store(true); }
    bool cancelled() const { return flag_->load(); }

  private:
    std::shared_ptr<std::atomic<bool>> flag_;
};

}  // namespace berth
