// Runs a function on the thread that runs an io_context and waits for its
// result: the daemon's objects are single-threaded, so tests and tools that
// drive a daemon on its own thread reach into it only through this.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <future>

namespace cxxenstored {

template <class F>
auto run_on(boost::asio::io_context& io, F f) -> decltype(f()) {
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto result = task.get_future();
  boost::asio::post(io, [&task] { task(); });
  return result.get();
}

}  // namespace cxxenstored
