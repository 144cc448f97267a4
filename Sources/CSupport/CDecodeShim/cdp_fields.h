// cdp_fields.h – internal to CSupport: the fields the line layer (line_decode.cpp) takes from a
// CDP event, and the simdjson-free scanner for the common shapes (cdp_scan.cpp).
#ifndef QF_CDP_FIELDS_H
#define QF_CDP_FIELDS_H

#include <cstdint>
#include <string_view>

namespace qf {

/// Fields collected while walking a CDP event, decoded once the walk is complete.
struct CdpFields {
    std::string_view method;
    std::string_view request_id;
    std::string_view url;
    std::string_view payload_raw;  // escaped content of payloadData
    /// A text frame's payloadData already unescaped (match_frame_event's one pass, or
    /// match_escaped_frame_event's over both levels), in a parser buffer with QF_PADDING bytes of
    /// room after it; then `payload_raw` is empty.
    uint8_t *payload_text = nullptr;
    size_t payload_text_size = 0;
    /// params.timestamp as its JSON number token (every path: checked against the number grammar,
    /// converted by finish_frame only when the parser wants timestamps).
    std::string_view timestamp_text;
    int64_t opcode = -1;
    int64_t reply_id = -1;
    bool has_method = false, has_payload = false, has_reply = false;
};

/// WebSocket opcode of a text frame (RFC 6455): its payloadData is the text, JSON-escaped. Every
/// other opcode's payloadData is base64.
constexpr int64_t kOpcodeText = 1;

/// What a hand-written scanner made of a document (scan_cdp, and line_decode.cpp's flat
/// perf-log scan).
enum class ScanResult { parsed, fallback, malformed };

/// Scans a CDP event object `{"method":…,"params":{…}}` (or `{"id":…}`), or with `wrapped` a
/// perf-log message `{"message":{CDP event},"webview":…}`, filling `f`. Handles objects, plain
/// ASCII strings (escapes only inside payloadData, kept raw), numbers and literals, in any key
/// order and with any whitespace; arrays, non-ASCII or escaped keys and other surprises return
/// `fallback` (the caller uses simdjson), a structure that cannot be JSON returns `malformed`.
ScanResult scan_cdp(const uint8_t *begin, const uint8_t *end, bool wrapped, CdpFields &f);

/// Chrome's own serialisation of a WebSocket frame event, byte for byte – nearly every line of a
/// capture:
///   {"method":"…","params":{"requestId":"…","timestamp":…,"response":{"opcode":…,"mask":…,"payloadData":"…"}}}
/// or with `wrapped` the unescaped perf-log message around it, `{"message":EVENT,"webview":"…"}`.
/// Matches that fixed glue around the values, each read by scan_cdp's own readers (so a
/// value is judged exactly as scan_cdp judges it), without the general walk's key dispatch and
/// whitespace handling. `parsed` fills `f` as scan_cdp would; `malformed` where scan_cdp would
/// say so at the same byte; any other difference is `fallback`, and the caller starts over with
/// scan_cdp and a fresh `f`.
/// A text frame's payloadData is unescaped as it is read, into `scratch` (room for `end - begin`
/// bytes plus QF_PADDING), as `payload_text`, when its escapes are the short ones; otherwise it
/// is kept raw in `payload_raw` as scan_cdp keeps it.
ScanResult match_frame_event(const uint8_t *begin, const uint8_t *end, bool wrapped, uint8_t *scratch, CdpFields &f);

/// The same template inside a Selenium perf-log entry, read in its escaped form – the `message`
/// string's content from `begin` (just after its opening quote), without unescaping it first:
///   {\"message\":{\"method\":\"…\",\"params\":{…,\"payloadData\":\"…\"}}},\"webview\":\"…\"}"
/// `parsed` fills `f` as the unescaping path would and sets `*after` past the string's closing
/// quote. The strings are views of the line, except a payloadData with escapes inside: a text
/// frame's is unescaped at both levels in one pass into `scratch` (room for `end - begin` bytes
/// plus QF_PADDING) as `payload_text`, the frame's final text, when its inner escapes are the
/// common ones (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`); otherwise (`\u`, a bad escape, or
/// a binary frame's `\/`) the outer level alone is unescaped into `scratch` as `payload_raw`. Everything else – any other escape at the message's
/// level, control or non-ASCII bytes, another shape – is `fallback`, never `malformed`: the
/// unescaping path then judges the line.
ScanResult match_escaped_frame_event(const uint8_t *begin, const uint8_t *end, uint8_t *scratch, CdpFields &f,
                                     const uint8_t **after);

}  // namespace qf

#endif
