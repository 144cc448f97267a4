// line_decode.cpp – the line layer of qf_decode.h: one JSONL line, a raw CDP event or a Selenium
// perf-log entry, into a qf_frame (method, requestId, timestamp, opcode, decoded payload).
//
// Cost model: a Selenium perf-log entry holds the CDP event as an escaped JSON string. Chrome's
// frame events (nearly every line) are read in that escaped form without unescaping the message
// (qf::match_escaped_frame_event, inside match_perflog_template for the original tool's exact
// wrapper or scan_flat_perflog for any flat one): base64 payloads go straight from the line to
// the decoder, a text payload is unescaped at both levels in one pass into a scratch buffer. Any
// other message is unescaped once (qf_json_unescape_string, 16, 32 or 64 bytes per step) into a
// padded buffer and parsed as a second document. In a raw CDP line, Chrome's template
// (qf::match_frame_event) unescapes a text payload as it reads it. Elsewhere text payloads are
// unescaped after the walk; binary payloads go straight from the raw token to the base64
// decoder. Hand-written scanners take the common shapes (cdp_scan.cpp: the templates and
// qf::scan_cdp for any CDP event); simdjson takes everything they leave, and judges again any
// line they reject, so a rejected line's status is always simdjson's. Every buffer is owned by
// the parser and only ever grows, so steady-state decoding allocates nothing.
//
// No exception leaves this file: the extern "C" entry points run their bodies in qf::c_boundary.

#include "cdp_fields.h"
#include "json_grammar.h"
#include "plain_decimal.h"
#include "shim_internal.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>

using namespace simdjson;
using simdjson::ondemand::raw_json_string;

namespace {

using qf::CdpFields;
using qf::ScanResult;
using qf::bytes_of;
using qf::is_space;
using qf::kOpcodeText;

qf_method method_from_name(std::string_view m) {
    static constexpr std::string_view network = "Network.";
    if (m.substr(0, network.size()) != network) return QF_METHOD_OTHER;
    std::string_view rest = m.substr(network.size());
    if (rest == "webSocketFrameReceived") return QF_METHOD_FRAME_RECEIVED;
    if (rest == "webSocketFrameSent") return QF_METHOD_FRAME_SENT;
    if (rest == "webSocketCreated") return QF_METHOD_CREATED;
    if (rest == "webSocketClosed") return QF_METHOD_CLOSED;
    if (rest == "webSocketFrameError") return QF_METHOD_FRAME_ERROR;
    return QF_METHOD_OTHER;
}

inline bool starts_with(const uint8_t *data, size_t len, std::string_view prefix) {
    return len >= prefix.size() && std::memcmp(data, prefix.data(), prefix.size()) == 0;
}

inline const uint8_t *skip_space(const uint8_t *p, const uint8_t *end) {
    while (p < end && is_space(*p)) p++;
    return p;
}

// ---------------------------------------------------------------------------------------------
// The simdjson path: walks a CDP event's fields into CdpFields.
// ---------------------------------------------------------------------------------------------

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
            if (!qf::string_token_content(token, f.payload_raw)) return QF_E_FIELD;
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
            // Kept as its token, as the hand-written scanners keep it: checked against the number
            // grammar here, converted by finish_frame only when the parser wants timestamps. So
            // a line gets the same verdict on every path whatever that setting (1e999 converts
            // only when wanted; of duplicate keys, the last is the one converted).
            ondemand::value value = field.value();
            ondemand::json_type type;
            QF_TRY(value.type().get(type));
            if (type != ondemand::json_type::number) {
                double ignored;
                QF_TRY(value.get_double().get(ignored));  // simdjson's error for a non-number
                return QF_E_FIELD;
            }
            std::string_view token = value.raw_json_token();
            while (!token.empty() && is_space(static_cast<uint8_t>(token.back()))) token.remove_suffix(1);
            const char *token_end = token.data() + token.size();
            if (qf::json_number_end(token.data(), token_end) != token_end) return QF_E_FIELD;  // simdjson's NUMBER_ERROR
            f.timestamp_text = token;
        } else if (key.unsafe_is_equal("response")) {
            ondemand::object response;
            QF_TRY(field.value().get_object().get(response));
            qf_status s = walk_response(response, f);
            if (s != QF_OK) return s;
        } else if (key.unsafe_is_equal("url")) {
            QF_TRY(field.value().get_string().get(f.url));
        }
    }
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

