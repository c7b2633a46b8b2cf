#include "cxxenstored/protocol/decoder.h"

#include <cstring>

namespace cxxenstored::protocol {

std::size_t Decoder::feed(std::string_view bytes) {
  if (broken_) return 0;
  // Compact lazily so a long pipelined burst is not shifted per message.
  if (offset_ > 0 && offset_ >= buffer_.size() / 2) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(bytes);
  return bytes.size();
}

std::optional<Message> Decoder::next() {
  if (broken_ || buffered() < kHeaderSize) return std::nullopt;
  Message message;
  std::memcpy(&message.header, buffer_.data() + offset_, kHeaderSize);
  if (message.header.len > kPayloadMax) {
    broken_ = true;
    return std::nullopt;
  }
  if (buffered() < kHeaderSize + message.header.len) return std::nullopt;
  message.payload.assign(buffer_, offset_ + kHeaderSize, message.header.len);
  offset_ += kHeaderSize + message.header.len;
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  }
  return message;
}

}  // namespace cxxenstored::protocol
