// A uniquely owned handle on a shared Transport. connection::Connection owns
// its transport through a unique_ptr, while a ring transport is also held by
// the domain table (which must be able to end it when the domain dies); this
// forwards every call to the shared one.
#pragma once

#include <memory>
#include <string>

#include "cxxenstored/connection/transport.h"

namespace cxxenstored::xen {

class SharedTransport final : public connection::Transport {
 public:
  explicit SharedTransport(std::shared_ptr<connection::Transport> inner) : inner_(std::move(inner)) {}

  void start(Handlers handlers) override { inner_->start(std::move(handlers)); }
  void send(std::string bytes) override { inner_->send(std::move(bytes)); }
  void send_message(std::string_view head, std::string body) override {
    inner_->send_message(head, std::move(body));
  }
  std::size_t pending_output() const override { return inner_->pending_output(); }
  void pause_input() override { inner_->pause_input(); }
  void resume_input() override { inner_->resume_input(); }
  void close() override { inner_->close(); }
  std::string describe() const override { return inner_->describe(); }

 private:
  std::shared_ptr<connection::Transport> inner_;
};

}  // namespace cxxenstored::xen