// ---------------------------------------------------------------------------------------------
// From the collected fields to the qf_frame.
// ---------------------------------------------------------------------------------------------

/// Decodes the collected payloadData into the parser's frame_payload buffer.
qf_status decode_frame_payload(qf_parser *p, const CdpFields &f, qf_frame *out) {
    // No size check here: a payload is part of its line (escaped, so never longer), and
    // parse_line refused lines over max_bytes before any of this.
    if (f.payload_text) {
        // A text frame a template already unescaped (match_frame_event into frame_payload, or
        // match_escaped_frame_event at both levels into inner_buf).
        std::memset(f.payload_text + f.payload_text_size, 0, QF_PADDING);
        out->payload = qf_bytes{f.payload_text, f.payload_text_size};
        out->has_payload = 1;
        return QF_OK;
    }
    std::string_view raw = f.payload_raw;
    // Unescaping never grows the text; base64 writes at most qf_base64_decoded_max bytes.
    if (!p->frame_payload.reserve(std::max(raw.size(), qf_base64_decoded_max(raw.size())))) return QF_E_INTERNAL;
    uint8_t *dst = p->frame_payload.data;
    const uint8_t *src = reinterpret_cast<const uint8_t *>(raw.data());
    ptrdiff_t n;
    if (f.opcode == kOpcodeText) {
        n = qf_json_unescape(src, raw.size(), dst);
        if (n < 0) return QF_E_JSON;
    } else {
        // Base64 never needs escapes, and a backslash is outside its alphabet: decode the raw
        // token first and only look for escapes when that fails.
        n = qf_base64_decode(src, raw.size(), dst);
        if (n < 0 && std::memchr(src, '\\', raw.size()) != nullptr) {
            // `\/` is legal JSON: unescape first, then decode in place (safe: the output index
            // never passes the input index).
            ptrdiff_t m = qf_json_unescape(src, raw.size(), dst);
            if (m < 0) return QF_E_JSON;
            n = qf_base64_decode(dst, static_cast<size_t>(m), dst);
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
    if (!p->timestamps) {
        out->timestamp = std::numeric_limits<double>::quiet_NaN();
    } else if (!f.timestamp_text.empty()) {
        // Every path checked the token's grammar; only its range can fail here (1e999), where
        // simdjson's get_double fails too (NUMBER_ERROR: QF_E_FIELD).
        const char *text = f.timestamp_text.data(), *text_end = text + f.timestamp_text.size();
        if (qf::json_number_to_double(text, text_end, out->timestamp) != text_end) return QF_E_FIELD;
    } else {
        out->timestamp = std::numeric_limits<double>::quiet_NaN();
    }
    out->request_id = bytes_of(f.request_id);
    out->url = bytes_of(f.url);
    out->opcode = static_cast<int32_t>(f.opcode);
    bool frame_event = out->method == QF_METHOD_FRAME_RECEIVED || out->method == QF_METHOD_FRAME_SENT;
    if (frame_event) {
        if (!f.has_payload || f.opcode < 0 || f.request_id.empty()) return QF_E_FIELD;
        return decode_frame_payload(p, f, out);
    }
    return QF_OK;
}

// ---------------------------------------------------------------------------------------------
// Selenium perf-log entries: {"message":"{\"message\":{CDP event},\"webview\":…}","level":…}
// ---------------------------------------------------------------------------------------------

/// Parses the unescaped perf-log message in inner_buf: {"message":{CDP event},"webview":…},
/// with the hand-written scanners first when `fast`.
qf_status parse_perflog_inner(qf_parser *p, size_t n, bool fast, qf_frame *out) {
    if (fast) {
        CdpFields f;
        if (!p->frame_payload.reserve(n)) return QF_E_INTERNAL;
        switch (qf::match_frame_event(p->inner_buf.data, p->inner_buf.data + n, true, p->frame_payload.data, f)) {
        case ScanResult::parsed:
            out->form = QF_FORM_PERFLOG;
            return finish_frame(p, f, out);
        case ScanResult::malformed: return QF_E_JSON;
        case ScanResult::fallback: f = CdpFields{}; break;
        }
        switch (qf::scan_cdp(p->inner_buf.data, p->inner_buf.data + n, true, f)) {
        case ScanResult::parsed:
            if (!f.has_method && !f.has_reply) return QF_E_NOT_CDP;
            out->form = QF_FORM_PERFLOG;
            return finish_frame(p, f, out);
        case ScanResult::malformed: return QF_E_JSON;
        case ScanResult::fallback: break;
        }
    }
    // simdjson's on-demand verdict on a malformed document can depend on the padding's bytes:
    // zero them, so a line is judged the same whichever path unescaped it (and whatever line
    // the buffer held before).
    std::memset(p->inner_buf.data + n, 0, QF_PADDING);
    ondemand::document doc;
    QF_TRY(p->inner.iterate(p->inner_buf.data, n, p->inner_buf.capacity + QF_PADDING).get(doc));
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
    if (!qf::doc_at_end(doc)) return QF_E_JSON;
    if (!found) return QF_E_NOT_CDP;
    out->form = QF_FORM_PERFLOG;
    return finish_frame(p, f, out);
}

/// The perf-log path through simdjson: `message` is a JSON string holding the CDP event.
qf_status parse_perflog_message(qf_parser *p, std::string_view escaped, bool fast, qf_frame *out) {
    if (escaped.size() > p->max_bytes) return QF_E_TOO_LARGE;
    if (!p->inner_buf.reserve(escaped.size())) return QF_E_INTERNAL;
    ptrdiff_t n = qf_json_unescape(reinterpret_cast<const uint8_t *>(escaped.data()), escaped.size(),
                                   p->inner_buf.data);
    if (n < 0) return QF_E_JSON;
    return parse_perflog_inner(p, static_cast<size_t>(n), fast, out);
}

/// The fast path for Selenium perf-log entries, which are flat objects of plain keys, short
/// strings and numbers around one long `message` string: validates that flat shape itself and
/// reads `message` in the same pass – Chrome's frame event in its escaped form, straight into
/// `event` (`*event_read`: qf::match_escaped_frame_event), any other message unescaped into
/// inner_buf (`*inner_len` bytes) for parse_perflog_inner – so the outer level costs one scan
/// instead of a simdjson parse plus a second pass over the string. Anything else (nested
/// values, escapes outside `message`, non-ASCII outside `message`) falls back to simdjson.
ScanResult scan_flat_perflog(qf_parser *p, const uint8_t *line, size_t len, size_t *inner_len, CdpFields &event,
                             bool *event_read) {
    const uint8_t *q = line, *end = line + len;
    q = skip_space(q, end);
    if (q == end || *q != '{') return ScanResult::fallback;
    q++;
    bool has_message = false;
    while (true) {
        q = skip_space(q, end);
        if (q == end || *q != '"') return ScanResult::fallback;
        const uint8_t *key = ++q;
        q = qf::next_special(q, end);  // plain bytes up to the closing quote, or fallback
        if (q >= end || *q != '"') return ScanResult::fallback;
        std::string_view name(reinterpret_cast<const char *>(key), static_cast<size_t>(q - key));
        q = skip_space(q + 1, end);
        if (q == end || *q != ':') return ScanResult::fallback;
        q = skip_space(q + 1, end);
        if (q == end) return ScanResult::fallback;
        if (name == "message") {
            if (*q != '"' || has_message) return ScanResult::fallback;
            size_t room = static_cast<size_t>(end - q);
            if (!p->inner_buf.reserve(room)) return ScanResult::fallback;
            const uint8_t *after = nullptr;
            // Chrome's frame event read in place (inner_buf only holds a text payload's content);
            // any other message is unescaped whole and parsed as a document of its own.
            if (qf::match_escaped_frame_event(q + 1, end, p->inner_buf.data, event, &after) == ScanResult::parsed) {
                *event_read = true;
            } else {
                event = CdpFields{};
                ptrdiff_t n = qf_json_unescape_string(q + 1, end, p->inner_buf.data, &after);
                if (n < 0) return ScanResult::malformed;
                *inner_len = static_cast<size_t>(n);
            }
            has_message = true;
            q = after;
        } else if (*q == '"') {
            q = qf::next_special(q + 1, end);
            if (q >= end || *q != '"') return ScanResult::fallback;
            q++;
        } else {
            // a number or a literal, by the JSON grammar
            const char *at = reinterpret_cast<const char *>(q), *stop = reinterpret_cast<const char *>(end);
            const char *after = *q == 't' || *q == 'f' || *q == 'n' ? qf::json_literal_end(at, stop) : qf::json_number_end(at, stop);
            if (!after) return ScanResult::fallback;
            q = reinterpret_cast<const uint8_t *>(after);
        }
        q = skip_space(q, end);
        if (q == end) return ScanResult::fallback;
        if (*q == ',') { q++; continue; }
        if (*q == '}') { q++; break; }
        return ScanResult::fallback;
    }
    q = skip_space(q, end);
    if (q != end || !has_message) return ScanResult::fallback;
    return ScanResult::parsed;
}

/// A Selenium perf-log entry exactly as the original tool wrote it (Python's json.dumps of
/// Selenium's entry: `{"level": "INFO", "message": "…", "timestamp": N}`) around Chrome's frame
/// event: the wrapper matched as fixed glue, the message by qf::match_escaped_frame_event. Any
/// other spelling is `fallback` (the flat scan takes it); never `malformed`.
ScanResult match_perflog_template(qf_parser *p, const uint8_t *line, size_t len, CdpFields &event) {
    static constexpr std::string_view head = "{\"level\": \"INFO\", \"message\": \"";
    static constexpr std::string_view timestamp_key = ", \"timestamp\": ";
    const uint8_t *q = line, *end = line + len;
    if (len < head.size() + timestamp_key.size() || std::memcmp(q, head.data(), head.size()) != 0) return ScanResult::fallback;
    q += head.size();
    if (!p->inner_buf.reserve(static_cast<size_t>(end - q))) return ScanResult::fallback;
    const uint8_t *after = nullptr;
    if (qf::match_escaped_frame_event(q, end, p->inner_buf.data, event, &after) != ScanResult::parsed) return ScanResult::fallback;
    q = after;
    if (static_cast<size_t>(end - q) < timestamp_key.size() || std::memcmp(q, timestamp_key.data(), timestamp_key.size()) != 0)
        return ScanResult::fallback;
    q += timestamp_key.size();
    const char *number_end = qf::json_number_end(reinterpret_cast<const char *>(q), reinterpret_cast<const char *>(end));
    if (!number_end || reinterpret_cast<const uint8_t *>(number_end) + 1 != end || *number_end != '}') return ScanResult::fallback;
    return ScanResult::parsed;
}

// ---------------------------------------------------------------------------------------------
// One line.
// ---------------------------------------------------------------------------------------------

/// Any line through simdjson: a raw CDP event, or a perf-log entry whose `message` string goes on
/// to parse_perflog_message (and its hand-written scanners when `fast`).
qf_status parse_line_simdjson(qf_parser *p, const uint8_t *line, size_t len, size_t readable, bool fast,
                              qf_frame *out) {
    ondemand::document doc;
    QF_TRY(p->outer.iterate(line, len, readable).get(doc));
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
            if (!qf::string_token_content(token, message)) return QF_E_NOT_CDP;
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
    if (!qf::doc_at_end(doc)) return QF_E_JSON;
    if (has_message && !f.has_method) return parse_perflog_message(p, message, fast, out);
    out->form = QF_FORM_CDP;
    return finish_frame(p, f, out);
}

/// The hand-written paths (simdjson for whatever shape they leave) for a line already trimmed and
/// padded.
qf_status parse_line_fast(qf_parser *p, const uint8_t *line, size_t len, size_t readable, qf_frame *out) {
    // Raw CDP events start with {"method" or {"id" (as Chrome writes them): Chrome's exact
    // frame-event template first, then the direct scanner. Anything else is taken for a perf-log
    // entry: the flat scan. Both leave any shape they don't take to simdjson.
    static constexpr std::string_view cdp_method = "{\"method\"", cdp_id = "{\"id\"";
    if (starts_with(line, len, cdp_method) || starts_with(line, len, cdp_id)) {
        CdpFields f;
        if (!p->frame_payload.reserve(len)) return QF_E_INTERNAL;
        switch (qf::match_frame_event(line, line + len, false, p->frame_payload.data, f)) {
        case ScanResult::parsed:
            out->form = QF_FORM_CDP;
            return finish_frame(p, f, out);
        case ScanResult::malformed: return QF_E_JSON;
        case ScanResult::fallback: f = CdpFields{}; break;
        }
        switch (qf::scan_cdp(line, line + len, false, f)) {
        case ScanResult::parsed:
            out->form = QF_FORM_CDP;
            return finish_frame(p, f, out);
        case ScanResult::malformed: return QF_E_JSON;
        case ScanResult::fallback: break;
        }
    } else {
        CdpFields event;
        if (match_perflog_template(p, line, len, event) == ScanResult::parsed) {
            out->form = QF_FORM_PERFLOG;
            return finish_frame(p, event, out);
        }
        event = CdpFields{};
        size_t inner_len = 0;
        bool event_read = false;
        switch (scan_flat_perflog(p, line, len, &inner_len, event, &event_read)) {
        case ScanResult::parsed:
            if (!event_read) return parse_perflog_inner(p, inner_len, true, out);
            out->form = QF_FORM_PERFLOG;
            return finish_frame(p, event, out);
        case ScanResult::malformed: return QF_E_JSON;
        case ScanResult::fallback: break;
        }
    }
    return parse_line_simdjson(p, line, len, readable, true, out);
}

void reset_frame(qf_frame *out) {
    *out = qf_frame{};
    out->opcode = -1;
    out->reply_id = -1;
    out->timestamp = std::numeric_limits<double>::quiet_NaN();
}

qf_status parse_line(qf_parser *p, const uint8_t *line, size_t len, size_t readable, qf_frame *out) {
    reset_frame(out);
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
    if (qf::fast_paths_enabled()) {
        qf_status status = parse_line_fast(p, line, len, readable, out);
        if (status == QF_OK || status == QF_E_INTERNAL) return status;
        // A line the fast paths reject is judged again by simdjson alone, so that its verdict is
        // exactly simdjson's (QF_E_UTF8 before QF_E_JSON on a line that is both, …) whichever
        // path met the fault first. Only rejected lines pay for the second parse.
        reset_frame(out);
    }
    return parse_line_simdjson(p, line, len, readable, false, out);
}

}  // namespace

extern "C" {

qf_status qf_parse_line(qf_parser *parser, const uint8_t *line, size_t len, size_t readable, qf_frame *out) {
    if (!parser || !out || (!line && len)) return QF_E_ARGUMENT;
    if (readable < len) readable = len;
    return qf::c_boundary(QF_E_INTERNAL, [&] { return parse_line(parser, line, len, readable, out); });
}

int qf_jsonl_next(const uint8_t *buffer, size_t len, size_t *offset, int final, qf_bytes *line) {
    if (!buffer || !offset || !line || *offset >= len) return 0;
    const uint8_t *start = buffer + *offset;
    size_t left = len - *offset;
    const uint8_t *nl = static_cast<const uint8_t *>(std::memchr(start, '\n', left));
    size_t n;
    if (nl) {
        n = static_cast<size_t>(nl - start);
        *offset += n + 1;
    } else {
        if (!final) return 0;
        n = left;
        *offset = len;
    }
    if (n > 0 && start[n - 1] == '\r') n--;
    line->ptr = start;
    line->len = n;
    return 1;
}

}  // extern "C"
