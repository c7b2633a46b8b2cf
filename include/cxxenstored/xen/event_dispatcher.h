// Turns the hypervisor's event channel fd into per-port callbacks on the
// daemon's io_context: when the fd is readable it takes the pending ports one
// by one, runs the handler registered for each (only the signalled rings are
// touched, never a scan of all of them), and unmasks the port afterwards.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <functional>
#include <memory>
#include <unordered_map>

#include "cxxenstored/util/result.h"
#include "cxxenstored/xen/hypervisor.h"

namespace cxxenstored::xen {

class EventDispatcher {
 public:
  using Handler = std::function<void()>;
  // Called if reading pending ports fails (the event device is broken: the
  // C daemon exits in that case).
  using FatalHandler = std::function<void(Error)>;

  EventDispatcher(boost::asio::any_io_executor executor, Hypervisor& hypervisor,
                  FatalHandler on_fatal = {});
  ~EventDispatcher();
  EventDispatcher(const EventDispatcher&) = delete;
  EventDispatcher& operator=(const EventDispatcher&) = delete;

  // Starts waiting on the event fd.
  Result<void> start();
  // Stops waiting; handlers stay registered.
  void stop();

  void add(EvtchnPort local_port, Handler handler);
  void remove(EvtchnPort local_port);
  std::size_t size() const { return handlers_.size(); }

  // Takes and handles the ports pending right now (at most a batch); used by
  // the async wait, and directly by tests that drive the loop by hand.
  void drain();

 private:
  void wait();

  // Bounded so that one flood of events cannot starve the sockets.
  static constexpr int kBatch = 256;

  boost::asio::any_io_executor executor_;
  Hypervisor& hypervisor_;
  FatalHandler on_fatal_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> descriptor_;
  std::unordered_map<EvtchnPort, Handler> handlers_;
  // Lets callbacks still queued on the io_context notice the dispatcher died.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cxxenstored::xen
