#include "cxxenstored/connection/connection.h"

#include <spdlog/spdlog.h>

namespace cxxenstored::connection {

Connection::Connection(protocol::SessionId id, std::unique_ptr<Transport> transport,
                       protocol::Engine& engine, ConnectionOptions options, TraceSink* trace,
                       std::function<void(protocol::SessionId)> on_closed)
    : id_(id), transport_(std::move(transport)), engine_(engine), options_(options), trace_(trace),
      closed_callback_(std::move(on_closed)) {}

Connection::~Connection() {
  if (session_open_) engine_.close_session(id_);
}

void Connection::start(const store::Caller& caller) {
  engine_.open_session(id_, caller);
  session_open_ = true;
  if (trace_) trace_->connection_created(this);
  // Handlers hold only weak references: the connection set owns us.
  std::weak_ptr<Connection> weak = weak_from_this();
  Transport::Handlers handlers;
  handlers.on_data = [weak](std::string_view bytes) {
    if (auto self = weak.lock()) self->on_data(bytes);
  };
  handlers.on_drained = [weak] {
    if (auto self = weak.lock()) self->on_drained();
  };
  handlers.on_closed = [weak](CloseReason reason) {
    if (auto self = weak.lock()) self->on_closed(reason);
  };
  transport_->start(std::move(handlers));
}

bool Connection::output_full() const {
  return transport_->pending_output() > options_.output_high_water;
}

void Connection::send(protocol::Message message) {
  if (closed_) return;
  if (message.type() == XS_WATCH_EVENT && transport_->pending_output() > options_.event_queue_limit) {
    if (dropped_events_++ == 0)
      spdlog::warn("{}: not reading its output, dropping watch events", transport_->describe());
    return;
  }
  if (trace_) trace_->io(true, this, message);
  transport_->send(protocol::encode(message));
}

void Connection::on_data(std::string_view bytes) {
  decoder_.feed(bytes);
  process();
}

void Connection::process() {
  if (processing_) return;  // a reply delivered during handle() re-enters
  processing_ = true;
  auto self = shared_from_this();
  while (!closed_) {
    if (output_full()) {
      if (!paused_) {
        paused_ = true;
        transport_->pause_input();
      }
      break;
    }
    std::optional<protocol::Message> request = decoder_.next();
    if (!request) break;
    if (trace_) trace_->io(false, this, *request);
    engine_.handle(id_, *request);
  }
  processing_ = false;
  if (decoder_.broken() && !closed_) {
    // A payload above XENSTORE_PAYLOAD_MAX: the C daemon drops the client.
    spdlog::warn("{}: message longer than {} bytes, closing", transport_->describe(),
                 protocol::kPayloadMax);
    close();
  }
}

void Connection::on_drained() {
  if (!paused_ || closed_) return;
  paused_ = false;
  transport_->resume_input();
  process();
}

void Connection::restore_io(std::string pending_input, std::string pending_output) {
  if (!pending_output.empty()) transport_->send(std::move(pending_output));
  if (!pending_input.empty()) on_data(pending_input);
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  transport_->close();
}

void Connection::on_closed(CloseReason reason) {
  closed_ = true;
  if (reason == CloseReason::kIoError || reason == CloseReason::kProtocolError)
    spdlog::info("{}: connection lost", transport_->describe());
  if (session_open_) {
    engine_.close_session(id_);
    session_open_ = false;
  }
  if (trace_) trace_->connection_destroyed(this);
  auto callback = std::move(closed_callback_);
  if (callback) callback(id_);
}

}  // namespace cxxenstored::connection
