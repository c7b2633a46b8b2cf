#include "cxxenstored/xen/event_dispatcher.h"

#include <boost/asio/post.hpp>

namespace cxxenstored::xen {

EventDispatcher::EventDispatcher(boost::asio::any_io_executor executor, Hypervisor& hypervisor,
                                 FatalHandler on_fatal)
    : executor_(std::move(executor)), hypervisor_(hypervisor), on_fatal_(std::move(on_fatal)) {}

EventDispatcher::~EventDispatcher() {
  *alive_ = false;
  stop();
}

Result<void> EventDispatcher::start() {
  if (descriptor_) return {};
  boost::system::error_code ec;
  auto descriptor = std::make_unique<boost::asio::posix::stream_descriptor>(executor_);
  descriptor->assign(hypervisor_.event_fd(), ec);
  if (ec) return Error{ec.value()};
  descriptor_ = std::move(descriptor);
  wait();
  return {};
}

void EventDispatcher::stop() {
  if (!descriptor_) return;
  boost::system::error_code ec;
  descriptor_->cancel(ec);
  // The fd belongs to the hypervisor handle: give it back, do not close it.
  descriptor_->release();
  descriptor_.reset();
}

void EventDispatcher::add(EvtchnPort local_port, Handler handler) {
  handlers_[local_port] = std::move(handler);
}

void EventDispatcher::remove(EvtchnPort local_port) { handlers_.erase(local_port); }

void EventDispatcher::wait() {
  if (!descriptor_) return;
  descriptor_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [this, alive = alive_](const boost::system::error_code& ec) {
                            if (!*alive || ec == boost::asio::error::operation_aborted) return;
                            if (ec) {
                              if (on_fatal_) on_fatal_(Error{ec.value()});
                              return;
                            }
                            drain();
                            wait();
                          });
}

void EventDispatcher::drain() {
  for (int i = 0; i < kBatch; ++i) {
    auto port = hypervisor_.pending();
    if (!port) {
      if (on_fatal_) on_fatal_(port.error());
      return;
    }
    if (!*port) return;
    auto it = handlers_.find(**port);
    if (it != handlers_.end()) {
      // Copy: the handler may remove itself (domain death) while running.
      Handler handler = it->second;
      handler();
    }
    // Unmask after handling, as the C daemon does: an event raised meanwhile
    // stays pending and is delivered again. A port its handler unbound cannot
    // be unmasked; that failure is expected and harmless.
    (void)hypervisor_.unmask(**port);
  }
  // More may be pending: the fd stays readable, so the next wait fires at once
  // after other ready handlers had their turn.
}

}  // namespace cxxenstored::xen
