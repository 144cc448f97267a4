// shim_internal.h – private to CSupport (not under include/, never seen by Swift): what the
// decoding shim's layers share. The parser handle behind the opaque `qf_parser` (shim_parser.cpp),
// the padded scratch buffers it owns, simdjson error mapping, a few byte-level helpers, and the
// boundary every extern "C" entry point goes through so that no C++ exception crosses it.
// Layers: line_decode.cpp (qf_decode.h), broker_payloads.cpp (qf_payloads.h).
#ifndef QF_SHIM_INTERNAL_H
#define QF_SHIM_INTERNAL_H

#include "qf_codecs.h"
#include "qf_decode.h"
#include "qf_payloads.h"
#include "plain_decimal.h"

#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace qf {

/// First allocation of a PaddedBuffer; it doubles from there and never shrinks.
constexpr size_t kInitialBufferBytes = 4096;
/// Document size limit of qf_parser_create(0): 256 MiB.
constexpr size_t kDefaultMaxBytes = size_t(256) << 20;
/// Size limit of one updateCharts `settings` document (JSON inside a string; a few hundred
/// bytes in practice): 1 MiB. A larger one is QF_E_TOO_LARGE.
constexpr size_t kSettingsMaxBytes = size_t(1) << 20;

/// A growable byte buffer with QF_PADDING spare bytes that never shrinks.
struct PaddedBuffer {
    uint8_t *data = nullptr;
    size_t capacity = 0;  // usable bytes, excluding padding

    PaddedBuffer() = default;
    PaddedBuffer(const PaddedBuffer &) = delete;
    PaddedBuffer &operator=(const PaddedBuffer &) = delete;
    ~PaddedBuffer() { std::free(data); }

    /// Makes room for `n` bytes plus padding. False on allocation failure.
    bool reserve(size_t n) {
        if (n <= capacity) return true;
        size_t want = capacity ? capacity : kInitialBufferBytes;
        while (want < n) want *= 2;
        void *grown = std::realloc(data, want + QF_PADDING);
        if (!grown) return false;
        data = static_cast<uint8_t *>(grown);
        capacity = want;
        return true;
    }
};

/// Set by qf_decode_set_fast_paths (shim_parser.cpp); 0 sends every document through simdjson.
extern int fast_paths_flag;

inline bool fast_paths_enabled() { return __atomic_load_n(&fast_paths_flag, __ATOMIC_RELAXED) != 0; }

/// Maps a simdjson error to the C status that names it.
inline qf_status map_error(simdjson::error_code e) {
    switch (e) {
    case simdjson::SUCCESS: return QF_OK;
    case simdjson::UTF8_ERROR: return QF_E_UTF8;
    case simdjson::CAPACITY: return QF_E_TOO_LARGE;
    case simdjson::MEMALLOC: return QF_E_INTERNAL;
    case simdjson::INCORRECT_TYPE:
    case simdjson::NO_SUCH_FIELD:
    case simdjson::NUMBER_OUT_OF_RANGE:
    case simdjson::NUMBER_ERROR:
        return QF_E_FIELD;
    case simdjson::EMPTY: return QF_E_EMPTY;
    default: return QF_E_JSON;
    }
}

/// True when the document has no tokens left (nothing trails the root value).
inline bool doc_at_end(simdjson::ondemand::document &doc) {
    return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

inline bool is_space(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/// The content of a string token (`"…"` possibly followed by whitespace), without its quotes.
/// False when the token is not a string.
inline bool string_token_content(std::string_view token, std::string_view &content) {
    size_t n = token.size();
    while (n > 0 && is_space(static_cast<uint8_t>(token[n - 1]))) n--;
    if (n < 2 || token[0] != '"' || token[n - 1] != '"') return false;
    content = token.substr(1, n - 2);
    return true;
}

inline qf_bytes bytes_of(std::string_view s) {
    return qf_bytes{reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

/// The boundary of every extern "C" entry point that may run C++ which can throw (simdjson,
/// allocation): runs `body` and turns any exception into `on_exception`. noexcept, so even a
/// bug here ends in std::terminate rather than unwinding into C or Swift.
template <typename Result, typename Body>
inline Result c_boundary(Result on_exception, Body &&body) noexcept {
    try {
        return body();
    } catch (...) {
        return on_exception;
    }
}

/// Parses updateAssets rows into out->payouts (asset_rows.cpp). Rows of another shape are
/// counted in out->skipped_rows; at most kMaxAssetRows rows are looked at (the rest are counted).
qf_status parse_asset_rows(simdjson::ondemand::array arr, qf_payload *out);

}  // namespace qf

/// `return`s the mapped status from the enclosing function when a simdjson call fails.
#define QF_TRY(expr)                                                     \
    do {                                                                 \
        simdjson::error_code qf_err_ = (expr);                           \
        if (qf_err_ != simdjson::SUCCESS) return qf::map_error(qf_err_); \
    } while (0)

/// The parser handle behind `qf_parser *` (created in shim_parser.cpp). Each layer owns its
/// simdjson parsers and scratch buffers, so a frame from qf_parse_line stays valid while its
/// payload goes through qf_parse_event / qf_parse_payload.
struct qf_parser {
    size_t max_bytes;
    bool timestamps = true;  // qf_parser_set_timestamps
    // The line layer (line_decode.cpp).
    simdjson::ondemand::parser outer;  // the line
    simdjson::ondemand::parser inner;  // the perf-log message, unescaped
    qf::PaddedBuffer line_copy;        // a line without QF_PADDING readable bytes after it
    qf::PaddedBuffer inner_buf;        // the unescaped perf-log message
    qf::PaddedBuffer frame_payload;    // qf_frame.payload: unescaped text or base64-decoded bytes
    // The broker payload layer (broker_payloads.cpp).
    simdjson::ondemand::parser payload;   // Socket.IO event arrays and binary attachments
    simdjson::ondemand::parser settings;  // updateCharts' settings strings
    qf::PaddedBuffer settings_buf;        // one settings string, unescaped
    qf::PaddedBuffer chart_names;         // qf_chart.asset bytes (outlive the settings parser)

    explicit qf_parser(size_t max);
};

#endif
