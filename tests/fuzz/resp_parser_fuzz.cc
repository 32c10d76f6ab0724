// libFuzzer target: protocol/resp_parser.h's RequestParser.
//
// Input layout: byte 0 picks the parser limits (default, or tiny ones so the
// "too big" paths run); the rest is split by FuzzedDataProvider into the wire
// bytes (front) and the chunk sizes they arrive in (back).
//
// The input is parsed twice:
//   whole:   all wire bytes in one buffer, commands taken until kIncomplete
//            or kError;
//   chunked: the bytes arrive in random chunks, as a connection sees them;
//            each Parse() gets a fresh heap copy of the unconsumed bytes (so
//            a view kept across calls or a read past the end is an ASan error).
// Invariants checked (a violation aborts, which libFuzzer reports as a crash):
//   - kIncomplete and kError leave *consumed at 0; kCommand has
//     0 < *consumed <= size;
//   - every arg lies inside the consumed bytes or wholly outside the buffer
//     (parser-owned storage of unquoted inline args); all its bytes readable;
//   - kError comes with a non-empty "ERR Protocol error..." text;
//   - the chunked commands are a prefix of the whole-buffer commands, and the
//     same list when the chunked run ends without error; a chunked run may
//     stop earlier only with a size-limit error (the whole buffer may hold the
//     line end that a chunk had not brought yet).

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_parser.h"

namespace {

using lsmdb::resp::ParserLimits;
using lsmdb::resp::RequestParser;
using Command = std::vector<std::string>;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "resp_parser_fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

struct RunResult {
  std::vector<Command> commands;
  bool error = false;
  std::string error_text;
};

// One Parse() call on a private copy of `pending`, with the invariants above.
RequestParser::Outcome ParseOnce(RequestParser& parser, const std::string& pending,
                                 size_t* consumed, RunResult* out) {
  const size_t n = pending.size();
  std::unique_ptr<char[]> copy(new char[n == 0 ? 1 : n]);
  if (n > 0) std::memcpy(copy.get(), pending.data(), n);
  *consumed = 12345;  // Parse must overwrite it
  RequestParser::Outcome o = parser.Parse(std::string_view(copy.get(), n), consumed);
  (void)parser.BytesWanted();
  switch (o) {
    case RequestParser::Outcome::kIncomplete:
      Check(*consumed == 0, "kIncomplete with consumed != 0");
      break;
    case RequestParser::Outcome::kError:
      Check(*consumed == 0, "kError with consumed != 0");
      Check(parser.error().rfind("ERR Protocol error", 0) == 0, "error text");
      out->error = true;
      out->error_text = parser.error();
      break;
    case RequestParser::Outcome::kCommand: {
      Check(*consumed > 0 && *consumed <= n, "kCommand consumed out of range");
      const char* lo = copy.get();
      const char* hi = copy.get() + n;
      Command cmd;
      for (std::string_view a : parser.args()) {
        const char* b = a.data();
        const char* e = a.data() + a.size();
        const bool inside = b >= lo && e <= copy.get() + *consumed;
        const bool outside = e <= lo || b >= hi;
        Check(inside || outside || a.empty(), "arg straddles the buffer or past consumed");
        cmd.emplace_back(a);  // reads every byte: ASan checks they are valid
      }
      out->commands.push_back(std::move(cmd));
      break;
    }
  }
  return o;
}

bool IsLimitError(const std::string& e) {
  return e.find("too big") != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ParserLimits limits;
  if (data[0] & 1) {
    limits.max_bulk_len = 64;
    limits.max_multibulk_len = 8;
    limits.max_inline_len = 32;
  }
  FuzzedDataProvider fdp(data + 1, size - 1);
  const std::string wire = fdp.ConsumeRandomLengthString(size);
  std::vector<size_t> chunks;
  while (fdp.remaining_bytes() > 0) chunks.push_back(fdp.ConsumeIntegralInRange<size_t>(1, 64));

  // Whole buffer.
  RunResult whole;
  {
    RequestParser parser(limits);
    std::string pending = wire;
    while (!pending.empty()) {
      size_t consumed = 0;
      auto o = ParseOnce(parser, pending, &consumed, &whole);
      if (o != RequestParser::Outcome::kCommand) break;
      pending.erase(0, consumed);
    }
  }

  // Chunked arrival.
  RunResult chunked;
  {
    RequestParser parser(limits);
    std::string pending;
    size_t fed = 0;
    size_t next_chunk = 0;
    bool stop = false;
    while (fed < wire.size() && !stop) {
      size_t n = next_chunk < chunks.size() ? chunks[next_chunk++] : wire.size() - fed;
      if (n > wire.size() - fed) n = wire.size() - fed;
      pending.append(wire, fed, n);
      fed += n;
      // Drain every complete command in the buffer, as the connection does.
      while (!pending.empty()) {
        size_t consumed = 0;
        auto o = ParseOnce(parser, pending, &consumed, &chunked);
        if (o == RequestParser::Outcome::kError) stop = true;
        if (o != RequestParser::Outcome::kCommand) break;
        pending.erase(0, consumed);
      }
    }
  }

  Check(chunked.commands.size() <= whole.commands.size(), "chunked parsed more commands");
  for (size_t i = 0; i < chunked.commands.size(); ++i) {
    Check(chunked.commands[i] == whole.commands[i], "chunked command differs from whole");
  }
  if (!chunked.error) {
    Check(chunked.commands.size() == whole.commands.size(), "chunked run lost commands");
    Check(!whole.error, "whole run failed but chunked did not");
  } else if (chunked.commands.size() < whole.commands.size() || !whole.error) {
    Check(IsLimitError(chunked.error_text), "chunked failed early with a non-limit error");
  } else {
    Check(chunked.error_text == whole.error_text || IsLimitError(chunked.error_text),
          "different error texts");
  }
  return 0;
}
