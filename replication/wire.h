#pragma once

// The replication wire format, and the socket helpers both ends use.
// docs/replication.md describes the protocol at length; in short:
//
// Handshake (replica -> primary, as an ordinary client; replies as Redis's):
//   PING                              -> +PONG
//   REPLCONF listening-port <port>    -> +OK
//   REPLCONF capa psync2              -> +OK
//   PSYNC <replid> <offset>           (or PSYNC ? -1 when the replica has no
//                                      offset record) -> one of:
//     +CONTINUE <replid>\r\n            then the stream
//     +FULLRESYNC <replid> <offset>\r\n then the snapshot, then the stream
//
// After the status line every frame, in both directions, is a RESP array of
// bulk strings (the replica parses them with resp::RequestParser):
//   primary -> replica
//     CHUNK <file name> <byte offset> <bytes>   a piece of a snapshot file;
//                                               offsets of one file ascend
//                                               from 0 with no gap
//     SNAPEND <file count> <total bytes>        the snapshot is complete
//     BATCH <last sequence> <encoded WriteBatch> one WAL record of the primary
//     PING                                      keepalive, once a second idle
//   replica -> primary
//     REPLCONF ACK <offset>                     applied up to <offset>
//
// Offsets are the primary's engine sequence numbers: a replica that has
// applied a BATCH has applied everything up to its <last sequence>.
//
// The replica keeps its position in the engine itself, in the record
//   key   := 0xFF "repl"
//   value := replid (40 hex chars) ' ' offset (decimal)
// written in the same WriteBatch as the records it accounts for, so data
// and offset survive a crash together. 0xFF is outside the keyspace's record
// tags ('M', 'S', 'Z', 'E'), so commands never see it.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "lsmdb/status.h"

namespace lsmdb::repl {

inline const std::string kOffsetKey = std::string("\xff") + "repl";

// Size of one CHUNK frame's payload.
inline constexpr size_t kChunkBytes = 1 << 20;

// A replica that hears nothing (not even a PING) for this long drops the link.
inline constexpr int64_t kLinkTimeoutMs = 10000;

// "replid offset" <-> parts. Decode is false for a malformed value.
std::string EncodeOffsetValue(std::string_view replid, uint64_t offset);
bool DecodeOffsetValue(std::string_view value, std::string* replid, uint64_t* offset);

// Appends a RESP array of bulk strings to *out.
void AppendFrame(std::string* out, std::initializer_list<std::string_view> parts);

// The sequence of the last record of an encoded WriteBatch (header only);
// false if `contents` is too short or holds no record.
bool BatchLastSequence(std::string_view contents, uint64_t* last);

bool ParseUint(std::string_view s, uint64_t* out);

// Monotonic clock, ms.
int64_t NowMs();

// ---- sockets (POSIX fds, non-blocking) ----

// Connects to host:port within timeout_ms. The fd is non-blocking, TCP_NODELAY.
Result<int> ConnectTcp(const std::string& host, int port, int timeout_ms);
void SetNonBlocking(int fd);
// Writes all of `data`, waiting for the socket at most until deadline_ms.
Status WriteAll(int fd, std::string_view data, int64_t deadline_ms);
// Reads what is available (waiting up to timeout_ms for something; 0: no
// wait) and appends it to *buf, up to about 4 MiB. IOError on EOF
// ("connection closed") or error; OK with nothing appended on timeout.
Status ReadSome(int fd, std::string* buf, int timeout_ms);

}  // namespace lsmdb::repl
