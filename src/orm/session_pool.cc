#include "sluice/session_pool.h"

namespace sluice {

SessionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::move(other.pool_)),
      session_(std::move(other.session_)),
      discard_(other.discard_) {}

SessionPool::Lease::~Lease() {
  if (pool_ && session_) pool_->Return(std::move(session_), discard_);
}

arrow::Result<std::shared_ptr<SessionPool>> SessionPool::Make(
    SessionPoolOptions options) {
  if (options.max_sessions == 0) {
    return arrow::Status::Invalid("SessionPool: max_sessions must be at least 1");
  }
  return std::shared_ptr<SessionPool>(new SessionPool(std::move(options)));
}

SessionPool::~SessionPool() = default;

arrow::Result<SessionPool::Lease> SessionPool::Borrow() {
  return Borrow(options_.borrow_timeout);
}

arrow::Result<SessionPool::Lease> SessionPool::Borrow(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  const bool available = changed_.wait_for(lock, timeout, [&] {
    return closed_ || !idle_.empty() || size_ < options_.max_sessions;
  });
  if (closed_) return arrow::Status::Invalid("SessionPool: the pool is closed");
  if (!available) {
    return arrow::Status::IOError("SessionPool: no free session within ", timeout.count(),
                                  " ms (", size_, " in use, max_sessions ",
                                  options_.max_sessions, ")");
  }
  if (!idle_.empty()) {
    auto session = std::move(idle_.back());
    idle_.pop_back();
    ++borrowed_;
    return Lease(shared_from_this(), std::move(session));
  }
  // Reserve the slot, then create the session without holding the lock.
  ++size_;
  lock.unlock();
  auto created = Create();
  lock.lock();
  if (!created.ok()) {
    --size_;
    changed_.notify_one();
    return created.status();
  }
  ++borrowed_;
  return Lease(shared_from_this(), std::move(*created));
}

arrow::Result<std::shared_ptr<Session>> SessionPool::Create() {
  ARROW_ASSIGN_OR_RAISE(auto session, Connect(options_.uri, options_.session));
  for (const auto& [name, value] : options_.settings) {
    auto status = session->Set(name, value);
    if (!status.ok()) {
      return status.WithMessage("SessionPool: setting ", name, " = '", value,
                                "' failed on a new session: ", status.message());
    }
  }
  return session;
}

void SessionPool::Return(std::shared_ptr<Session> session, bool discard) {
  std::lock_guard<std::mutex> lock(mutex_);
  --borrowed_;
  if (discard || closed_) {
    --size_;
  } else {
    idle_.push_back(std::move(session));
  }
  changed_.notify_all();
}

arrow::Status SessionPool::Close(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  closed_ = true;
  size_ -= idle_.size();
  idle_.clear();
  changed_.notify_all();
  if (!changed_.wait_for(lock, timeout, [&] { return borrowed_ == 0; })) {
    return arrow::Status::IOError("SessionPool: ", borrowed_,
                                  " borrowed session(s) not returned within ",
                                  timeout.count(), " ms");
  }
  return arrow::Status::OK();
}

size_t SessionPool::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return size_;
}

size_t SessionPool::borrowed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return borrowed_;
}

}  // namespace sluice
