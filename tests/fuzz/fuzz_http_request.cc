// Raw HTTP requests sent to sluiced's HTTP service on a loopback socket: request
// parsing, routing, authentication, origin checks and the query endpoints.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

#include "server/clients.h"
#include "server/http_service.h"
#include "server/query_registry.h"

namespace {

struct Server {
  std::shared_ptr<sluice::server::Clients> clients;
  std::shared_ptr<sluice::server::QueryRegistry> registry;
  std::unique_ptr<sluice::server::HttpService> http;
  std::thread thread;
  int port = 0;
};

Server* Start() {
  auto* server = new Server;
  char dir[] = "/tmp/sluice-fuzz-XXXXXX";
  if (::mkdtemp(dir) == nullptr) __builtin_trap();
  sluice::SessionOptions options;
  options.confine_file_access = true;
  server->clients = std::make_shared<sluice::server::Clients>(
      dir, options,
      std::vector<sluice::server::Clients::Token>{{"t0ken", {"user", false}}});
  sluice::server::QueryRegistry::Limits limits;
  limits.timeout = std::chrono::milliseconds(500);
  limits.query_memory_bytes = 256 << 20;
  server->registry = std::make_shared<sluice::server::QueryRegistry>(limits);
  sluice::server::HttpOptions http;
  http.threads = 4;
  http.max_request_bytes = 1 << 20;
  server->http = std::make_unique<sluice::server::HttpService>(server->clients,
                                                               server->registry, http);
  if (!server->http->Bind("127.0.0.1", 0).ok()) __builtin_trap();
  server->port = server->http->port();
  server->thread = std::thread([server] { server->http->Serve(); });
  return server;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server* server = Start();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(server->port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{0, 200 * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    (void)::send(fd, data, size, MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    char buffer[65536];
    size_t total = 0;
    for (ssize_t n; total < (1 << 20) && (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) {
      total += static_cast<size_t>(n);
    }
  }
  ::close(fd);
  return 0;
}
