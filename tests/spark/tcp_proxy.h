#pragma once

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice::testing {

// A TCP forwarder on 127.0.0.1 between a client and a server, for tests that break
// connections: CutAll() closes every connection open now (both sides see a reset), while
// the listener keeps accepting new ones.
class TcpProxy {
 public:
  explicit TcpProxy(int target_port);
  ~TcpProxy();

  int port() const { return port_; }
  // Closes the connections open now; returns how many it cut.
  int CutAll();
  // Bytes forwarded from the server to clients so far.
  int64_t bytes_down() const { return bytes_down_.load(); }

 private:
  void Accept();
  void Pump(int from, int to, bool down);

  const int target_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> bytes_down_{0};
  std::mutex mutex_;
  std::vector<int> sockets_;  // sockets of live connections, guarded by mutex_
  std::vector<int> opened_;   // every socket, closed at the end, guarded by mutex_
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace sluice::testing
