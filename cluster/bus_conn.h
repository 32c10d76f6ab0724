#pragma once

// The cluster bus's transport: frames and one non-blocking TCP connection.
//
// A connection carries a stream of frames, each one bus message (the text
// of gossip.cc) behind an 8-byte header:
//
//   +------+------+------+------+------+------+------+------+-----------...
//   | 'L'  | 'S'  | 'M'  | 'B'  |  payload length, uint32 big-endian | payload
//   +------+------+------+------+------+------+------+------+-----------...
//
// The magic lets a receiver drop a connection that is not the bus (a
// client talking RESP to port + 10000) at its first bytes. A payload over
// kMaxMessage, or a bad magic, makes the stream unusable: the receiver
// closes the connection (there is no way to resynchronise).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lsmdb::cluster {

constexpr size_t kMaxMessage = 4 << 20;
constexpr size_t kFrameHeaderSize = 8;

// Appends the frame of `msg` to `*out`. REQUIRES: msg.size() <= kMaxMessage.
void AppendFrame(std::string_view msg, std::string* out);

enum class FrameStatus { kIncomplete, kFrame, kCorrupt };

// Looks at the start of `in`. kFrame: `*msg` is the first frame's payload
// (a view into `in`) and `*frame_size` its size, header included.
// kIncomplete: more bytes are needed. kCorrupt: bad magic or oversized.
FrameStatus ParseFrame(std::string_view in, std::string_view* msg, size_t* frame_size);

// One bus connection: an input buffer cut into frames and an output buffer
// written as fast as the socket takes it. It never blocks, so the thread
// owning it can serve other peers while this one is slow or stopped. Not
// thread-safe: one thread owns each connection.
class BusConn {
 public:
  // Takes ownership of `fd` (closed by the destructor) and makes it non-blocking.
  explicit BusConn(int fd);
  ~BusConn();
  BusConn(const BusConn&) = delete;
  BusConn& operator=(const BusConn&) = delete;

  int fd() const { return fd_; }
  // Queues the frame of `msg`; Flush() writes it. False (nothing queued)
  // if `msg` is over kMaxMessage.
  bool Send(std::string_view msg);
  bool has_output() const { return out_off_ < out_.size(); }
  size_t output_size() const { return out_.size() - out_off_; }
  // Writes what the socket takes now. False on a socket error.
  bool Flush();
  // Reads what the socket has (bounded, so one busy peer cannot starve the
  // others of the same thread) and appends the complete frames to
  // `*frames`. False on EOF, a socket error or a corrupt frame: the caller
  // applies `*frames` and then drops the connection.
  bool Receive(std::vector<std::string>* frames);

 private:
  int fd_;
  std::string in_;
  std::string out_;
  size_t out_off_ = 0;  // bytes of out_ already written
};

// Starts a non-blocking connect to ip:port (TCP_NODELAY, close-on-exec);
// -1 if it failed at once. The connection is established when poll reports
// POLLOUT and DialSucceeded() says so.
int StartDial(const std::string& ip, int port);
bool DialSucceeded(int fd);

// Milliseconds on the steady clock: the bus's deadlines and idle times.
int64_t SteadyMs();

// The IPv4 address of the socket's peer (`peer`) or local end; "" if none.
std::string SocketAddr(int fd, bool peer);

}  // namespace lsmdb::cluster
