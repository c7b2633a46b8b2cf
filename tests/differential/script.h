// The text format of differential scripts (see scripts/README.md): one step a
// line, "CONN COMMAND [OPTIONS...] [PAYLOAD]", and "repeat N" ... "end"
// blocks whose lines are repeated with "%i" replaced by 0..N-1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xsdiff {

enum class StepKind {
  kRequest,  // frame, send, wait for the reply, then sync every connection
  kSend,     // frame and send, do not wait (pipelining, lying headers)
  kBytes,    // send raw bytes, do not wait
  kWait,     // wait for the next reply (or EOF) on the connection
  kIdle,     // record whatever arrives on the connection for a short while
  kClose,    // close the connection (it reopens on next use)
};

struct Step {
  int line = 0;
  std::string text;  // the script line, for reports
  std::string conn;
  StepKind kind = StepKind::kRequest;
  uint32_t type = 0;
  std::string payload;
  // Header tx_id: a name bound by an earlier "=name", or a literal number.
  std::optional<std::string> tx;
  // Name to bind the id returned by TRANSACTION_START to.
  std::optional<std::string> bind;
  std::optional<uint32_t> req_id;
  // Header len to claim instead of the payload's real length.
  std::optional<uint32_t> len;
  // Send the first `split` bytes, pause, then the rest.
  std::optional<uint32_t> split;
  // For "bytes": how many whole requests these bytes complete. Without it
  // the bytes are taken to leave a message incomplete.
  std::optional<uint32_t> replies;
  // Non-empty: this step's replies differ from the C daemon on purpose; the
  // name is the section of docs/compatibility.md that explains why.
  std::string intentional;
};

struct Script {
  std::string name;
  std::vector<Step> steps;
};

// Parses `text`; on error returns a message "NAME:LINE: what".
std::variant<Script, std::string> parse_script(const std::string& name, std::string_view text);

}  // namespace xsdiff
