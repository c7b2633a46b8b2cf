#include "script.h"

#include <charconv>
#include <sstream>

#include "wire_format.h"

namespace xsdiff {
namespace {

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

std::optional<uint32_t> number(std::string_view text) {
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Parses one non-blank, non-comment line into `step`; returns an error text.
std::string parse_line(std::string_view line, Step& step) {
  auto words = split_words(line);
  if (words.size() < 2) return "expected CONN COMMAND";
  step.conn = std::string(words[0]);
  size_t next = 2;
  std::string_view command = words[1];
  bool wants_type = true;
  bool wants_payload = true;
  if (command == "send") {
    step.kind = StepKind::kSend;
    if (words.size() < 3) return "send needs a message type";
    command = words[2];
    next = 3;
  } else if (command == "bytes") {
    step.kind = StepKind::kBytes;
    wants_type = false;
  } else if (command == "wait" || command == "idle" || command == "close") {
    step.kind = command == "wait" ? StepKind::kWait : command == "idle" ? StepKind::kIdle : StepKind::kClose;
    wants_type = false;
    wants_payload = false;
  }
  if (wants_type) {
    auto type = parse_type(command);
    if (!type) return "unknown message type " + std::string(command);
    step.type = *type;
  }
  size_t options_end = wants_payload ? words.size() - 1 : words.size();
  if (wants_payload && words.size() <= next) return "missing payload (write '' for none)";
  for (size_t i = next; i < options_end; ++i) {
    std::string_view word = words[i];
    auto value_of = [&](std::string_view key) -> std::optional<uint32_t> {
      return number(word.substr(key.size()));
    };
    if (word.starts_with("@") && word.size() > 1) {
      step.tx = std::string(word.substr(1));
    } else if (word.starts_with("=") && word.size() > 1) {
      step.bind = std::string(word.substr(1));
    } else if (word.starts_with("!") && word.size() > 1) {
      step.intentional = std::string(word.substr(1));
    } else if (word.starts_with("req=") && value_of("req=")) {
      step.req_id = value_of("req=");
    } else if (word.starts_with("len=") && value_of("len=")) {
      step.len = value_of("len=");
    } else if (word.starts_with("replies=") && value_of("replies=")) {
      step.replies = value_of("replies=");
    } else if (word.starts_with("split=") && value_of("split=")) {
      step.split = value_of("split=");
    } else {
      return "unknown option " + std::string(word);
    }
  }
  if (wants_payload) {
    std::string_view text = words.back();
    if (text == "''") return {};
    std::string error;
    auto bytes = unescape(text, error);
    if (!bytes) return error;
    step.payload = std::move(*bytes);
  }
  return {};
}

// "%i" in a line of a repeat block becomes the iteration number (from 0).
std::string substitute_index(std::string_view line, int index) {
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '%' && i + 1 < line.size() && line[i + 1] == 'i') {
      out += std::to_string(index);
      ++i;
    } else {
      out += line[i];
    }
  }
  return out;
}

}  // namespace

std::variant<Script, std::string> parse_script(const std::string& name, std::string_view text) {
  Script script{name, {}};
  int line_number = 0;
  // An open "repeat N" block: its count and its lines (with line numbers).
  // (A plain flag and count: g++ 12 misreads an optional here as maybe
  // uninitialised.)
  bool repeat = false;
  uint32_t repeat_count = 0;
  std::vector<std::pair<int, std::string>> block;
  auto add_step = [&](int number, std::string_view line) -> std::string {
    Step step;
    step.line = number;
    step.text = std::string(line.substr(line.find_first_not_of(" \t")));
    if (auto error = parse_line(line, step); !error.empty())
      return name + ":" + std::to_string(number) + ": " + error;
    script.steps.push_back(std::move(step));
    return {};
  };
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    auto words = split_words(line);
    if (words[0] == "repeat") {
      if (repeat) return name + ":" + std::to_string(line_number) + ": nested repeat";
      auto count = words.size() == 2 ? number(words[1]) : std::nullopt;
      if (!count) return name + ":" + std::to_string(line_number) + ": expected repeat N";
      repeat = true;
      repeat_count = *count;
      continue;
    }
    if (words[0] == "end" && words.size() == 1) {
      if (!repeat) return name + ":" + std::to_string(line_number) + ": end without repeat";
      for (uint32_t i = 0; i < repeat_count; ++i)
        for (const auto& [number, body] : block)
          if (auto error = add_step(number, substitute_index(body, static_cast<int>(i))); !error.empty())
            return error;
      repeat = false;
      block.clear();
      continue;
    }
    if (repeat) {
      block.emplace_back(line_number, std::string(line));
      continue;
    }
    if (auto error = add_step(line_number, line); !error.empty()) return error;
  }
  if (repeat) return name + ": repeat without end";
  return script;
}

}  // namespace xsdiff
