// decode_shim.cpp – simdjson On Demand behind the plain-C API of qf_decode.h.
//
// Cost model (see docs/performance.md): a Selenium perf-log entry holds the CDP event as an
// escaped JSON string. Instead of asking simdjson to unescape it field by field, the shim takes
// the raw token of `message`, unescapes it once with a memchr/memcpy loop into a padded buffer
// and parses that as a second document. Text payloads are unescaped the same way; binary payloads
// go straight from the raw token to the base64 decoder. Every buffer is owned by the parser and
// only ever grows, so steady-state decoding allocates nothing.
//
// No exception may leave this file: every entry point is noexcept and wraps its body in try/catch.

#include "qf_decode.h"
#include "cdp_fields.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string_view>

using namespace simdjson;
using simdjson::ondemand::raw_json_string;

namespace {

/// Benchmarks and tests: 0 turns the hand-written fast paths off (simdjson for everything).
int fast_paths_enabled = 1;

/// A growable byte buffer with QF_PADDING spare bytes that never shrinks.
struct PaddedBuffer {
    uint8_t *data = nullptr;
    size_t capacity = 0;  // usable bytes, excluding padding

    ~PaddedBuffer() { std::free(data); }

    /// Makes room for `n` bytes plus padding. False on allocation failure.
    bool reserve(size_t n) {
        if (n <= capacity) return true;
        size_t want = capacity ? capacity : 4096;
        while (want < n) want *= 2;
        void *grown = std::realloc(data, want + QF_PADDING);
        if (!grown) return false;
        data = static_cast<uint8_t *>(grown);
        capacity = want;
        return true;
    }
};

/// A simdjson parser that grows to the largest document seen (up to the shim's limit).
struct DocParser {
    ondemand::parser parser;
    explicit DocParser(size_t max) : parser(max) {}
};

qf_status map_error(error_code e) {
    switch (e) {
    case SUCCESS: return QF_OK;
    case UTF8_ERROR: return QF_E_UTF8;
    case CAPACITY: return QF_E_TOO_LARGE;
    case MEMALLOC: return QF_E_INTERNAL;
    case INCORRECT_TYPE:
    case NO_SUCH_FIELD:
    case NUMBER_OUT_OF_RANGE:
    case NUMBER_ERROR:
        return QF_E_FIELD;
    case EMPTY: return QF_E_EMPTY;
    default: return QF_E_JSON;
    }
}

#define QF_TRY(expr)                                       \
    do {                                                   \
        error_code qf_err_ = (expr);                       \
        if (qf_err_ != SUCCESS) return map_error(qf_err_); \
    } while (0)

/// True when the document has no tokens left (nothing trails the root value).
inline bool doc_at_end(ondemand::document &doc) {
    return doc.current_location().error() == OUT_OF_BOUNDS;
}

inline bool is_space(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/// The content of a string token (`"…"` possibly followed by whitespace), without its quotes.
/// Empty view with ok=false when the token is not a string.
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

inline double normalize_epoch(double t) {
    // A value above 1e12 is milliseconds.
    return t > 1e12 ? t / 1000.0 : t;
}

qf_method method_from_name(std::string_view m) {
    if (m.size() < 8 || m.compare(0, 8, "Network.") != 0) return QF_METHOD_OTHER;
    std::string_view rest = m.substr(8);
    if (rest == "webSocketFrameReceived") return QF_METHOD_FRAME_RECEIVED;
    if (rest == "webSocketFrameSent") return QF_METHOD_FRAME_SENT;
    if (rest == "webSocketCreated") return QF_METHOD_CREATED;
    if (rest == "webSocketClosed") return QF_METHOD_CLOSED;
    if (rest == "webSocketFrameError") return QF_METHOD_FRAME_ERROR;
    return QF_METHOD_OTHER;
}

qf_event_kind event_from_name(std::string_view n) {
    if (n == "updateStream") return QF_EVENT_UPDATE_STREAM;
    if (n == "updateHistoryNewFast") return QF_EVENT_HISTORY_NEW_FAST;
    if (n == "loadHistoryPeriodFast") return QF_EVENT_LOAD_HISTORY_PERIOD;
    if (n == "updateCharts") return QF_EVENT_UPDATE_CHARTS;
    return QF_EVENT_OTHER;
}

}  // namespace

struct qf_parser {
    size_t max_bytes;
    DocParser outer;     // the line
    DocParser inner;     // the perf-log message, unescaped
    DocParser payload;   // Socket.IO event arrays and binary attachments
    DocParser settings;  // updateCharts' settings strings
    PaddedBuffer line_copy, inner_buf, payload_buf, settings_buf, chart_names;

