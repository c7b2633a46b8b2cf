// xsdiff: the differential test tool.
//
//   xsdiff run SOCKET SCRIPT            print the normalised transcript
//   xsdiff compare REF TEST SCRIPT      run SCRIPT against the reference
//                                       daemon's socket REF and the tested
//                                       daemon's socket TEST, report every
//                                       step whose transcript differs
//   xsdiff generate SEED OPERATIONS     print a random script
//   xsdiff wait-ready SOCKET SECONDS    wait until a daemon answers there
//
// compare exits 0 when the only differences are on steps marked intentional
// ("!name"), 1 on any other difference, 2 on usage or script errors.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <thread>

#include "random_script.h"
#include "runner.h"
#include "script.h"
#include "wire_format.h"

namespace {

constexpr int kExitDiffers = 1;
constexpr int kExitUsage = 2;
constexpr int kMaxShown = 25;

int usage() {
  std::cerr << "usage: xsdiff run SOCKET SCRIPT\n"
               "       xsdiff compare REF_SOCKET TEST_SOCKET SCRIPT\n"
               "       xsdiff generate SEED OPERATIONS\n"
               "       xsdiff wait-ready SOCKET SECONDS\n";
  return kExitUsage;
}

std::optional<xsdiff::Script> load(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    std::cerr << "xsdiff: cannot read " << file << "\n";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = xsdiff::parse_script(file, text.str());
  if (auto* error = std::get_if<std::string>(&parsed)) {
    std::cerr << "xsdiff: " << *error << "\n";
    return std::nullopt;
  }
  return std::get<xsdiff::Script>(std::move(parsed));
}

void print_record(std::ostream& out, const xsdiff::StepRecord& record, const char* indent) {
  if (!record.request.empty()) out << indent << record.request << "\n";
  for (const auto& line : record.observed) out << indent << line << "\n";
}

int run(const std::string& socket, const std::string& file) {
  auto script = load(file);
  if (!script) return kExitUsage;
  auto records = xsdiff::run_script(*script, socket, {});
  for (size_t i = 0; i < records.size(); ++i) {
    std::cout << "# " << script->name << ":" << script->steps[i].line << ": " << script->steps[i].text << "\n";
    print_record(std::cout, records[i], "");
  }
  return 0;
}

int compare(const std::string& ref, const std::string& test, const std::string& file) {
  auto script = load(file);
  if (!script) return kExitUsage;
  auto expected = xsdiff::run_script(*script, ref, {});
  auto actual = xsdiff::run_script(*script, test, {});
  int unexpected = 0;
  int intentional = 0;
  // A script that waits for a reply the reference never sends, or uses a
  // connection the reference already closed, is wrong whatever the tested
  // daemon does: it must be fixed, not compared.
  for (size_t i = 0; i < script->steps.size(); ++i) {
    for (const auto& line : expected[i].observed) {
      if (line.ends_with(" <- TIMEOUT") || line.find(" !! ") != std::string::npos) {
        std::cout << script->name << ":" << script->steps[i].line << ": SCRIPT ERROR, the reference daemon gives: "
                  << line << "\n";
        ++unexpected;
      }
    }
  }
  int shown = 0;
  for (size_t i = 0; i < script->steps.size(); ++i) {
    if (expected[i].observed == actual[i].observed && expected[i].request == actual[i].request) continue;
    const auto& step = script->steps[i];
    bool on_purpose = !step.intentional.empty();
    (on_purpose ? intentional : unexpected)++;
    // Later steps of a script usually differ only as a consequence of the
    // first differences: show enough to diagnose, count the rest.
    if (++shown > kMaxShown) continue;
    std::cout << script->name << ":" << step.line << ": " << step.text << "\n"
              << (on_purpose ? "  INTENTIONAL difference, docs/compatibility.md: " + step.intentional
                             : std::string("  DIFFERENCE"))
              << "\n  expected (" << ref << "):\n";
    print_record(std::cout, expected[i], "    ");
    std::cout << "  actual (" << test << "):\n";
    print_record(std::cout, actual[i], "    ");
  }
  if (shown > kMaxShown) std::cout << "  (" << shown - kMaxShown << " more differing steps not shown)\n";
  // Where the tested daemon first dropped a connection the reference kept
  // (a crash shows as every connection closing at once).
  for (size_t i = 0; i < script->steps.size(); ++i) {
    auto closes = [](const xsdiff::StepRecord& record) {
      return std::count_if(record.observed.begin(), record.observed.end(),
                           [](const std::string& line) { return line.ends_with(" <- CLOSED"); });
    };
    if (closes(actual[i]) > closes(expected[i])) {
      std::cout << script->name << ":" << script->steps[i].line
                << ": the tested daemon dropped connection(s) here that the reference kept\n";
      break;
    }
  }
  std::cout << script->name << ": " << script->steps.size() << " steps, " << unexpected
            << " unexpected difference(s), " << intentional << " intentional\n";
  return unexpected == 0 ? 0 : kExitDiffers;
}

// A daemon is ready once it answers a request on a fresh connection.
int wait_ready(const std::string& socket, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  xsdiff::Script probe{"ready-probe", {}};
  xsdiff::Step step;
  step.conn = "probe";
  step.type = XS_GET_DOMAIN_PATH;
  step.payload = std::string("0") + '\0';
  probe.steps.push_back(step);
  for (;;) {
    auto records = xsdiff::run_script(probe, socket, {});
    const auto& seen = records.front().observed;
    if (!seen.empty() && seen.front().find(" <- GET_DOMAIN_PATH ") != std::string::npos) return 0;
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "xsdiff: no daemon answers on " << socket << "\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string command = argv[1];
  if (command == "run" && argc == 4) return run(argv[2], argv[3]);
  if (command == "compare" && argc == 5) return compare(argv[2], argv[3], argv[4]);
  if (command == "generate" && argc == 4) {
    char* end = nullptr;
    uint64_t seed = std::strtoull(argv[2], &end, 0);
    int operations = std::atoi(argv[3]);
    if (*end != '\0' || operations <= 0) return usage();
    std::cout << xsdiff::generate_random_script(seed, operations);
    return 0;
  }
  if (command == "wait-ready" && argc == 4) return wait_ready(argv[2], std::atoi(argv[3]));
  return usage();
}
