#pragma once

// A bounded pool of sessions with the same settings, for servers and applications that
// run many small statements from many threads.
//
//   sluice::SessionPoolOptions options;
//   options.uri = "local:/data/warehouse";
//   options.settings = {{"max_buffered_batches", "16"}, {"threads", "2"}};
//   auto pool = sluice::SessionPool::Make(options).ValueOrDie();
//   {
//     auto session = pool->Borrow().ValueOrDie();         // waits for a free session
//     auto rows = sluice::Query<Trade>(*session, "SELECT ...").Collect();
//   }                                                     // back in the pool
//   pool->Close(std::chrono::seconds(10));

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <arrow/result.h>

#include "sluice/session.h"

namespace sluice {

struct SessionPoolOptions {
  std::string uri = "local:";
  SessionOptions session;
  // At most this many sessions exist at once; they are created on demand.
  size_t max_sessions = 8;
  // Applied with Session::Set (SET name = value) to every new session, in order. A
  // setting that fails is the failing Borrow's error; the next Borrow tries again.
  std::vector<std::pair<std::string, std::string>> settings;
  // How long Borrow waits for a free session when none is given.
  std::chrono::milliseconds borrow_timeout{30000};
};

class SessionPool : public std::enable_shared_from_this<SessionPool> {
 public:
  // A borrowed session, used by one thread at a time; it goes back to the pool when the
  // lease is destroyed, unless Discard was called (a session found broken).
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Session& operator*() const { return *session_; }
    Session* operator->() const { return session_.get(); }
    const std::shared_ptr<Session>& session() const { return session_; }
    // Do not return this session to the pool: a new one will be created instead.
    void Discard() { discard_ = true; }

   private:
    friend class SessionPool;
    Lease(std::shared_ptr<SessionPool> pool, std::shared_ptr<Session> session)
        : pool_(std::move(pool)), session_(std::move(session)) {}
    std::shared_ptr<SessionPool> pool_;
    std::shared_ptr<Session> session_;
    bool discard_ = false;
  };

  static arrow::Result<std::shared_ptr<SessionPool>> Make(SessionPoolOptions options);
  ~SessionPool();

  // A free session, or a new one if fewer than max_sessions exist; waits up to
  // `timeout` (default: the options') and fails with IOError ("no free session") after
  // it. Invalid after Close. Thread-safe.
  arrow::Result<Lease> Borrow();
  arrow::Result<Lease> Borrow(std::chrono::milliseconds timeout);

  // Refuses new borrows and waits up to `timeout` for every borrowed session to come
  // back; IOError if some did not. Idle sessions are released.
  arrow::Status Close(std::chrono::milliseconds timeout);

  size_t size() const;      // sessions that exist (idle and borrowed)
  size_t borrowed() const;  // sessions out on a lease

 private:
  explicit SessionPool(SessionPoolOptions options) : options_(std::move(options)) {}
  void Return(std::shared_ptr<Session> session, bool discard);
  arrow::Result<std::shared_ptr<Session>> Create();

  const SessionPoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::shared_ptr<Session>> idle_;
  size_t size_ = 0;
  size_t borrowed_ = 0;
  bool closed_ = false;
};

}  // namespace sluice