    explicit qf_parser(size_t max)
        : max_bytes(max), outer(max), inner(max), payload(max), settings(1 << 20) {}
};

namespace {

using qf::CdpFields;

qf_status walk_response(ondemand::object response, CdpFields &f) {
    for (auto field_result : response) {
        ondemand::field field;
        QF_TRY(std::move(field_result).get(field));
        raw_json_string key = field.key();
        if (key.unsafe_is_equal("opcode")) {
            QF_TRY(field.value().get_int64().get(f.opcode));
        } else if (key.unsafe_is_equal("payloadData")) {
            std::string_view token;
            token = field.value().raw_json_token();
            if (!string_token_content(token, f.payload_raw)) return QF_E_FIELD;
            f.has_payload = true;
        }
    }
    return QF_OK;
}

qf_status walk_params(ondemand::object params, CdpFields &f) {
    for (auto field_result : params) {
        ondemand::field field;
        QF_TRY(std::move(field_result).get(field));
        raw_json_string key = field.key();
        if (key.unsafe_is_equal("requestId")) {
            QF_TRY(field.value().get_string().get(f.request_id));
        } else if (key.unsafe_is_equal("timestamp")) {
            QF_TRY(field.value().get_double().get(f.timestamp));
        } else if (key.unsafe_is_equal("response")) {
            ondemand::object response;
            QF_TRY(field.value().get_object().get(response));
            qf_status s = walk_response(response, f);
            if (s != QF_OK) return s;
        } else if (key.unsafe_is_equal("url")) {
            QF_TRY(field.value().get_string().get(f.url));
        }
    }
    f.has_params = true;
    return QF_OK;
}

/// Walks the fields of a CDP event object ({method, params} or a reply {id, result}).
qf_status walk_cdp(ondemand::object obj, CdpFields &f) {
    for (auto field_result : obj) {
        ondemand::field field;
        QF_TRY(std::move(field_result).get(field));
        raw_json_string key = field.key();
        if (key.unsafe_is_equal("method")) {
            QF_TRY(field.value().get_string().get(f.method));
            f.has_method = true;
        } else if (key.unsafe_is_equal("params")) {
            ondemand::object params;
            QF_TRY(field.value().get_object().get(params));
            qf_status s = walk_params(params, f);
            if (s != QF_OK) return s;
        } else if (key.unsafe_is_equal("id")) {
            QF_TRY(field.value().get_int64().get(f.reply_id));
            f.has_reply = true;
        }
    }
    return QF_OK;
}

/// Decodes the collected payloadData into the parser's payload buffer.
qf_status decode_payload(qf_parser *p, const CdpFields &f, qf_frame *out) {
    std::string_view raw = f.payload_raw;
    if (raw.size() > p->max_bytes) return QF_E_TOO_LARGE;
    if (!p->payload_buf.reserve(raw.size() + 4)) return QF_E_INTERNAL;
    uint8_t *dst = p->payload_buf.data;
    const uint8_t *src = reinterpret_cast<const uint8_t *>(raw.data());
    ptrdiff_t n;
    if (f.opcode == 1) {
        n = qf_json_unescape(src, raw.size(), dst);
        if (n < 0) return QF_E_JSON;
    } else {
        if (std::memchr(src, '\\', raw.size()) != nullptr) {
            // Base64 never needs escapes, but `\/` is legal JSON: unescape in place first.
            ptrdiff_t m = qf_json_unescape(src, raw.size(), dst);
            if (m < 0) return QF_E_JSON;
            // Decoding in place is safe: output index never passes input index.
            n = qf_base64_decode(dst, static_cast<size_t>(m), dst);
        } else {
            n = qf_base64_decode(src, raw.size(), dst);
        }
        if (n < 0) return QF_E_BASE64;
    }
    std::memset(dst + n, 0, QF_PADDING);
    out->payload = qf_bytes{dst, static_cast<size_t>(n)};
    out->has_payload = 1;
    return QF_OK;
}

qf_status finish_frame(qf_parser *p, const CdpFields &f, qf_frame *out) {
    if (f.has_method) {
        out->method = method_from_name(f.method);
        out->method_name = bytes_of(f.method);
    } else if (f.has_reply) {
        out->method = QF_METHOD_REPLY;
        out->reply_id = f.reply_id;
        return QF_OK;
    } else {
        return QF_E_NOT_CDP;
    }
    out->timestamp = f.timestamp;
    out->request_id = bytes_of(f.request_id);
    out->url = bytes_of(f.url);
    out->opcode = static_cast<int32_t>(f.opcode);
    bool frame_event = out->method == QF_METHOD_FRAME_RECEIVED || out->method == QF_METHOD_FRAME_SENT;
    if (frame_event) {
        if (!f.has_payload || f.opcode < 0 || f.request_id.empty()) return QF_E_FIELD;
        return decode_payload(p, f, out);
    }
    return QF_OK;
}

/// Parses the unescaped perf-log message in inner_buf: {"message":{CDP event},"webview":…}.
qf_status parse_perflog_inner(qf_parser *p, size_t n, qf_frame *out) {
    if (__atomic_load_n(&fast_paths_enabled, __ATOMIC_RELAXED)) {
        CdpFields f;
        switch (qf::scan_cdp(p->inner_buf.data, p->inner_buf.data + n, true, f)) {
        case qf::ScanResult::parsed:
            if (!f.has_method && !f.has_reply) return QF_E_NOT_CDP;
            out->form = QF_FORM_PERFLOG;
            return finish_frame(p, f, out);
        case qf::ScanResult::malformed: return QF_E_JSON;
        case qf::ScanResult::fallback: break;
        }
    }
    ondemand::document doc;
    QF_TRY(p->inner.parser.iterate(p->inner_buf.data, n, p->inner_buf.capacity + QF_PADDING).get(doc));
    ondemand::object root;
    QF_TRY(doc.get_object().get(root));
    CdpFields f;
    bool found = false;
    for (auto field_result : root) {
        ondemand::field field;
        QF_TRY(std::move(field_result).get(field));
        if (field.key().unsafe_is_equal("message")) {
            ondemand::object event;
            if (field.value().get_object().get(event) != SUCCESS) return QF_E_NOT_CDP;
            qf_status s = walk_cdp(event, f);
            if (s != QF_OK) return s;
            found = true;
        }
    }
    if (!doc_at_end(doc)) return QF_E_JSON;
    if (!found) return QF_E_NOT_CDP;
    out->form = QF_FORM_PERFLOG;
    return finish_frame(p, f, out);
}

/// The perf-log path through simdjson: `message` is a JSON string holding the CDP event.
qf_status parse_perflog_message(qf_parser *p, std::string_view escaped, qf_frame *out) {
    if (escaped.size() > p->max_bytes) return QF_E_TOO_LARGE;
    if (!p->inner_buf.reserve(escaped.size())) return QF_E_INTERNAL;
    ptrdiff_t n = qf_json_unescape(reinterpret_cast<const uint8_t *>(escaped.data()), escaped.size(),
                                   p->inner_buf.data);
    if (n < 0) return QF_E_JSON;
    return parse_perflog_inner(p, static_cast<size_t>(n), out);
}

/// Outcome of the flat perf-log scan.
enum class FlatScan { parsed, fallback, malformed };

inline const uint8_t *skip_space(const uint8_t *p, const uint8_t *end) {
    while (p < end && is_space(*p)) p++;
    return p;
}

/// The fast path for Selenium perf-log entries, which are flat objects of plain keys, short
/// strings and numbers around one long `message` string: validates that flat shape itself and
/// unescapes `message` straight into inner_buf in the same pass, so the outer level costs one
/// scan instead of a simdjson parse plus a second pass over the string. Anything else (nested
/// values, escapes outside `message`, non-ASCII outside `message`) falls back to simdjson.
FlatScan scan_flat_perflog(qf_parser *p, const uint8_t *line, size_t len, size_t *inner_len) {
    const uint8_t *q = line, *end = line + len;
    q = skip_space(q, end);
    if (q == end || *q != '{') return FlatScan::fallback;
    q++;
    bool has_message = false;
    while (true) {
        q = skip_space(q, end);
        if (q == end || *q != '"') return FlatScan::fallback;
        const uint8_t *key = ++q;
        while (q < end && *q != '"') {
            if (*q == '\\' || *q < 0x20 || *q >= 0x80) return FlatScan::fallback;
            q++;
        }
        if (q == end) return FlatScan::fallback;
        std::string_view name(reinterpret_cast<const char *>(key), static_cast<size_t>(q - key));
        q = skip_space(q + 1, end);
        if (q == end || *q != ':') return FlatScan::fallback;
        q = skip_space(q + 1, end);
        if (q == end) return FlatScan::fallback;
        if (name == "message") {
            if (*q != '"' || has_message) return FlatScan::fallback;
            size_t room = static_cast<size_t>(end - q);
            if (!p->inner_buf.reserve(room)) return FlatScan::fallback;
            const uint8_t *after = nullptr;
            ptrdiff_t n = qf_json_unescape_string(q + 1, end, p->inner_buf.data, &after);
            if (n < 0) return FlatScan::malformed;
            *inner_len = static_cast<size_t>(n);
            has_message = true;
            q = after;
        } else if (*q == '"') {
            q++;
            while (q < end && *q != '"') {
                if (*q == '\\' || *q < 0x20 || *q >= 0x80) return FlatScan::fallback;
                q++;
            }
            if (q == end) return FlatScan::fallback;
            q++;
        } else {
            // A number or a literal: [-+.0-9eE] or letters of true/false/null.
            const uint8_t *start = q;
            while (q < end && ((*q >= '0' && *q <= '9') || *q == '-' || *q == '+' || *q == '.' ||
                               *q == 'e' || *q == 'E' || (*q >= 'a' && *q <= 'z')))
                q++;
            if (q == start) return FlatScan::fallback;
        }
        q = skip_space(q, end);
        if (q == end) return FlatScan::fallback;
        if (*q == ',') { q++; continue; }
        if (*q == '}') { q++; break; }
        return FlatScan::fallback;
    }
    q = skip_space(q, end);
    if (q != end || !has_message) return FlatScan::fallback;
    return FlatScan::parsed;
}

qf_status parse_line(qf_parser *p, const uint8_t *line, size_t len, size_t readable, qf_frame *out) {
    *out = qf_frame{};
    out->opcode = -1;
    out->reply_id = -1;
    out->timestamp = std::numeric_limits<double>::quiet_NaN();
    while (len > 0 && is_space(line[len - 1])) len--;
    while (len > 0 && is_space(line[0])) { line++; len--; readable--; }
    if (len == 0) return QF_E_EMPTY;
    if (len > p->max_bytes) return QF_E_TOO_LARGE;
    if (readable < len + QF_PADDING) {
        if (!p->line_copy.reserve(len)) return QF_E_INTERNAL;
        std::memcpy(p->line_copy.data, line, len);
        std::memset(p->line_copy.data + len, 0, QF_PADDING);
        line = p->line_copy.data;
        readable = len + QF_PADDING;
    }
    // Perf-log entries: the flat fast path; raw CDP events (they start with {"method" or {"id"):
    // the direct scanner. Both fall back to simdjson for any shape they don't take.
    static constexpr std::string_view cdp_method = "{\"method\"", cdp_id = "{\"id\"";
    std::string_view head(reinterpret_cast<const char *>(line), len < 10 ? len : 10);
    bool fast = __atomic_load_n(&fast_paths_enabled, __ATOMIC_RELAXED) != 0;
    if (!fast) {
        // simdjson only (below)
    } else if (head.compare(0, cdp_method.size(), cdp_method) != 0 && head.compare(0, cdp_id.size(), cdp_id) != 0) {
        size_t inner_len = 0;
        switch (scan_flat_perflog(p, line, len, &inner_len)) {
        case FlatScan::parsed: return parse_perflog_inner(p, inner_len, out);
        case FlatScan::malformed: return QF_E_JSON;
        case FlatScan::fallback: break;
        }
    } else {
        // Raw CDP events: the direct scanner, simdjson for anything it leaves.
        CdpFields f;
        switch (qf::scan_cdp(line, line + len, false, f)) {
        case qf::ScanResult::parsed:
            out->form = QF_FORM_CDP;
            return finish_frame(p, f, out);
        case qf::ScanResult::malformed: return QF_E_JSON;
        case qf::ScanResult::fallback: break;
        }
    }
    ondemand::document doc;
    QF_TRY(p->outer.parser.iterate(line, len, readable).get(doc));
    ondemand::object root;
    if (doc.get_object().get(root) != SUCCESS) {
        // Distinguish garbage from valid non-object JSON.
        return QF_E_JSON;
    }
    CdpFields f;
    std::string_view message;
    bool has_message = false;
    for (auto field_result : root) {
        ondemand::field field;
        QF_TRY(std::move(field_result).get(field));
        raw_json_string key = field.key();
        if (key.unsafe_is_equal("message")) {
            std::string_view token;
            token = field.value().raw_json_token();
            if (!string_token_content(token, message)) return QF_E_NOT_CDP;
            has_message = true;
        } else if (key.unsafe_is_equal("method")) {
            QF_TRY(field.value().get_string().get(f.method));
            f.has_method = true;
        } else if (key.unsafe_is_equal("params")) {
            ondemand::object params;
            QF_TRY(field.value().get_object().get(params));
            qf_status s = walk_params(params, f);
            if (s != QF_OK) return s;
        } else if (key.unsafe_is_equal("id")) {
            QF_TRY(field.value().get_int64().get(f.reply_id));
            f.has_reply = true;
        }
    }
    if (!doc_at_end(doc)) return QF_E_JSON;
    if (has_message && !f.has_method) return parse_perflog_message(p, message, out);
    out->form = QF_FORM_CDP;
    return finish_frame(p, f, out);
}

// ---------------------------------------------------------------------------------------------
// PocketOption payloads
// ---------------------------------------------------------------------------------------------

inline qf_status get_number(ondemand::value v, double &out) {
    QF_TRY(v.get_double().get(out));
    return QF_OK;
}

/// [[asset, time, price], …] – every tuple.
qf_status parse_stream(ondemand::array arr, qf_payload *out) {
    size_t n = 0;
    for (auto item_result : arr) {
        ondemand::array tuple;
        QF_TRY(item_result.get_array().get(tuple));
        std::string_view asset;
        double t = 0, price = 0;
        int field_index = 0;
        for (auto part : tuple) {
            switch (field_index) {
            case 0: QF_TRY(part.get_string().get(asset)); break;
            case 1: QF_TRY(part.get_double().get(t)); break;
            case 2: QF_TRY(part.get_double().get(price)); break;
            default: break;  // tolerate extra columns
            }
            field_index++;
        }
        if (field_index < 3 || asset.empty()) return QF_E_SHAPE;
        if (n < out->ticks_cap) out->ticks[n] = qf_tick{bytes_of(asset), normalize_epoch(t), price};
        n++;
    }
    out->n_ticks = n < out->ticks_cap ? n : out->ticks_cap;
    out->ticks_needed = n;
    out->kind = QF_EVENT_UPDATE_STREAM;
    return n > out->ticks_cap ? QF_E_CAPACITY : QF_OK;
}

/// [[t, price], …] history ticks.
qf_status parse_history_ticks(ondemand::array arr, qf_payload *out, size_t &n) {
    for (auto item_result : arr) {
        ondemand::array pair;
        QF_TRY(item_result.get_array().get(pair));
        double v[2] = {0, 0};
        int k = 0;
        for (auto part : pair) {
            if (k < 2) QF_TRY(part.get_double().get(v[k]));
            k++;
        }
        if (k < 2) return QF_E_SHAPE;
        if (n < out->ticks_cap) out->ticks[n] = qf_tick{qf_bytes{nullptr, 0}, normalize_epoch(v[0]), v[1]};
        n++;
    }
    return QF_OK;
}

/// [[t, open, close, high, low(, volume)], …]
qf_status parse_candle_rows(ondemand::array arr, qf_payload *out, size_t &n) {
    for (auto item_result : arr) {
        ondemand::array row;
        QF_TRY(item_result.get_array().get(row));
        double v[6] = {0, 0, 0, 0, 0, std::numeric_limits<double>::quiet_NaN()};
        int k = 0;
        for (auto part : row) {
            if (k < 6) QF_TRY(part.get_double().get(v[k]));
            k++;
        }
        if (k < 5) return QF_E_SHAPE;
        if (n < out->candles_cap) out->candles[n] = qf_candle{normalize_epoch(v[0]), v[1], v[2], v[3], v[4], v[5]};
        n++;
    }
    return QF_OK;
}

/// [{time, open, close, high, low(, volume)}, …] (loadHistoryPeriodFast's data)
qf_status parse_candle_objects(ondemand::array arr, qf_payload *out, size_t &n) {
    for (auto item_result : arr) {
        ondemand::object obj;
        QF_TRY(item_result.get_object().get(obj));
        qf_candle c{0, 0, 0, 0, 0, std::numeric_limits<double>::quiet_NaN()};
        int seen = 0;
        for (auto field_result : obj) {
            ondemand::field field;
            QF_TRY(std::move(field_result).get(field));
            raw_json_string key = field.key();
            double *slot = nullptr;
            int bit = 0;
            if (key.unsafe_is_equal("time")) { slot = &c.time; bit = 1; }
            else if (key.unsafe_is_equal("open")) { slot = &c.open; bit = 2; }
            else if (key.unsafe_is_equal("close")) { slot = &c.close; bit = 4; }
            else if (key.unsafe_is_equal("high")) { slot = &c.high; bit = 8; }
            else if (key.unsafe_is_equal("low")) { slot = &c.low; bit = 16; }
            else if (key.unsafe_is_equal("volume")) { slot = &c.volume; }
            if (slot) {
                QF_TRY(field.value().get_double().get(*slot));
                seen |= bit;
            }
        }
        if (seen != 31) return QF_E_SHAPE;
        c.time = normalize_epoch(c.time);
        if (n < out->candles_cap) out->candles[n] = c;
        n++;
    }
    return QF_OK;
}

/// {asset, period, history:[…], candles:[…]} or {asset, index, data:[…], period}
qf_status parse_history(ondemand::object obj, qf_payload *out, qf_event_kind kind) {
    size_t nt = 0, nc = 0;
    bool has_asset = false;
    for (auto field_result : obj) {
        ondemand::field field;
        QF_TRY(std::move(field_result).get(field));
        raw_json_string key = field.key();
        if (key.unsafe_is_equal("asset")) {
            std::string_view a;
            QF_TRY(field.value().get_string().get(a));
            out->asset = bytes_of(a);
            has_asset = !a.empty();
        } else if (key.unsafe_is_equal("period")) {
            int64_t period;
            QF_TRY(field.value().get_int64().get(period));
            out->period = (period > 0 && period < 100000000) ? static_cast<int32_t>(period) : -1;
        } else if (key.unsafe_is_equal("history")) {
            ondemand::array arr;
            QF_TRY(field.value().get_array().get(arr));
            qf_status s = parse_history_ticks(arr, out, nt);
            if (s != QF_OK) return s;
        } else if (key.unsafe_is_equal("candles")) {
            ondemand::array arr;
            QF_TRY(field.value().get_array().get(arr));
            qf_status s = parse_candle_rows(arr, out, nc);
            if (s != QF_OK) return s;
        } else if (key.unsafe_is_equal("data")) {
            ondemand::array arr;
            QF_TRY(field.value().get_array().get(arr));
            qf_status s = parse_candle_objects(arr, out, nc);
            if (s != QF_OK) return s;
        }
    }
    if (!has_asset) return QF_E_SHAPE;
    out->kind = kind;
    out->ticks_needed = nt;
    out->candles_needed = nc;
    out->n_ticks = nt < out->ticks_cap ? nt : out->ticks_cap;
    out->n_candles = nc < out->candles_cap ? nc : out->candles_cap;
    return (nt > out->ticks_cap || nc > out->candles_cap) ? QF_E_CAPACITY : QF_OK;
}

/// [{chart_id, settings: "{…}"}, …]; settings is JSON inside a string.
qf_status parse_charts(qf_parser *p, ondemand::array arr, qf_payload *out) {
    size_t n = 0;
    size_t names_used = 0;
    for (auto item_result : arr) {
        ondemand::object obj;
        QF_TRY(item_result.get_object().get(obj));
        std::string_view settings_raw;
        bool has_settings = false;
        for (auto field_result : obj) {
            ondemand::field field;
            QF_TRY(std::move(field_result).get(field));
            if (field.key().unsafe_is_equal("settings")) {
                std::string_view token;
                token = field.value().raw_json_token();
                if (!string_token_content(token, settings_raw)) return QF_E_SHAPE;
                has_settings = true;
            }
        }
        if (!has_settings) continue;  // a chart entry without settings carries no asset
        if (!p->settings_buf.reserve(settings_raw.size())) return QF_E_INTERNAL;
        ptrdiff_t m = qf_json_unescape(reinterpret_cast<const uint8_t *>(settings_raw.data()),
                                       settings_raw.size(), p->settings_buf.data);
        if (m < 0) return QF_E_JSON;
        ondemand::document sdoc;
        QF_TRY(p->settings.parser.iterate(p->settings_buf.data, static_cast<size_t>(m),
                                          p->settings_buf.capacity + QF_PADDING).get(sdoc));
        ondemand::object sobj;
        QF_TRY(sdoc.get_object().get(sobj));
        qf_chart chart{qf_bytes{nullptr, 0}, -1, -1};
        std::string_view symbol;
        for (auto field_result : sobj) {
            ondemand::field field;
            QF_TRY(std::move(field_result).get(field));
            raw_json_string key = field.key();
            if (key.unsafe_is_equal("symbol")) {
                QF_TRY(field.value().get_string().get(symbol));
            } else if (key.unsafe_is_equal("chartPeriod")) {
                int64_t v;
                if (field.value().get_int64().get(v) == SUCCESS) chart.chart_period = static_cast<int32_t>(v);
            } else if (key.unsafe_is_equal("fastTimeframe")) {
                int64_t v;
                if (field.value().get_int64().get(v) == SUCCESS) chart.fast_timeframe = static_cast<int32_t>(v);
            }
        }
        if (symbol.empty()) continue;
        // The settings parser is reused for the next chart: keep the symbol in our own storage.
        if (!p->chart_names.reserve(names_used + symbol.size())) return QF_E_INTERNAL;
        if (n < out->charts_cap) {
            std::memcpy(p->chart_names.data + names_used, symbol.data(), symbol.size());
            chart.asset = qf_bytes{nullptr, symbol.size()};
            // Offsets first: chart_names may move while growing; fixed up below.
            chart.asset.ptr = reinterpret_cast<const uint8_t *>(static_cast<uintptr_t>(names_used));
            out->charts[n] = chart;
            names_used += symbol.size();
        }
        n++;
    }
    for (size_t i = 0; i < n && i < out->charts_cap; i++) {
        uintptr_t offset = reinterpret_cast<uintptr_t>(out->charts[i].asset.ptr);
        out->charts[i].asset.ptr = p->chart_names.data + offset;
    }
    out->kind = QF_EVENT_UPDATE_CHARTS;
    out->charts_needed = n;
    out->n_charts = n < out->charts_cap ? n : out->charts_cap;
    return n > out->charts_cap ? QF_E_CAPACITY : QF_OK;
}

/// The fast path for the payload nearly every live frame carries: `[["ASSET",TIME,PRICE],…]`
/// with no whitespace, no escapes in the asset and plain JSON numbers. The shape is checked
/// byte by byte; numbers are parsed exactly with std::from_chars (libstdc++'s fast_float). Any
/// other shape returns false and the caller parses the payload with simdjson.
bool parse_stream_flat(const uint8_t *data, size_t len, bool allow_empty, qf_payload *out, qf_status *status) {
    const char *q = reinterpret_cast<const char *>(data), *end = q + len;
    if (len < 2 || q[0] != '[') return false;
    q++;
    size_t n = 0;
    if (*q == ']') {
        if (!allow_empty || q + 1 != end) return false;
    } else {
        while (true) {
            if (end - q < 4 || q[0] != '[' || q[1] != '"') return false;
            q += 2;
            const char *asset = q;
            while (q < end && *q != '"') {
                if (*q == '\\' || static_cast<unsigned char>(*q) < 0x20 || static_cast<unsigned char>(*q) >= 0x80) return false;
                q++;
            }
            if (q == end || q == asset) return false;
            size_t asset_len = static_cast<size_t>(q - asset);
            q++;
            double v[2];
            for (int k = 0; k < 2; k++) {
                if (q == end || *q != ',') return false;
                q++;
                // JSON numbers only: from_chars would also accept "inf", "nan", hex.
                if (q == end || !((*q >= '0' && *q <= '9') || *q == '-')) return false;
                auto r = std::from_chars(q, end, v[k]);
                if (r.ec != std::errc()) return false;
                q = r.ptr;
            }
            if (q == end || *q != ']') return false;
            q++;
            if (n < out->ticks_cap) {
                out->ticks[n] = qf_tick{qf_bytes{reinterpret_cast<const uint8_t *>(asset), asset_len},
                                        normalize_epoch(v[0]), v[1]};
            }
            n++;
            if (q == end) return false;
            if (*q == ',') { q++; continue; }
            if (*q == ']') { q++; break; }
            return false;
        }
        if (q != end) return false;
    }
    out->kind = QF_EVENT_UPDATE_STREAM;
    out->ticks_needed = n;
    out->n_ticks = n < out->ticks_cap ? n : out->ticks_cap;
    *status = n > out->ticks_cap ? QF_E_CAPACITY : QF_OK;
    return true;
}

/// Parses a market value of a known kind.
qf_status parse_market(qf_parser *p, qf_event_kind kind, ondemand::value v, qf_payload *out) {
    switch (kind) {
    case QF_EVENT_UPDATE_STREAM: {
        ondemand::array arr;
        if (v.get_array().get(arr) != SUCCESS) return QF_E_SHAPE;
        return parse_stream(arr, out);
    }
    case QF_EVENT_HISTORY_NEW_FAST:
    case QF_EVENT_LOAD_HISTORY_PERIOD: {
        ondemand::object obj;
        if (v.get_object().get(obj) != SUCCESS) return QF_E_SHAPE;
        return parse_history(obj, out, kind);
    }
    case QF_EVENT_UPDATE_CHARTS: {
        ondemand::array arr;
        if (v.get_array().get(arr) != SUCCESS) return QF_E_SHAPE;
        return parse_charts(p, arr, out);
    }
    default:
        return QF_E_SHAPE;
    }
}

/// Recognises a payload whose event name we never saw, by its shape. Leaves the document
/// consumed: the caller iterates the buffer again (rewind() is unsafe after an error).
qf_event_kind classify_shape(ondemand::document &doc) {
    qf_event_kind kind = QF_EVENT_UNKNOWN;
    ondemand::json_type type;
    if (doc.type().get(type) != SUCCESS) return kind;
    if (type == ondemand::json_type::array) {
        ondemand::array arr;
        if (doc.get_array().get(arr) == SUCCESS) {
            for (auto first : arr) {
                ondemand::json_type t;
                if (first.type().get(t) != SUCCESS) break;
                if (t == ondemand::json_type::array) {
                    // [asset, time, price]: a tick tuple starts with a string.
                    ondemand::array tuple;
                    if (first.get_array().get(tuple) == SUCCESS) {
                        for (auto head : tuple) {
                            ondemand::json_type ht;
                            if (head.type().get(ht) == SUCCESS && ht == ondemand::json_type::string)
                                kind = QF_EVENT_UPDATE_STREAM;
                            break;
                        }
                    }
                } else if (t == ondemand::json_type::object) {
                    ondemand::object obj;
                    if (first.get_object().get(obj) == SUCCESS) {
                        bool chart_id = false, settings = false;
                        for (auto fr : obj) {
                            ondemand::field f;
                            if (std::move(fr).get(f) != SUCCESS) break;
                            if (f.key().unsafe_is_equal("chart_id")) chart_id = true;
                            else if (f.key().unsafe_is_equal("settings")) settings = true;
                        }
                        if (chart_id && settings) kind = QF_EVENT_UPDATE_CHARTS;
                    }
                }
                break;
            }
        }
    } else if (type == ondemand::json_type::object) {
        ondemand::object obj;
        if (doc.get_object().get(obj) == SUCCESS) {
            bool asset = false, history = false, candles = false, data = false, index = false;
            for (auto fr : obj) {
                ondemand::field f;
                if (std::move(fr).get(f) != SUCCESS) break;
                raw_json_string key = f.key();
                if (key.unsafe_is_equal("asset")) asset = true;
                else if (key.unsafe_is_equal("history")) history = true;
                else if (key.unsafe_is_equal("candles")) candles = true;
                else if (key.unsafe_is_equal("data")) data = true;
                else if (key.unsafe_is_equal("index")) index = true;
            }
            if (asset && (history || candles)) kind = QF_EVENT_HISTORY_NEW_FAST;
            else if (asset && data && index) kind = QF_EVENT_LOAD_HISTORY_PERIOD;
        }
    }
    return kind;
}

void reset_payload(qf_payload *out) {
    out->kind = QF_EVENT_UNKNOWN;
    out->placeholders = 0;
    out->period = -1;
    out->name = qf_bytes{nullptr, 0};
    out->asset = qf_bytes{nullptr, 0};
    out->n_ticks = out->n_candles = out->n_charts = 0;
    out->ticks_needed = out->candles_needed = out->charts_needed = 0;
}

qf_status parse_payload(qf_parser *p, int32_t kind_in, const uint8_t *data, size_t len, qf_payload *out) {
    reset_payload(out);
    if (len > p->max_bytes) return QF_E_TOO_LARGE;
    if ((kind_in == QF_EVENT_UPDATE_STREAM || kind_in == QF_EVENT_UNKNOWN) &&
        __atomic_load_n(&fast_paths_enabled, __ATOMIC_RELAXED)) {
        qf_status status;
        if (parse_stream_flat(data, len, kind_in == QF_EVENT_UPDATE_STREAM, out, &status)) return status;
    }
    ondemand::document doc;
    QF_TRY(p->payload.parser.iterate(data, len, len + QF_PADDING).get(doc));
    qf_event_kind kind = static_cast<qf_event_kind>(kind_in);
    if (kind == QF_EVENT_UNKNOWN) {
        kind = classify_shape(doc);
        if (kind == QF_EVENT_UNKNOWN) return QF_E_SHAPE;
        QF_TRY(p->payload.parser.iterate(data, len, len + QF_PADDING).get(doc));
    }
    ondemand::value root;
    QF_TRY(doc.get_value().get(root));
    qf_status s = parse_market(p, kind, root, out);
    if (s != QF_OK) return s;
    if (!doc_at_end(doc)) return QF_E_JSON;
    return QF_OK;
}

qf_status parse_event(qf_parser *p, const uint8_t *data, size_t len, qf_payload *out) {
    reset_payload(out);
    // Fast path: the binary header that precedes almost every tick.
    static constexpr std::string_view stream_header = "[\"updateStream\",{\"_placeholder\":true,\"num\":0}]";
    if (len == stream_header.size() && std::memcmp(data, stream_header.data(), len) == 0) {
        out->kind = QF_EVENT_UPDATE_STREAM;
        out->placeholders = 1;
        out->name = qf_bytes{data + 2, 12};
        return QF_OK;
    }
    if (len > p->max_bytes) return QF_E_TOO_LARGE;
    ondemand::document doc;
    QF_TRY(p->payload.parser.iterate(data, len, len + QF_PADDING).get(doc));
    ondemand::array arr;
    if (doc.get_array().get(arr) != SUCCESS) return QF_E_SHAPE;
    int index = 0;
    qf_event_kind kind = QF_EVENT_OTHER;
    for (auto item : arr) {
        if (index == 0) {
            std::string_view name;
            if (item.get_string().get(name) != SUCCESS) return QF_E_SHAPE;
            out->name = bytes_of(name);
            kind = event_from_name(name);
        } else if (index == 1) {
            ondemand::value v;
            QF_TRY(std::move(item).get(v));
            ondemand::json_type t;
            QF_TRY(v.type().get(t));
            bool placeholder = false;
            if (t == ondemand::json_type::object) {
                // {"_placeholder":true,"num":N} – peek without consuming other objects' data.
                // raw_json_token of an object is just its `{`; the bytes after it are the input's.
                std::string_view token;
                token = v.raw_json_token();
                static constexpr std::string_view marker = "{\"_placeholder\":true";
                const uint8_t *at = reinterpret_cast<const uint8_t *>(token.data());
                if (at >= data && static_cast<size_t>(data + len - at) >= marker.size() &&
                    std::memcmp(at, marker.data(), marker.size()) == 0)
                    placeholder = true;
            }
            if (placeholder) {
                out->placeholders = 1;
            } else if (kind != QF_EVENT_OTHER) {
                qf_status s = parse_market(p, kind, v, out);
                if (s != QF_OK) return s;
            }
        }
        index++;
    }
    if (index == 0) return QF_E_SHAPE;
    if (!doc_at_end(doc)) return QF_E_JSON;
    out->kind = kind;
    return QF_OK;
}

}  // namespace

extern "C" {

qf_parser *qf_parser_create(size_t max_bytes) {
    try {
        if (max_bytes == 0) max_bytes = size_t(256) << 20;
        return new (std::nothrow) qf_parser(max_bytes);
    } catch (...) {
        return nullptr;
    }
}

void qf_parser_destroy(qf_parser *parser) {
    try {
        delete parser;
    } catch (...) {
    }
}

qf_status qf_parse_line(qf_parser *parser, const uint8_t *line, size_t len, size_t readable, qf_frame *out) {
    if (!parser || !out || (!line && len)) return QF_E_ARGUMENT;
    if (readable < len) readable = len;
    try {
        return parse_line(parser, line, len, readable, out);
    } catch (...) {
        return QF_E_INTERNAL;
    }
}

qf_status qf_parse_event(qf_parser *parser, const uint8_t *data, size_t len, qf_payload *out) {
    if (!parser || !out || (!data && len)) return QF_E_ARGUMENT;
    try {
        return parse_event(parser, data, len, out);
    } catch (...) {
        return QF_E_INTERNAL;
    }
}

qf_status qf_parse_payload(qf_parser *parser, int32_t kind, const uint8_t *data, size_t len, qf_payload *out) {
    if (!parser || !out || (!data && len)) return QF_E_ARGUMENT;
    try {
        return parse_payload(parser, kind, data, len, out);
    } catch (...) {
        return QF_E_INTERNAL;
    }
}

void qf_decode_set_fast_paths(int on) { __atomic_store_n(&fast_paths_enabled, on ? 1 : 0, __ATOMIC_RELAXED); }

const char *qf_status_name(qf_status status) {
    switch (status) {
    case QF_OK: return "ok";
    case QF_E_EMPTY: return "empty";
    case QF_E_JSON: return "invalid or truncated JSON";
    case QF_E_UTF8: return "invalid UTF-8";
    case QF_E_NOT_CDP: return "not a CDP event";
    case QF_E_FIELD: return "missing or mistyped field";
    case QF_E_BASE64: return "invalid base64";
    case QF_E_TOO_LARGE: return "too large";
    case QF_E_CAPACITY: return "result buffers too small";
    case QF_E_SHAPE: return "unexpected payload shape";
    case QF_E_INTERNAL: return "internal error";
    case QF_E_ARGUMENT: return "invalid argument";
    }
    return "unknown";
}

}  // extern "C"
