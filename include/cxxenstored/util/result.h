// Errors as values: every module boundary returns Result<T>, never throws.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace cxxenstored {

// Why an operation failed: an errno value from the table in xen/io/xs_wire.h,
// so the protocol layer can send it to the client unchanged.
struct Error {
  int code;
  friend bool operator==(Error, Error) = default;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(error) {}         // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Error error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(error), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  Error error() const { assert(!ok_); return error_; }

 private:
  Error error_{0};
  bool ok_ = true;
};

// Returns the error of a failed Result from the enclosing function.
#define CXS_TRY(expr)                              \
  do {                                             \
    auto cxs_try_result_ = (expr);                 \
    if (!cxs_try_result_) return cxs_try_result_.error(); \
  } while (0)

}  // namespace cxxenstored
