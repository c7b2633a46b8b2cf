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
  Message message;
  if (!next(message)) return std::nullopt;
  return message;
}

bool Decoder::next(Message& out) {
  if (broken_ || buffered() < kHeaderSize) return false;
  Header header;
  std::memcpy(&header, buffer_.data() + offset_, kHeaderSize);
  if (header.len > kPayloadMax) {
    broken_ = true;
    return false;
  }
  if (buffered() < kHeaderSize + header.len) return false;
  out.header = header;
  out.payload.assign(buffer_, offset_ + kHeaderSize, header.len);
  offset_ += kHeaderSize + header.len;
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  }
  return true;
}

}  // namespace cxxenstored::protocol
